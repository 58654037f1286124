package open

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

type summary struct {
	count int64
	bbox  string
	area  float64 // total area_m2 or length_m
	ids   int64   // sum of fids
}

func summarise(t *testing.T, st store.Store) map[string]summary {
	t.Helper()
	ctx := context.Background()
	infos, err := st.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]summary{}
	for _, l := range infos {
		s := summary{count: l.Count}
		if l.BBox != nil { // nil for an empty layer (an OSM file has no zones)
			s.bbox = fmt.Sprintf("%.5f %.5f %.5f %.5f", l.BBox.Min[0], l.BBox.Min[1], l.BBox.Max[0], l.BBox.Max[1])
		}
		m := geo.SchemaOf(l.ID).Measure
		if err := st.Scan(ctx, l.ID, func(f *geo.Feature) error {
			s.ids += f.ID
			if m != "" {
				s.area += f.Float(m)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		out[l.ID] = s
	}
	return out
}

func writeDemo(t *testing.T, st store.Store, size string) {
	t.Helper()
	ctx := context.Background()
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 7, Size: size}); err != nil {
		t.Fatal(err)
	}
}

// TestPostGISDemoSameAsGeoPackage: the same demo town written to both stores
// gives identical counts, bboxes, ids and total areas (±0.01%).
func TestPostGISDemoSameAsGeoPackage(t *testing.T) {
	ctx := context.Background()
	pg, err := Store(ctx, storetest.PostGISURL(t, "open_test"))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	gp, err := Store(ctx, filepath.Join(t.TempDir(), "demo.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer gp.Close()
	if pg.Kind() != "postgis" || gp.Kind() != "gpkg" {
		t.Fatalf("kinds %s %s", pg.Kind(), gp.Kind())
	}
	writeDemo(t, pg, "city")
	writeDemo(t, gp, "city")
	a, b := summarise(t, pg), summarise(t, gp)
	for _, sc := range geo.Schemas {
		x, y := a[sc.ID], b[sc.ID]
		if x.count == 0 {
			t.Errorf("%s: empty", sc.ID)
		}
		if x.count != y.count || x.bbox != y.bbox || x.ids != y.ids {
			t.Errorf("%s: postgis %+v, gpkg %+v", sc.ID, x, y)
		}
		if math.Abs(x.area-y.area) > 1e-4*math.Max(x.area, 1) {
			t.Errorf("%s: total measure postgis %.3f, gpkg %.3f", sc.ID, x.area, y.area)
		}
		t.Logf("%-8s %7d features, bbox %s, total %s %.0f", sc.ID, x.count, x.bbox, sc.Measure, x.area)
	}
}

func TestSelectsStoreByDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		isPG bool
	}{
		{"postgres://u@h/db", true},
		{"postgresql://u@h/db", true},
		{"./data/x.gpkg", false},
		{"/tmp/postgres.gpkg", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsPostGIS(tc.dsn); got != tc.isPG {
			t.Errorf("IsPostGIS(%q) = %v", tc.dsn, got)
		}
	}
}

// TestPostGISMonacoImport: Monaco imported into PostGIS and into a
// GeoPackage gives identical counts, bboxes and total areas, every feature's
// area_m2 matches PostGIS ST_Area(geography) within 0.1%, and importing it
// again replaces rather than duplicates.
func TestPostGISMonacoImport(t *testing.T) {
	ctx := context.Background()
	file := storetest.SharedData(t, "monaco.osm.pbf")
	dsn := storetest.PostGISURL(t, "open_test")
	pg, err := Store(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	gp, err := Store(ctx, filepath.Join(t.TempDir(), "monaco.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer gp.Close()
	for _, st := range []store.Store{pg, gp, pg} { // PostGIS twice: the re-import replaces
		if _, _, err := osm.ImportFile(ctx, st, file, osm.Options{}); err != nil {
			t.Fatalf("%s: %v", st.Kind(), err)
		}
	}
	a, b := summarise(t, pg), summarise(t, gp)
	for _, sc := range geo.Schemas {
		x, y := a[sc.ID], b[sc.ID]
		if x.count != y.count || math.Abs(x.area-y.area) > 1e-4*math.Max(x.area, 1) {
			t.Errorf("%s: postgis %+v, gpkg %+v", sc.ID, x, y)
		}
		t.Logf("%-8s %6d features, total %s %.0f", sc.ID, x.count, sc.Measure, x.area)
	}
	if a[geo.Parcels].count < 20000 || a[geo.Green].count < 30 {
		t.Errorf("Monaco import too small: %+v", a)
	}
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("schema")
	q := u.Query()
	q.Del("schema")
	u.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, layer := range []string{geo.Green, geo.Parcels, geo.Areas} {
		var n, bad int
		var worst float64
		rows, err := conn.Query(ctx, fmt.Sprintf("SELECT area_m2, ST_Area(geom::geography) FROM %s.%s", schema, layer))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ours, theirs float64
			if err := rows.Scan(&ours, &theirs); err != nil {
				t.Fatal(err)
			}
			n++
			if d := math.Abs(ours-theirs) / math.Max(theirs, 1e-9); d > worst {
				worst = d
			}
			if math.Abs(ours-theirs) > 1e-3*theirs+1e-6 {
				bad++
			}
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if bad > 0 || n == 0 {
			t.Errorf("%s: %d of %d areas differ from ST_Area(geography) by > 0.1%%", layer, bad, n)
		}
		t.Logf("%s: %d areas, worst relative difference to ST_Area(geography) %.2g", layer, n, worst)
	}
}
