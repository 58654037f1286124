package shapefile

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

const src = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"锦华苑三期","population":1200,"households":430,"code":"P-1"},"geometry":{"type":"Polygon","coordinates":[[[104.06,30.66],[104.062,30.66],[104.062,30.662],[104.06,30.662],[104.06,30.66]],[[104.0605,30.6605],[104.0605,30.661],[104.061,30.661],[104.061,30.6605],[104.0605,30.6605]]]}},
{"type":"Feature","properties":{"name":"玉林小区","population":800,"code":"P-2"},"geometry":{"type":"MultiPolygon","coordinates":[[[[104.07,30.67],[104.071,30.67],[104.071,30.671],[104.07,30.67]]],[[[104.072,30.67],[104.073,30.67],[104.073,30.671],[104.072,30.67]]]]}}]}`

// ogr2ogr writes the fixtures: GDAL is the independent writer.
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

func fixture(t testing.TB, dir, name string, lco ...string) string {
	in := filepath.Join(dir, "src.geojson")
	os.WriteFile(in, []byte(src), 0o644)
	out := filepath.Join(dir, name+".shp")
	ogr2ogr(t, append(append([]string{"-f", "ESRI Shapefile", "-t_srs", "EPSG:4544"}, lco...), out, in)...)
	return out
}

func zipOf(t testing.TB, shpPath string, skip string) string {
	zp := strings.TrimSuffix(shpPath, ".shp") + ".zip"
	f, _ := os.Create(zp)
	zw := zip.NewWriter(f)
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		if ext == skip {
			continue
		}
		b, err := os.ReadFile(strings.TrimSuffix(shpPath, ".shp") + ext)
		if err != nil {
			continue
		}
		w, _ := zw.Create("data/" + filepath.Base(strings.TrimSuffix(shpPath, ".shp")) + ext)
		w.Write(b)
	}
	zw.Close()
	f.Close()
	return zp
}

// TestGKZoneGBK: a CGCS2000 Gauss-Krüger (EPSG:4544) Shapefile with GBK
// attributes, as a .shp and as a .zip, lands where the same data in EPSG:4326
// lands (every vertex within 0.5 m) with its Chinese names intact.
func TestGKZoneGBK(t *testing.T) {
	dir := t.TempDir()
	shpPath := fixture(t, dir, "gk", "-lco", "ENCODING=GBK")
	if cpg, _ := os.ReadFile(filepath.Join(dir, "gk.cpg")); strings.TrimSpace(string(cpg)) != "GBK" {
		t.Fatalf("fixture .cpg = %q", cpg)
	}
	want, err := geojson.UnmarshalFeatureCollection([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{shpPath, zipOf(t, shpPath, "")} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			feats, sum, err := ReadFile(context.Background(), path, Options{Layer: geo.Parcels, IDField: "code"})
			if err != nil {
				t.Fatal(err)
			}
			if len(feats) != 2 || sum.Layer(geo.Parcels).Read != 2 {
				t.Fatalf("%d features, summary %+v", len(feats), sum.Layer(geo.Parcels))
			}
			for i, f := range feats {
				wp := want.Features[i].Properties
				if f.Text("name") != wp["name"] || f.Int("population") != int64(wp["population"].(float64)) || f.SourceID != wp["code"] {
					t.Errorf("feature %d: %s %v, want %v", i, f.SourceID, f.Props, wp)
				}
				got, exp := vertices(f.Geom), vertices(want.Features[i].Geometry)
				if len(got) != len(exp) {
					t.Fatalf("feature %d: %d vertices, want %d", i, len(got), len(exp))
				}
				for _, g := range got {
					best := 1e9
					for _, e := range exp {
						best = min(best, geo.Distance(g, e))
					}
					if best > 0.5 {
						t.Errorf("feature %d: vertex %v is %.3f m from any original", i, g, best)
					}
				}
			}
			if mp := feats[0].Geom.(orb.MultiPolygon); len(mp) != 1 || len(mp[0]) != 2 {
				t.Errorf("polygon with a hole read as %d polygons / %d rings", len(mp), len(mp[0]))
			}
			if mp := feats[1].Geom.(orb.MultiPolygon); len(mp) != 2 {
				t.Errorf("multipolygon read as %d polygons", len(mp))
			}
		})
	}
}

func vertices(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch t := g.(type) {
	case orb.Polygon:
		for _, r := range t {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			out = append(out, vertices(p)...)
		}
	}
	return out
}

// TestNoCPG: GBK attributes without a .cpg are still decoded.
func TestNoCPG(t *testing.T) {
	dir := t.TempDir()
	shpPath := fixture(t, dir, "nocpg", "-lco", "ENCODING=GBK")
	os.Remove(filepath.Join(dir, "nocpg.cpg"))
	feats, _, err := ReadFile(context.Background(), shpPath, Options{Layer: geo.Parcels})
	if err != nil {
		t.Fatal(err)
	}
	if feats[0].Text("name") != "锦华苑三期" || feats[0].SourceID != "#0" {
		t.Errorf("got %q %s", feats[0].Text("name"), feats[0].SourceID)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	shpPath := fixture(t, dir, "bad")
	noShp := zipOf(t, shpPath, ".shp")
	os.Rename(noShp, filepath.Join(dir, "noshp.zip"))
	trunc := filepath.Join(dir, "trunc.shp")
	b, _ := os.ReadFile(shpPath)
	os.WriteFile(trunc, b[:len(b)-40], 0o644)
	for _, ext := range []string{".shx", ".dbf", ".prj", ".cpg"} {
		copyFile(t, strings.TrimSuffix(shpPath, ".shp")+ext, strings.TrimSuffix(trunc, ".shp")+ext)
	}
	notZip := filepath.Join(dir, "fake.zip")
	os.WriteFile(notZip, []byte("PK nope"), 0o644)
	noDbf := filepath.Join(dir, "nodbf.shp")
	copyFile(t, shpPath, noDbf)
	copyFile(t, strings.TrimSuffix(shpPath, ".shp")+".shx", strings.TrimSuffix(noDbf, ".shp")+".shx")
	tests := []struct {
		path, want string
		opt        Options
	}{
		{filepath.Join(dir, "noshp.zip"), "no .shp", Options{Layer: geo.Parcels}},
		{trunc, "trunc.shp", Options{Layer: geo.Parcels}},
		{notZip, "not a zip", Options{Layer: geo.Parcels}},
		{noDbf, ".dbf", Options{Layer: geo.Parcels}},
		{shpPath, "swapped latitude and longitude", Options{Layer: geo.Parcels, CRS: "EPSG:4326"}},
		{shpPath, "unknown layer", Options{Layer: "lakes"}},
		{shpPath, "encoding", Options{Layer: geo.Parcels, Encoding: "klingon"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path)+"/"+tc.want, func(t *testing.T) {
			_, _, err := ReadFile(context.Background(), tc.path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
				t.Errorf("err = %v, want one naming %s and %q", err, filepath.Base(tc.path), tc.want)
			}
		})
	}
	_ = repair.ReasonEmpty
}

func copyFile(t *testing.T, from, to string) {
	r, err := os.Open(from)
	if err != nil {
		return // an optional sidecar the fixture lacks
	}
	defer r.Close()
	w, _ := os.Create(to)
	io.Copy(w, r)
	w.Close()
}
