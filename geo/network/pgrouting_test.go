package network

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
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
			pg := drivingDistance(t, ctx, conn, schema)
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

// sampleStep is the spacing (m) of the sampled access points of
// TestPostGISAccessMatchesSampledPgRouting.
const sampleStep = 5

// TestPostGISAccessMatchesSampledPgRouting checks the definition of access
// against an independent one: every walkable edge (of a component parks are
// reached from) is sampled every 5 m from its From node, and its end; PostGIS
// measures each sample's geodesic distance to the nearest public green
// space of at least 1000 m² (ST_Distance on geography, 0 inside) and keeps
// those within 20 m as point sources charged that gap; pgRouting walks from
// them. Sampling can only miss the best point of a stretch, so pgRouting's
// answer at every parcel is an upper bound of ours: ours ≤ theirs (within
// 5 cm for the two distance computations), and ours ≥ theirs − 2 × 5 m
// (the best point is at most 5 m from a sample, along which the walk and
// the gap each change by at most the 5 m) — on Chengdu and Monaco.
func TestPostGISAccessMatchesSampledPgRouting(t *testing.T) {
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
			var parks [][]any
			var places []Loc
			var access []float64
			for i, f := range feats {
				switch {
				case f.Layer == geo.Green && f.Float("area_m2") >= 1000:
					for _, a := range g.AccessPoints(f.Geom, 20, false) {
						srcs = append(srcs, a.Source(int32(i)))
					}
					b, err := wkb.Marshal(f.Geom)
					if err != nil {
						t.Fatal(err)
					}
					parks = append(parks, []any{int64(i), b})
				case f.Layer == geo.Parcels:
					if at, acc, ok := g.Snap(Inside(f.Geom), 1000); ok {
						places = append(places, at)
						access = append(access, acc)
					}
				}
			}
			d := g.Multi(srcs, 0)

			// The samples: every 5 m of every edge of a long enough
			// component, and its end.
			type sample struct {
				at Loc
				p  orb.Point
			}
			var samples []sample
			var rows [][]any
			for ei := range g.Edges {
				e := &g.Edges[ei]
				if g.CompLength[g.Comp[e.From]] < g.MinComponent {
					continue
				}
				for off := 0.0; ; off += sampleStep {
					if off > e.Length {
						off = e.Length
					}
					l := Loc{int32(ei), off}
					p := g.Point(l)
					rows = append(rows, []any{int64(len(samples)), p[0], p[1]})
					samples = append(samples, sample{l, p})
					if off == e.Length {
						break
					}
				}
			}
			schema := fmt.Sprintf("sampled_%d", time.Now().UnixNano())
			if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA %[1]s;
				CREATE TABLE %[1]s.park (id bigint, wkb bytea);
				CREATE TABLE %[1]s.sample (id bigint, lon float8, lat float8);
				CREATE TABLE %[1]s.e (id bigint, source bigint, target bigint, cost float8, reverse_cost float8)`, schema)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "park"}, []string{"id", "wkb"}, pgx.CopyFromRows(parks)); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "sample"}, []string{"id", "lon", "lat"}, pgx.CopyFromRows(rows)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := conn.Exec(ctx, fmt.Sprintf(`
				CREATE TABLE %[1]s.p AS SELECT (ST_Dump(ST_GeomFromWKB(wkb, 4326))).geom::geography AS g FROM %[1]s.park;
				CREATE TABLE %[1]s.s AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS g FROM %[1]s.sample;
				CREATE INDEX ON %[1]s.p USING gist (g);
				ANALYZE %[1]s.p; ANALYZE %[1]s.s`, schema)); err != nil {
				t.Fatal(err)
			}
			res, err := conn.Query(ctx, fmt.Sprintf(`
				SELECT s.id, min(ST_Distance(s.g, p.g)) FROM %[1]s.s JOIN %[1]s.p ON ST_DWithin(s.g, p.g, 20) GROUP BY s.id`, schema))
			if err != nil {
				t.Fatal(err)
			}
			var ref []Source
			for res.Next() {
				var id int64
				var gap float64
				if err := res.Scan(&id, &gap); err != nil {
					t.Fatal(err)
				}
				s := samples[id]
				ref = append(ref, Source{At: s.at, End: s.at.Offset, Init: gap})
			}
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d parks, %d access stretches; %d samples, %d within 20 m (PostGIS, %s)", name, len(parks), len(srcs), len(samples), len(ref), time.Since(start).Round(time.Millisecond))

			edges, vertex := g.PgRouting(ref, places)
			rows = rows[:0]
			for _, e := range edges {
				rows = append(rows, []any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost})
			}
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "e"}, []string{"id", "source", "target", "cost", "reverse_cost"}, pgx.CopyFromRows(rows)); err != nil {
				t.Fatal(err)
			}
			pg := drivingDistance(t, ctx, conn, schema)
			const eps = 0.05
			var diffs []float64
			bad := 0
			for i, at := range places {
				ours, _ := d.To(at)
				theirs, ok := pg[vertex(at)]
				if !ok {
					theirs = math.Inf(1)
				}
				if math.IsInf(ours, 1) || math.IsInf(theirs, 1) {
					if math.IsInf(ours, 1) != math.IsInf(theirs, 1) {
						bad++
						t.Errorf("parcel %d (access %.1f m): ours %.2f m, sampled pgRouting %.2f m", i, access[i], ours, theirs)
					}
					continue
				}
				diffs = append(diffs, theirs-ours)
				if ours > theirs+eps || ours < theirs-2*sampleStep-eps {
					bad++
					if bad <= 20 {
						t.Errorf("parcel %d at %+v: ours %.3f m, sampled pgRouting %.3f m", i, at, ours, theirs)
					}
				}
			}
			sort.Float64s(diffs)
			if len(diffs) < len(places)/2 || len(ref) == 0 {
				t.Fatalf("too little reached to test anything: %d of %d", len(diffs), len(places))
			}
			q := func(f float64) float64 { return diffs[int(f*float64(len(diffs)-1))] }
			t.Logf("%d parcels reached; sampled − ours: min %.3f, median %.3f, 99%% %.3f, max %.3f m; %d outside [0, %d] m", len(diffs), diffs[0], q(0.5), q(0.99), diffs[len(diffs)-1], bad, 2*sampleStep)
		})
	}
}

// drivingDistance runs pgr_drivingDistance from vertex 0 over schema.e and
// returns each reached vertex's least cost.
func drivingDistance(t *testing.T, ctx context.Context, conn *pgx.Conn, schema string) map[int64]float64 {
	t.Helper()
	res, err := conn.Query(ctx, "SELECT node, agg_cost FROM pgr_drivingDistance($1, 0::bigint, 1e9::float8, true)",
		fmt.Sprintf("SELECT id, source, target, cost, reverse_cost FROM %s.e", schema))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
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
	return pg
}
