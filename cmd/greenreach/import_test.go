package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/importer"
)

func TestImportOSMIntoGeoPackage(t *testing.T) {
	ctx := context.Background()
	xml, pbf := storetest.SharedData(t, "chengdu.osm"), storetest.SharedData(t, "chengdu.osm.pbf")
	db := filepath.Join(t.TempDir(), "city.gpkg")
	code, out, errs := runCLI(t, ctx, "--db", db, "import", xml)
	if code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	for _, want := range []string{"layer", "imported", "parcels", "skipped roads:", "leisure=park"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "features") || !strings.Contains(errs, "elapsed") {
		t.Errorf("no progress on stderr: %s", errs)
	}
	// the PBF of the same data replaces every feature: same counts
	code, out, errs = runCLI(t, ctx, "--db", db, "import", "--json", pbf)
	if code != 0 {
		t.Fatalf("import --json: %d %s", code, errs)
	}
	var sums []importer.Summary
	if err := json.Unmarshal([]byte(out), &sums); err != nil || len(sums) != 1 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	for layer, l := range sums[0].Layers {
		if l.Replaced != l.Imported || l.Deleted != 0 {
			t.Errorf("%s: %+v", layer, l)
		}
	}
	if sums[0].Layers["parcels"].Imported < 900 {
		t.Errorf("parcels %+v", sums[0].Layers["parcels"])
	}
	_, before, _ := runCLI(t, ctx, "--db", db, "layers", "--json")
	beforeSum := fileSum(t, db)

	// failures leave the store as it was, byte for byte
	trunc := filepath.Join(t.TempDir(), "cut.osm.pbf")
	b, _ := os.ReadFile(pbf)
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	badMap := filepath.Join(t.TempDir(), "map.yaml")
	os.WriteFile(badMap, []byte("green:\n  - leisure=park\nlawns:\n  - landuse=grass\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", trunc}, 1, trunc + ": file is truncated"},
		{[]string{"import", "parks.kml"}, 1, "parks.kml: unsupported format (supported: .osm, .osm.pbf"},
		{[]string{"import", "--map", badMap, xml}, 1, badMap + ": line 3: unknown layer"},
		{[]string{"import"}, 2, "no FILE"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if fileSum(t, db) != beforeSum {
		t.Error("failed imports changed the store file")
	}
	if _, after, _ := runCLI(t, ctx, "--db", db, "layers", "--json"); after != before {
		t.Errorf("store changed by failed imports:\n%s\n%s", after, before)
	}
}

// TestImportGeoJSON: a GeoJSON file imports into a GeoPackage; a file with a
// swapped coordinate fails naming it and leaves the store byte for byte as
// it was; GeoJSON without --layer is a usage error.
func TestImportGeoJSON(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "g.gpkg")
	good := filepath.Join(dir, "bins.geojson")
	os.WriteFile(good, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","id":"b1","properties":{"kind":"litter_bin"},"geometry":{"type":"Point","coordinates":[104.06,30.66]}},
	 {"type":"Feature","id":"b2","properties":{"kind":"collection_point","capacity":"2.5"},"geometry":{"type":"Point","coordinates":[104.07,30.67]}}]}`), 0o644)
	bad := filepath.Join(dir, "swapped.geojson")
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","id":"b3","properties":{},"geometry":{"type":"Point","coordinates":[104.06,30.66]}},
	 {"type":"Feature","id":"b4","properties":{},"geometry":{"type":"Point","coordinates":[30.66,104.06]}}]}`), 0o644)
	if code, out, errs := runCLI(t, ctx, "--db", db, "import", "--layer", "waste", good); code != 0 || !strings.Contains(out, "waste") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, _ := runCLI(t, ctx, "--db", db, "layers", "--json")
	if code != 0 || !strings.Contains(out, `"id": "waste",`) || !strings.Contains(out, `"count": 2,`) {
		t.Errorf("layers after import: %s", out)
	}
	sum := fileSum(t, db)
	if code, _, errs := runCLI(t, ctx, "--db", db, "import", "--layer", "waste", bad); code != 1 || !strings.Contains(errs, "swapped.geojson") || !strings.Contains(errs, "b4") || strings.Count(errs, "\n") != 1 {
		t.Errorf("swapped file: exit %d, %q", code, errs)
	}
	if fileSum(t, db) != sum {
		t.Errorf("failed import changed the store")
	}
	if code, _, _ := runCLI(t, ctx, "--db", db, "import", good); code != 2 {
		t.Errorf("GeoJSON without --layer: exit %d, want 2", code)
	}
}

// TestImportShapefile: a GK-zone, GBK Shapefile zip written by GDAL imports
// into a GeoPackage; a zip without a .shp and a truncated .shp fail naming
// the file and leave the store byte for byte as it was.
func TestImportShapefile(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
			t.Fatal("ogr2ogr (gdal-bin) is required")
		}
		t.Skip("ogr2ogr not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.geojson")
	os.WriteFile(in, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"望江楼公园","kind":"park","trees":"300"},"geometry":{"type":"Polygon","coordinates":[[[104.09,30.63],[104.095,30.63],[104.095,30.635],[104.09,30.635],[104.09,30.63]]]}}]}`), 0o644)
	shpDir := filepath.Join(dir, "shp")
	if out, err := exec.Command("ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:4544", "-lco", "ENCODING=GBK", shpDir, in, "-nln", "parks").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v %s", err, out)
	}
	mkzip := func(name string, exts ...string) string {
		zp := filepath.Join(dir, name)
		f, _ := os.Create(zp)
		zw := zip.NewWriter(f)
		for _, ext := range exts {
			b, err := os.ReadFile(filepath.Join(shpDir, "parks"+ext))
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create("parks" + ext)
			w.Write(b)
		}
		zw.Close()
		f.Close()
		return zp
	}
	good := mkzip("parks.zip", ".shp", ".shx", ".dbf", ".prj", ".cpg")
	noShp := mkzip("noshp.zip", ".shx", ".dbf", ".prj")
	db := filepath.Join(dir, "g.gpkg")
	code, out, errs := runCLI(t, ctx, "--db", db, "import", "--layer", "green", good)
	if code != 0 || !strings.Contains(out, "green") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, _ = runCLI(t, ctx, "--db", db, "layers", "--json")
	if code != 0 || !strings.Contains(out, `"count": 1,`) {
		t.Errorf("layers: %s", out)
	}
	sum := fileSum(t, db)
	for _, bad := range []string{noShp, filepath.Join(shpDir, "nope.shp")} {
		code, _, errs := runCLI(t, ctx, "--db", db, "import", "--layer", "green", bad)
		if code != 1 || !strings.Contains(errs, filepath.Base(bad)) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d %q", bad, code, errs)
		}
	}
	if fileSum(t, db) != sum {
		t.Error("failed imports changed the store")
	}
}
