package geopackage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// FuzzReadFile: any bytes given as a GeoPackage are read without a panic
// (SQLite and our geometry decoding both see them), and every feature
// returned passes geo.Prepare. The seed is a GeoPackage written by GDAL.
func FuzzReadFile(f *testing.F) {
	dir := f.TempDir()
	in := filepath.Join(dir, "in.geojson")
	os.WriteFile(in, []byte(src), 0o644)
	gp := filepath.Join(dir, "seed.gpkg")
	ogr2ogr(f, "-f", "GPKG", "-nln", "parks", gp, in)
	if data, err := os.ReadFile(gp); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.gpkg")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		feats, _, err := ReadFile(context.Background(), p, Options{Layer: geo.Green})
		if err != nil {
			return
		}
		for _, ft := range feats {
			if err := geo.Prepare(ft); err != nil {
				t.Fatalf("a feature read fails Prepare: %v", err)
			}
		}
	})
}
