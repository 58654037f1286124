package coverage

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo/grid"
	"github.com/paulmach/orb/encoding/wkb"
)

// TestPostGISRadiusCoverageByArea: on Chengdu and Monaco imported into
// PostGIS, the radius rule's share of residential land inside the parks'
// radii, for the city and each unit, is within 0.5 percentage points of
// PostGIS's: ST_Area(ST_Intersection(ST_Union(land), ST_Union(buffers)))
// on geography, the buffers by ST_Buffer(geography, tier radius), the land
// the blocks and compounds and the buildings housing residents, each unit's
// land clipped to it — every unit, areas or grid cells, is compared.
func TestPostGISRadiusCoverageByArea(t *testing.T) {
	for _, city := range []string{"chengdu", "monaco"} {
		t.Run(city, func(t *testing.T) {
			ctx := context.Background()
			snap, schema, conn := postgisCity(t, ctx, city+".osm.pbf", "radius")
			rs := Default()
			var one *RuleSet
			for _, r := range rs.Rules {
				if r.ID == "park-radius-gbt50563" {
					one = &RuleSet{Name: r.ID, Rules: []Rule{r}}
				}
			}
			if one == nil {
				t.Fatal("no rule park-radius-gbt50563")
			}
			a, err := Run(ctx, snap, one, Options{Mode: Straight})
			if err != nil {
				t.Fatal(err)
			}
			// Unit 0 is the city; the others are the areas by id, and the
			// grid cells (a city with no areas) by their cells' ids: their
			// squares, input to the audit, are made from their codes by
			// geo/grid and sent to a temporary table.
			res := a.Results[0]
			if _, err := conn.Exec(ctx, `CREATE TEMP TABLE grid_units (id bigint PRIMARY KEY, geom geometry(Polygon, 4326))`); err != nil {
				t.Fatal(err)
			}
			cells := 0
			for _, ur := range res.Units[1:] {
				if ur.Unit.Level != Grid {
					continue
				}
				_, c, err := grid.Parse(ur.Unit.Name)
				if err != nil {
					t.Fatalf("grid unit %q: %v", ur.Unit.Name, err)
				}
				if c.ID() != ur.Unit.ID {
					t.Fatalf("grid unit %q: id %d, its cell's %d", ur.Unit.Name, ur.Unit.ID, c.ID())
				}
				b, err := wkb.Marshal(c.Polygon())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(ctx, `INSERT INTO grid_units VALUES ($1, ST_GeomFromWKB($2, 4326))`, c.ID(), b); err != nil {
					t.Fatal(err)
				}
				cells++
			}
			t.Logf("%d grid units sent to PostGIS", cells)
			rows, err := conn.Query(ctx, fmt.Sprintf(`
WITH land AS (SELECT ST_Union(geom) g FROM %[1]s.parcels WHERE kind IS DISTINCT FROM 'building' OR population > 0),
     buf AS (SELECT ST_Union(ST_Buffer(geom::geography, CASE WHEN area_m2 >= 5000 THEN 500 ELSE 300 END)::geometry) g
             FROM %[1]s.green WHERE public AND area_m2 >= 2000),
     cov AS (SELECT ST_Intersection(land.g, buf.g) g FROM land, buf),
     u AS (SELECT 0::bigint id, NULL::geometry g UNION ALL SELECT fid, geom FROM %[1]s.areas UNION ALL SELECT id, geom FROM grid_units)
SELECT u.id,
       coalesce(ST_Area((CASE WHEN u.g IS NULL THEN land.g ELSE ST_Intersection(land.g, u.g) END)::geography), 0),
       coalesce(ST_Area((CASE WHEN u.g IS NULL THEN cov.g ELSE ST_Intersection(cov.g, u.g) END)::geography), 0)
FROM u, land, cov`, schema))
			if err != nil {
				t.Fatal(err)
			}
			type lc struct{ land, covered float64 }
			sql := map[int64]lc{}
			for rows.Next() {
				var id int64
				var v lc
				if err := rows.Scan(&id, &v.land, &v.covered); err != nil {
					t.Fatal(err)
				}
				sql[id] = v
			}
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
			compared := 0
			for _, ur := range res.Units {
				want, ok := sql[ur.Unit.ID]
				if !ok {
					t.Errorf("%s %q (id %d) not in SQL", ur.Unit.Level, ur.Unit.Name, ur.Unit.ID)
					continue
				}
				compared++
				if math.Abs(ur.Land-want.land) > 1e-3*want.land+1 {
					t.Errorf("%s %q: residential land %.0f m², PostGIS %.0f", ur.Unit.Level, ur.Unit.Name, ur.Land, want.land)
				}
				if want.land == 0 {
					if !ur.NA {
						t.Errorf("%s %q: no residential land in PostGIS, value %.4f not n/a", ur.Unit.Level, ur.Unit.Name, ur.Value)
					}
					continue
				}
				share := want.covered / want.land
				if math.Abs(ur.Value-share) > 0.005 {
					t.Errorf("%s %q: radius coverage %.4f, PostGIS %.4f (%.0f of %.0f m²)", ur.Unit.Level, ur.Unit.Name, ur.Value, share, want.covered, want.land)
				}
				if ur.Unit.ID == 0 || compared <= 6 {
					t.Logf("%s %q: radius coverage %.4f (%.0f of %.0f m²), PostGIS %.4f (%.0f of %.0f m²)", ur.Unit.Level, ur.Unit.Name, ur.Value, ur.LandCovered, ur.Land, share, want.covered, want.land)
				}
			}
			if city := res.Units[0]; city.Land == 0 || city.LandCovered == 0 || city.LandCovered == city.Land {
				t.Errorf("city: %.0f of %.0f m² covered: the comparison proves nothing", city.LandCovered, city.Land)
			}
			t.Logf("%d units compared with PostGIS", compared)
			if compared < len(res.Units) {
				t.Errorf("%d of the audit's %d units compared with PostGIS", compared, len(res.Units))
			}
		})
	}
}
