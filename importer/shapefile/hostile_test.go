package shapefile

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
)

// Hostile files are built byte by byte here from the Shapefile and dBase
// layouts, so each header field can lie.

// shpMain is a .shp or .shx main header of length n bytes for shape type kind.
func shpMain(kind int32, n int) []byte {
	b := make([]byte, mainHeaderLen)
	binary.BigEndian.PutUint32(b[0:], fileCode)
	binary.BigEndian.PutUint32(b[24:], uint32(n/2))
	binary.LittleEndian.PutUint32(b[28:], 1000)
	binary.LittleEndian.PutUint32(b[32:], uint32(kind))
	return b
}

// shpOf builds a .shp holding the given record contents, and its .shx.
func shpOf(kind int32, contents ...[]byte) (shp, shx []byte) {
	var recs, index []byte
	off := mainHeaderLen
	for i, c := range contents {
		recs = binary.BigEndian.AppendUint32(recs, uint32(i+1))
		recs = binary.BigEndian.AppendUint32(recs, uint32(len(c)/2))
		recs = append(recs, c...)
		index = binary.BigEndian.AppendUint32(index, uint32(off/2))
		index = binary.BigEndian.AppendUint32(index, uint32(len(c)/2))
		off += 8 + len(c)
	}
	shp = append(shpMain(kind, off), recs...)
	shx = append(shpMain(kind, mainHeaderLen+len(index)), index...)
	return shp, shx
}

// polygon is a Polygon record's content claiming nParts and nPoints, with
// the parts and points given (the claims may exceed them).
func polygon(nParts, nPoints int32, parts []int32, pts ...float64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, shapePolygon)
	b = append(b, make([]byte, 32)...) // bounding box
	b = binary.LittleEndian.AppendUint32(b, uint32(nParts))
	b = binary.LittleEndian.AppendUint32(b, uint32(nPoints))
	for _, p := range parts {
		b = binary.LittleEndian.AppendUint32(b, uint32(p))
	}
	for _, v := range pts {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// square is a valid one-ring polygon (clockwise, as a Shapefile's outers are).
func square() []byte {
	return polygon(1, 5, []int32{0}, 104, 30, 104, 30.001, 104.001, 30.001, 104.001, 30, 104, 30)
}

// dbfOf builds a .dbf with one text field "code" of width 8 and the given
// values; records, headerLen and recordLen override the header when not 0.
func dbfOf(records uint32, headerLen, recordLen uint16, values ...string) []byte {
	const width = 8
	h := make([]byte, dbfHeaderLen)
	h[0] = 3
	binary.LittleEndian.PutUint32(h[4:], uint32(len(values)))
	binary.LittleEndian.PutUint16(h[8:], dbfHeaderLen+dbfHeaderLen+1)
	binary.LittleEndian.PutUint16(h[10:], 1+width)
	d := make([]byte, dbfHeaderLen)
	copy(d, "code")
	d[11], d[16] = 'C', width
	b := append(append(h, d...), 0x0D)
	for _, v := range values {
		b = append(b, ' ')
		b = append(b, fmt.Sprintf("%-8s", v)...)
	}
	b = append(b, 0x1A)
	if records != 0 {
		binary.LittleEndian.PutUint32(b[4:], records)
	}
	if headerLen != 0 {
		binary.LittleEndian.PutUint16(b[8:], headerLen)
	}
	if recordLen != 0 {
		binary.LittleEndian.PutUint16(b[10:], recordLen)
	}
	return b
}

type entry struct {
	name string
	data []byte
}

// zipOfFiles writes a zip of the entries (deflated) to dir/name.
func zipOfFiles(t testing.TB, dir, name string, files ...entry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// allocated is the bytes f allocates on the Go heap.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// refuses reads path and requires a quick error naming the file and each
// of want, allocating under 16 MiB — far below what the file claims.
func refuses(t *testing.T, path string, opt Options, want ...string) {
	t.Helper()
	if opt.Layer == "" {
		opt.Layer = geo.Parcels
	}
	var err error
	start := time.Now()
	n := allocated(func() { _, _, err = ReadFile(context.Background(), path, opt) })
	if err == nil {
		t.Fatalf("%s read without an error", filepath.Base(path))
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, filepath.Base(path)) {
		t.Errorf("error %q: want one line naming %s", msg, filepath.Base(path))
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q: want %q in it", msg, w)
		}
	}
	if n > 16<<20 {
		t.Errorf("refusing %s allocated %d bytes", filepath.Base(path), n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing %s took %v", filepath.Base(path), d)
	}
	t.Logf("%s: %v (%d bytes allocated)", filepath.Base(path), err, n)
}

// TestHugePolygonZip: the probe's 408-byte zip — one polygon record that
// claims 2³¹−1 points (or parts) — is refused with the record and its
// claim named, allocating far less than the 34 GB the claim would take;
// go-shp allocated the claim and the process died.
func TestHugePolygonZip(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"points", polygon(1, math.MaxInt32, []int32{0}, 104, 30, 104, 30.001), "claims 2147483647 points, but only 32 bytes remain"},
		{"parts", polygon(math.MaxInt32, 5, []int32{0}, 104, 30), "claims 2147483647 parts, but only 20 bytes remain"},
		{"negative", polygon(1, -1, []int32{0}), "claims -1 points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shp, shx := shpOf(shapePolygon, square(), tc.content)
			zp := zipOfFiles(t, dir, tc.name+".zip", entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", dbfOf(0, 0, 0, "A", "B")})
			if st, _ := os.Stat(zp); st.Size() > 600 {
				t.Fatalf("the zip is %d bytes", st.Size())
			}
			refuses(t, zp, Options{}, "record 1 "+tc.want)
			// Without the .shx the records are read in sequence: the same refusal.
			zp = zipOfFiles(t, dir, tc.name+"-noshx.zip", entry{"x.shp", shp}, entry{"x.dbf", dbfOf(0, 0, 0, "A", "B")})
			refuses(t, zp, Options{}, "record 1 "+tc.want)
		})
	}
}

// TestHugeRecordLength: a record header or .shx entry claiming more bytes
// than the .shp holds is refused before anything is read into memory.
func TestHugeRecordLength(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square(), square())
	binary.BigEndian.PutUint32(shp[mainHeaderLen+8+len(square())+4:], math.MaxInt32) // the second record's length
	write := func(name string, shp, shx []byte) string {
		base := filepath.Join(dir, name)
		os.WriteFile(base+".shp", shp, 0o644)
		os.WriteFile(base+".dbf", dbfOf(0, 0, 0, "A", "B"), 0o644)
		if shx != nil {
			os.WriteFile(base+".shx", shx, 0o644)
		}
		return base + ".shp"
	}
	refuses(t, write("reclen", shp, nil), Options{}, "record 1 claims 4294967294 bytes")

	shp, shx = shpOf(shapePolygon, square(), square())
	far := bytes.Clone(shx)
	binary.BigEndian.PutUint32(far[mainHeaderLen+8:], math.MaxUint32) // the second record's offset
	refuses(t, write("shxoff", shp, far), Options{}, "record 1: the .shx puts it at byte 8589934590")
	long := bytes.Clone(shx)
	binary.BigEndian.PutUint32(long[mainHeaderLen+12:], math.MaxInt32) // its length
	refuses(t, write("shxlen", shp, long), Options{}, "record 1: the .shx puts it at byte", "4294967294 bytes long")
	notShx := bytes.Clone(shx)
	notShx[3] = 0
	refuses(t, write("shxcode", shp, notShx), Options{}, "the .shx is not a Shapefile")
}

// TestHugeDBFHeader: a .dbf whose header claims more records, a longer
// header or a wider field than the file holds is refused when opened
// (go-shp read on, from wherever the claims pointed).
func TestHugeDBFHeader(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square(), square())
	wide := dbfOf(0, 0, 0, "A", "B")
	wide[dbfHeaderLen+16], wide[dbfHeaderLen+17] = 0xff, 0xff // a 65535-byte text field
	for _, tc := range []struct {
		name string
		dbf  []byte
		want string
	}{
		{"records", dbfOf(math.MaxUint32, 0, 0, "A", "B"), "the .dbf claims 4294967295 records of 9 bytes, but only 19 bytes follow its header"},
		{"header", dbfOf(0, 30000, 0, "A", "B"), "the .dbf header claims 30000 bytes, but the file has 84"},
		{"record", dbfOf(0, 0, 60000, "A", "B"), "the .dbf claims 2 records of 60000 bytes"},
		{"field", wide, "the .dbf field code (65535 bytes from byte 1) runs past the 9-byte record"},
		{"short", []byte("\x03abc"), "the .dbf is 4 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Join(dir, tc.name)
			os.WriteFile(base+".shp", shp, 0o644)
			os.WriteFile(base+".shx", shx, 0o644)
			os.WriteFile(base+".dbf", tc.dbf, 0o644)
			refuses(t, base+".shp", Options{}, tc.want)
		})
	}
}

// TestHostileValid: the hand-built files above, unbroken, read: two
// squares with their codes — so the refusals are the lies' doing.
func TestHostileValid(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square(), square())
	zp := zipOfFiles(t, dir, "ok.zip", entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", dbfOf(0, 0, 0, "A", "B")})
	feats, sum, err := ReadFile(context.Background(), zp, Options{Layer: geo.Parcels, IDField: "code"})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 || feats[0].SourceID != "A" || feats[1].SourceID != "B" || sum.Layer(geo.Parcels).Read != 2 {
		t.Fatalf("%d features (%v), summary %+v", len(feats), feats, sum.Layer(geo.Parcels))
	}
}

// TestBigSidecar: a .prj or .cpg over 64 KiB is refused, not read whole
// into memory and handed to PROJ.
func TestBigSidecar(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square())
	for _, ext := range []string{".prj", ".cpg"} {
		base := filepath.Join(dir, "big"+strings.TrimPrefix(ext, "."))
		os.WriteFile(base+".shp", shp, 0o644)
		os.WriteFile(base+".shx", shx, 0o644)
		os.WriteFile(base+".dbf", dbfOf(0, 0, 0, "A"), 0o644)
		os.WriteFile(base+ext, bytes.Repeat([]byte(" "), maxSidecar+1), 0o644)
		refuses(t, base+".shp", Options{}, "the "+ext+" is 65537 bytes, over the 65536")
	}
}
