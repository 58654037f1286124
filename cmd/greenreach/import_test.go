package main

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store"
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

// parksFile writes a GeoJSON FeatureCollection of n small parks with ids
// p1…pn to dir/name and returns its path.
func parksFile(t *testing.T, dir, name string, n int, lon float64) string {
	t.Helper()
	var fs []string
	for i := 1; i <= n; i++ {
		x := lon + float64(i)*0.002
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":"p%d","properties":{"name":"公园%d","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[%f,30.6],[%f,30.6],[%f,30.601],[%f,30.601],[%f,30.6]]]}}`, i, i, x, x+0.001, x+0.001, x, x))
	}
	if err := os.MkdirAll(filepath.Join(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// layerCounts is the feature count of every layer, from `layers --json`.
func layerCounts(t *testing.T, db string) map[string]int64 {
	t.Helper()
	code, out, errs := runCLI(t, context.Background(), "--db", db, "layers", "--json")
	if code != 0 {
		t.Fatalf("layers: %d %s", code, errs)
	}
	var ls []store.LayerJSON
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, l := range ls {
		m[l.ID] = l.Count
	}
	return m
}

func importJSON(t *testing.T, db string, args ...string) importer.Summary {
	t.Helper()
	code, out, errs := runCLI(t, context.Background(), append([]string{"--db", db, "import", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("import %v: %d %s", args, code, errs)
	}
	var sums []importer.Summary
	if err := json.Unmarshal([]byte(out), &sums); err != nil || len(sums) != 1 {
		t.Fatalf("import %v --json: %v\n%s", args, err, out)
	}
	return sums[0]
}

// TestImportNeverDeletesUnasked: `greenreach import` deletes only with
// --replace and a named --source. Two files of the same name from two
// folders (same ids) keep both; the very same file again updates without
// duplicating; an empty FeatureCollection deletes nothing; --replace
// without --source is refused; with it the summary lists what went.
func TestImportNeverDeletesUnasked(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.gpkg")
	d1 := parksFile(t, filepath.Join(dir, "2024"), "district.geojson", 3, 104.0)
	d2 := parksFile(t, filepath.Join(dir, "2025"), "district.geojson", 2, 104.1)
	s1 := importJSON(t, db, "--layer", "green", d1)
	s2 := importJSON(t, db, "--layer", "green", d2)
	if s1.Source == s2.Source || !strings.HasPrefix(s1.Source, "geojson:district.geojson@") {
		t.Errorf("sources %q and %q: want distinct geojson:district.geojson@HASH", s1.Source, s2.Source)
	}
	if n := layerCounts(t, db)["green"]; n != 5 || s2.Layers["green"].Deleted != 0 {
		t.Fatalf("after two district.geojson files: %d parks (deleted %d), want 5", n, s2.Layers["green"].Deleted)
	}
	again := importJSON(t, db, "--layer", "green", d1)
	if g := again.Layers["green"]; again.Source != s1.Source || g.Replaced != 3 || g.Deleted != 0 || layerCounts(t, db)["green"] != 5 {
		t.Errorf("the same file again: source %q (first %q), %+v, %d parks; want it updated in place", again.Source, s1.Source, g, layerCounts(t, db)["green"])
	}
	empty := parksFile(t, filepath.Join(dir, "empty"), "district.geojson", 0, 0)
	if s := importJSON(t, db, "--layer", "green", empty); s.Totals().Deleted != 0 || layerCounts(t, db)["green"] != 5 {
		t.Errorf("an empty FeatureCollection deleted %d; %d parks left of 5", s.Totals().Deleted, layerCounts(t, db)["green"])
	}
	before := fileSum(t, db)
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "import", "--layer", "green", "--replace", d1); code != 2 || !strings.Contains(errs, "--replace needs --source") {
		t.Errorf("--replace without --source: exit %d %q", code, errs)
	}
	if fileSum(t, db) != before {
		t.Error("a refused --replace changed the store")
	}
	// A named source, then a replace of it by a file without p2 and p3.
	importJSON(t, db, "--layer", "green", "--source", "parks", d1)
	gone := storedIDs(t, db, `SELECT fid FROM green WHERE source = 'parks' AND source_id IN ('p2', 'p3') ORDER BY fid`)
	one := parksFile(t, filepath.Join(dir, "one"), "district.geojson", 1, 104.0)
	code, out, errs := runCLI(t, context.Background(), "--db", db, "import", "--layer", "green", "--source", "parks", "--replace", one)
	if want := fmt.Sprintf(`deleted green: 2 of source "parks", ids %d, %d`, gone[0], gone[1]); code != 0 || len(gone) != 2 || !strings.Contains(out, want) {
		t.Fatalf("--replace: %d, want %q in\n%s%s", code, want, out, errs)
	}
	if n := layerCounts(t, db)["green"]; n != 6 {
		t.Errorf("after replacing parks by one park: %d parks, want 6 (5 + 1)", n)
	}
}

// storedIDs runs a query of ids on the GeoPackage at db.
func storedIDs(t *testing.T, db, query string) []int64 {
	t.Helper()
	d, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestImportCityAfterCity: importing Chengdu after Monaco (both with the
// default OSM source) keeps every Monaco feature, in a GeoPackage and in
// PostGIS.
func TestImportCityAfterCity(t *testing.T) {
	monaco, chengdu := storetest.SharedData(t, "monaco.osm.pbf"), storetest.SharedData(t, "chengdu.osm.pbf")
	for _, st := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"gpkg", func(t *testing.T) string { return filepath.Join(t.TempDir(), "two.gpkg") }},
		{"postgis", func(t *testing.T) string { return storetest.PostGISURL(t, "cities") }},
	} {
		t.Run(st.name, func(t *testing.T) {
			db := st.db(t)
			m := importJSON(t, db, monaco)
			if m.Layers["parcels"].Imported < 1000 {
				t.Fatalf("monaco: %+v", m.Layers["parcels"])
			}
			c := importJSON(t, db, chengdu)
			counts := layerCounts(t, db)
			for layer, l := range c.Layers {
				if l.Deleted != 0 || counts[layer] != int64(m.Layers[layer].Imported+l.Imported) {
					t.Errorf("%s: %d stored, want Monaco's %d + Chengdu's %d (deleted %d)", layer, counts[layer], m.Layers[layer].Imported, l.Imported, l.Deleted)
				}
			}
		})
	}
}
