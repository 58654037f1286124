package geopackage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

const src = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"NAME":"东湖公园","kind":"park","trees":250,"public":1,"ref":"G7"},"geometry":{"type":"Polygon","coordinates":[[[104.08,30.62],[104.085,30.62],[104.085,30.625],[104.08,30.625],[104.08,30.62]]]}},
{"type":"Feature","properties":{"NAME":"bowtie","kind":"lawn","ref":"G8"},"geometry":{"type":"Polygon","coordinates":[[[104.07,30.66],[104.08,30.67],[104.08,30.66],[104.07,30.67],[104.07,30.66]]]}},
{"type":"Feature","properties":{"NAME":"no geometry","ref":"G9"},"geometry":null}]}`

func ogr2ogr(t testing.TB, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
			t.Fatal("ogr2ogr (gdal-bin) is required")
		}
		t.Skip("ogr2ogr not installed")
	}
	if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// TestForeignGeoPackage: a GeoPackage written by GDAL in a Gauss-Krüger zone
// imports into the green layer, mapped, converted to WGS84 (within 0.5 m of
// the originals), the bowtie repaired and the empty row skipped.
func TestForeignGeoPackage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.geojson")
	os.WriteFile(in, []byte(src), 0o644)
	gp := filepath.Join(dir, "qgis.gpkg")
	ogr2ogr(t, "-f", "GPKG", "-t_srs", "EPSG:4544", "-nln", "parks", gp, in)
	ogr2ogr(t, "-f", "GPKG", "-update", "-nln", "other", gp, in)
	fields := map[string]string{"name": "NAME", "kind": "kind", "trees": "trees", "public": "public"}
	_, _, err := ReadFile(context.Background(), gp, Options{Layer: geo.Green, Fields: fields})
	if err == nil || !strings.Contains(err.Error(), "--table") {
		t.Fatalf("two tables without --table: %v", err)
	}
	feats, sum, err := ReadFile(context.Background(), gp, Options{Layer: geo.Green, Table: "parks", Fields: fields, IDField: "ref"})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 {
		t.Fatalf("%d features, summary %+v", len(feats), sum.Layer(geo.Green))
	}
	p := feats[0]
	if p.SourceID != "G7" || p.Source != "gpkg:qgis.gpkg/parks" || p.Text("name") != "东湖公园" || p.Int("trees") != 250 || !p.Bool("public") {
		t.Errorf("park: %s %s %v", p.Source, p.SourceID, p.Props)
	}
	want := []orb.Point{{104.08, 30.62}, {104.085, 30.62}, {104.085, 30.625}, {104.08, 30.625}}
	ring := p.Geom.(orb.MultiPolygon)[0][0]
	for _, w := range want {
		best := 1e9
		for _, g := range ring {
			best = min(best, geo.Distance(g, w))
		}
		if best > 0.5 {
			t.Errorf("vertex %v is %.3f m from the nearest imported vertex", w, best)
		}
	}
	l := sum.Layer(geo.Green)
	if l.Repaired != 1 || l.Skipped["empty geometry"] != 1 {
		t.Errorf("summary %+v", l)
	}
	for _, tc := range []struct{ path, table, want string }{
		{gp, "nope", `no feature table "nope"`},
		{in, "", "not a GeoPackage"},
	} {
		if _, _, err := ReadFile(context.Background(), tc.path, Options{Layer: geo.Green, Table: tc.table}); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
			t.Errorf("%s %s: %v, want %q", tc.path, tc.table, err, tc.want)
		}
	}
}
