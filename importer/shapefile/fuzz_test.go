package shapefile

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// FuzzReadZip: any bytes given as a zipped shapefile are read without a
// panic, and every feature returned passes geo.Prepare. The seeds are a
// real shapefile written by GDAL and hand-built hostile ones: a polygon
// claiming 2³¹−1 points or parts, .shx entries pointing past the .shp,
// .dbf headers claiming more records, header or field bytes than the file
// holds, and a zip bomb.
func FuzzReadZip(f *testing.F) {
	dir := f.TempDir()
	if data, err := os.ReadFile(zipOf(f, fixture(f, dir, "parcels"), "")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("PK\x03\x04"))
	seed := func(files ...entry) {
		b, err := os.ReadFile(zipOfFiles(f, dir, "seed.zip", files...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dbf := dbfOf(0, 0, 0, "A", "B")
	for _, rec := range [][]byte{
		polygon(1, math.MaxInt32, []int32{0}, 104, 30, 104, 30.001),
		polygon(math.MaxInt32, 5, []int32{0}, 104, 30),
	} {
		shp, shx := shpOf(shapePolygon, square(), rec)
		seed(entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", dbf})
	}
	shp, shx := shpOf(shapePolygon, square(), square())
	for _, at := range []int{mainHeaderLen + 8, mainHeaderLen + 12} { // the second record's offset, its length
		bad := bytes.Clone(shx)
		binary.BigEndian.PutUint32(bad[at:], math.MaxUint32)
		seed(entry{"x.shp", shp}, entry{"x.shx", bad}, entry{"x.dbf", dbf})
	}
	wide := bytes.Clone(dbf)
	wide[dbfHeaderLen+16], wide[dbfHeaderLen+17] = 0xff, 0xff
	for _, bad := range [][]byte{dbfOf(math.MaxUint32, 0, 0, "A", "B"), dbfOf(0, math.MaxUint16, 0, "A", "B"), dbfOf(0, 0, math.MaxUint16, "A", "B"), wide} {
		seed(entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", bad})
	}
	seed(entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", make([]byte, 16<<20)}) // a bomb: 16 KiB of zip
	f.Fuzz(func(t *testing.T, data []byte) {
		tmp := t.TempDir()
		p := filepath.Join(tmp, "fuzz.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// A small unzip limit keeps each run quick; the bomb seed is past it.
		feats, _, err := ReadFile(context.Background(), p, Options{Layer: geo.Parcels, TempDir: tmp, MaxUnzip: 8 << 20})
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
