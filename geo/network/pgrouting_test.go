package network

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/jackc/pgx/v5"
)

func pgConn(t *testing.T) *pgx.Conn {
	conn, err := pgx.Connect(context.Background(), storetest.PostGISURL(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(context.Background(), "CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestPostGISWalkMatchesPgRouting: every parcel's walking distance to the
// nearest public green space of at least 1000 m², computed by Multi, equals
// pgRouting's pgr_drivingDistance (multi-start, equicost) on the same
// edges within 1 m, for Chengdu and Monaco. pgRouting gets the graph with
// every edge split where a park's access point or a parcel's attachment
// lies, and one start joined by an edge as long as the access gap to every
// vertex of every access stretch, so partly walked edges count there as
// they do here.
func TestPostGISWalkMatchesPgRouting(t *testing.T) {
	for _, name := range []string{"chengdu.osm.pbf", "monaco.osm.pbf"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			feats, _, err := osm.ReadFile(ctx, storetest.SharedData(t, name), osm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			conn := pgConn(t)
			g := Build(feats)
			var srcs []Source
			type parcel struct {
				at     Loc
				access float64
			}
			var parcels []parcel
			for i, f := range feats {
				switch {
				case f.Layer == geo.Green && f.Float("area_m2") >= 1000:
					for _, a := range g.AccessPoints(f.Geom, 20, false) {
						srcs = append(srcs, a.Source(int32(i)))
					}
				case f.Layer == geo.Parcels:
					if at, acc, ok := g.Snap(Inside(f.Geom), 1000); ok {
						parcels = append(parcels, parcel{at, acc})
					}
				}
			}
			d := g.Multi(srcs, 0)
			t.Logf("%s: graph %s; %d access points; %d parcels attached", name, g, len(srcs), len(parcels))

			var places []Loc
			for _, p := range parcels {
				places = append(places, p.at)
			}
			edges, vertex := g.PgRouting(srcs, places)
			var rows [][]any
			for _, e := range edges {
				rows = append(rows, []any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost})
			}
			schema := fmt.Sprintf("walk_%d", time.Now().UnixNano())
			if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE SCHEMA %[1]s; CREATE TABLE %[1]s.e (id bigint, source bigint, target bigint, cost float8, reverse_cost float8)", schema)); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "e"}, []string{"id", "source", "target", "cost", "reverse_cost"}, pgx.CopyFromRows(rows)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := conn.Query(ctx, "SELECT node, agg_cost FROM pgr_drivingDistance($1, 0::bigint, 1e9::float8, true)",
				fmt.Sprintf("SELECT id, source, target, cost, reverse_cost FROM %s.e", schema))
			if err != nil {
				t.Fatal(err)
			}
			pg := map[int64]float64{}
			for res.Next() {
				var n int64
				var c float64
				if err := res.Scan(&n, &c); err != nil {
					t.Fatal(err)
				}
				if old, ok := pg[n]; !ok || c < old {
					pg[n] = c
				}
			}
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("pgRouting: %d edges, %d vertices reached in %s", len(rows), len(pg), time.Since(start).Round(time.Millisecond))
			worst, reached, within500 := 0.0, 0, 0
			for i, p := range parcels {
				ours, _ := d.To(p.at)
				theirs, ok := pg[vertex(p.at)]
				if !ok {
					theirs = math.Inf(1)
				}
				if math.IsInf(ours, 1) != math.IsInf(theirs, 1) {
					t.Fatalf("parcel %d: ours %.2f, pgRouting %.2f", i, ours, theirs)
				}
				if math.IsInf(ours, 1) {
					continue
				}
				reached++
				if ours+p.access <= 500 {
					within500++
				}
				worst = math.Max(worst, math.Abs(ours-theirs))
				if math.Abs(ours-theirs) > 1 {
					t.Errorf("parcel %d: ours %.3f m, pgRouting %.3f m", i, ours, theirs)
				}
			}
			t.Logf("%d of %d parcels reach a park; %d within 500 m walking; worst difference to pgRouting %.2g m", reached, len(parcels), within500, worst)
			if reached < len(parcels)/2 || len(srcs) == 0 {
				t.Errorf("too little reached to test anything: %d of %d", reached, len(parcels))
			}
		})
	}
}
