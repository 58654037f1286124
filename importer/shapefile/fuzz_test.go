package shapefile

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// FuzzReadZip: any bytes given as a zipped shapefile are read without a
// panic, and every feature returned passes geo.Prepare. The seed is a
// real shapefile written by GDAL.
func FuzzReadZip(f *testing.F) {
	dir := f.TempDir()
	if data, err := os.ReadFile(zipOf(f, fixture(f, dir, "parcels"), "")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		feats, _, err := ReadFile(context.Background(), p, Options{Layer: geo.Parcels})
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
