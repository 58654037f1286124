package coverage

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"testing"
)

// TestPostGISAuditMatchesSQL: on Monaco imported into PostGIS, the audit's
// straight-line radius coverage, community green ratios and park area per
// resident equal the same figures computed by PostGIS SQL on the stored
// tables (ST_DWithin and ST_Area on geography, ST_Union and
// ST_Intersection on geometry) within 0.1%.
func TestPostGISAuditMatchesSQL(t *testing.T) {
	ctx := context.Background()
	snap, schema, conn := postgisCity(t, ctx, "monaco.osm.pbf", "audit")
	a, err := Run(ctx, snap, Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	result := func(id string) *Result {
		for _, r := range a.Results {
			if r.Rule.ID == id {
				return r
			}
		}
		t.Fatalf("no rule %s", id)
		return nil
	}

	// Radius coverage, parcel by parcel, from the same inside points.
	var ids []int64
	var lons, lats []float64
	for _, p := range a.Parcels {
		ids = append(ids, p.ID)
		lons = append(lons, p.Point[0])
		lats = append(lats, p.Point[1])
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(`
SELECT p.id, EXISTS (SELECT 1 FROM %[1]s.green g WHERE g.public AND (
      (g.area_m2 >= 5000 AND ST_DWithin(g.geom::geography, p.pt::geography, 500))
   OR (g.area_m2 >= 2000 AND ST_DWithin(g.geom::geography, p.pt::geography, 300))))
FROM (SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) pt FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS u(id, lon, lat)) p`, schema), ids, lons, lats)
	if err != nil {
		t.Fatal(err)
	}
	sqlCovered := map[int64]bool{}
	for rows.Next() {
		var id int64
		var c bool
		if err := rows.Scan(&id, &c); err != nil {
			t.Fatal(err)
		}
		sqlCovered[id] = c
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	radius := result("park-radius-gbt50563")
	differ, covered := 0, 0
	for _, p := range a.Parcels {
		ours := !math.IsInf(radius.Distance.Of(p.ID), 1)
		if ours {
			covered++
		}
		if ours != sqlCovered[p.ID] {
			differ++
		}
	}
	if differ > 0 || covered == 0 || covered == len(a.Parcels) {
		t.Errorf("radius coverage: %d of %d parcels differ from ST_DWithin(geography); %d covered", differ, len(a.Parcels), covered)
	}
	t.Logf("radius coverage: %d of %d parcels covered, as ST_DWithin says; city land share %.4f", covered, len(a.Parcels), radius.Units[0].Value)

	// Community green ratios.
	ratios := map[string]float64{}
	rows, err = conn.Query(ctx, fmt.Sprintf(`
SELECT a.name, coalesce(ST_Area(ST_Intersection((SELECT ST_Union(g.geom) FROM %[1]s.green g WHERE g.geom && a.geom), a.geom)::geography), 0) / ST_Area(a.geom::geography)
FROM %[1]s.areas a WHERE a.level = 'community'`, schema))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var v float64
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		ratios[name] = v
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	n := 0
	for _, ur := range result("community-green-30").Units[1:] {
		want, ok := ratios[ur.Unit.Name]
		if !ok {
			t.Errorf("community %q not in SQL", ur.Unit.Name)
			continue
		}
		n++
		if math.Abs(ur.Value-want) > 1e-3*math.Max(want, 1e-3) {
			t.Errorf("%s: green ratio %.6f, SQL %.6f", ur.Unit.Name, ur.Value, want)
		}
	}
	if n < 5 {
		t.Errorf("only %d communities compared", n)
	}

	// Park area per resident, city-wide.
	var parkArea float64
	var residents int64
	if err := conn.QueryRow(ctx, fmt.Sprintf(`
SELECT coalesce((SELECT ST_Area(ST_Union(geom)::geography) FROM %[1]s.green WHERE public AND kind IN ('park', 'garden', 'playground')), 0),
       (SELECT coalesce(sum(population), 0) FROM %[1]s.parcels)`, schema)).Scan(&parkArea, &residents); err != nil {
		t.Fatal(err)
	}
	pc := result("park-per-capita-8").Units[0]
	if want := parkArea / float64(residents); math.Abs(pc.Value-want) > 1e-3*want {
		t.Errorf("park m² per resident %.4f, SQL %.4f", pc.Value, want)
	}
	t.Logf("park area per resident %.3f m² (SQL %.3f); %d community ratios compared", pc.Value, parkArea/float64(residents), n)
}

// dsnSchema is the schema= of a PostGIS URL.
func dsnSchema(dsn string) string {
	u, _ := url.Parse(dsn)
	return u.Query().Get("schema")
}
