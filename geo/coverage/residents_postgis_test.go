package coverage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestPostGISArealShares: on Chengdu and Monaco imported into PostGIS,
// every walk_access share measured in a straight line (the default rules
// and recycling points within 120 m) is within 3 percentage points of the
// areal share PostGIS computes: Σ residents × the part of the parcel's
// area within the rule's distance of a target (ST_Buffer on geography,
// ST_Intersection, ST_Area on geography) ÷ Σ residents.
func TestPostGISArealShares(t *testing.T) {
	ctx := context.Background()
	rs := Default()
	extra, err := Parse("recycling.yaml", []byte("rules:\n  - {id: recycling-120m, type: walk_access, target: {layer: waste, kinds: [recycling]}, meters: 120, pass: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs.Rules = append(rs.Rules, extra.Rules...)
	for _, city := range []string{"chengdu", "monaco"} {
		t.Run(city, func(t *testing.T) {
			snap, schema, conn := postgisCity(t, ctx, city+".osm.pbf", "areal")
			a, err := Run(ctx, snap, rs, Options{Mode: Straight})
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, res := range a.Results {
				r := res.Rule
				if r.Type != WalkAccess {
					continue
				}
				var ids []int64
				for _, f := range targets(snap, &r.Target) {
					ids = append(ids, f.ID)
				}
				// The targets' buffers, unioned and cut into small indexed
				// pieces that do not overlap.
				if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS pg_temp.t;
CREATE TEMP TABLE t AS SELECT ST_Subdivide(u, 64) g FROM (
  SELECT ST_Union(ST_Buffer(geom::geography, %[3]g)::geometry) u FROM %[1]s.%[2]s WHERE fid = ANY('{%[4]s}'::bigint[])) x;
CREATE INDEX ON t USING gist (g); ANALYZE t`, schema, r.Target.Layer, r.Meters, joinIDs(ids))); err != nil {
					t.Fatalf("%s: %v", r.ID, err)
				}
				var want float64
				if err := conn.QueryRow(ctx, fmt.Sprintf(`
SELECT coalesce(sum(p.population * coalesce(
         (SELECT sum(ST_Area(ST_Intersection(p.geom, t.g)::geography)) FROM t WHERE t.g && p.geom), 0)
       / ST_Area(p.geom::geography)) / sum(p.population), 0)::float8
FROM %[1]s.parcels p WHERE p.population > 0`, schema)).Scan(&want); err != nil {
					t.Fatalf("%s: %v", r.ID, err)
				}
				got := res.Units[0].Value
				t.Logf("%s: %d targets; straight-line share %.2f%%, PostGIS areal share %.2f%%", r.ID, len(ids), 100*got, 100*want)
				if math.Abs(got-want) > 0.03 {
					t.Errorf("%s: straight-line share %.2f%%, PostGIS areal share %.2f%%: more than 3 points apart", r.ID, 100*got, 100*want)
				}
				if len(ids) > 0 {
					compared++
				}
			}
			if compared < 2 {
				t.Errorf("only %d rules with targets compared", compared)
			}
		})
	}
}

func joinIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}
