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
	// Hostile files: the feature table a view of big blobs, a real table
	// whose geometries claim 2³¹ points or nest collections claiming
	// more members than fit.
	nested := []byte{}
	for range 8 {
		nested = append(nested, 1, 7, 0, 0, 0, 0xff, 0xff, 0, 0)
	}
	for _, stmts := range [][]string{
		{`CREATE VIEW parks AS SELECT 1 AS fid, zeroblob(1000) AS geom`},
		{`CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`,
			`INSERT INTO parks VALUES (1, x'` + hexString(gpBlob([]byte{1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f})) + `')`,
			`INSERT INTO parks VALUES (2, x'` + hexString(gpBlob(nested)) + `')`},
	} {
		if data, err := os.ReadFile(makeGPKG(f, stmts...)); err == nil {
			f.Add(data)
		}
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
