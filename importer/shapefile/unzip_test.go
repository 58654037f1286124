package shapefile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unpacked is the bytes under dir.
func unpacked(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// unzipRefuses unzips path under a fresh directory with limit and
// requires an error holding each of want and at most most bytes written;
// then ReadFile must refuse it the same way and leave nothing behind.
func unzipRefuses(t *testing.T, path string, limit, most int64, want ...string) {
	t.Helper()
	tmp := t.TempDir()
	dir, _, err := unzip(t.Context(), path, tmp, limit)
	if err == nil {
		t.Fatal("unzipped without an error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q: want %q in it", err, w)
		}
	}
	if dir != "" {
		if filepath.Dir(dir) != tmp {
			t.Errorf("unpacked into %s, not under %s", dir, tmp)
		}
		n := unpacked(t, dir)
		if n > most {
			t.Errorf("wrote %d bytes before refusing, want ≤ %d", n, most)
		}
		t.Logf("%v (%d bytes written)", err, n)
		os.RemoveAll(dir)
	}
	// Through ReadFile: the same refusal, naming the zip, nothing left behind.
	refuses(t, path, Options{TempDir: tmp, MaxUnzip: limit}, want...)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

// TestZipBomb: a 64 MiB entry of zeros deflated to 64 KiB (~1000:1) is
// refused by the compression-ratio limit after 16 MiB or so, not written
// out whole — the probe's 3 MB zip wrote 2.98 GB.
func TestZipBomb(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square())
	zp := zipOfFiles(t, dir, "bomb.zip", entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", make([]byte, 64<<20)})
	if st, _ := os.Stat(zp); st.Size() > 100<<10 {
		t.Fatalf("the bomb is %d bytes", st.Size())
	}
	unzipRefuses(t, zp, 0, zipRatioFrom+(1<<20), "x.dbf", "500 times", "compression ratio")
}

// TestZipTotal: entries that compress poorly but add up past the limit are
// refused once the bytes written pass it; an entry whose header owns up to
// more than is left is refused before a byte of it is written.
func TestZipTotal(t *testing.T) {
	dir := t.TempDir()
	noise := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	shp, shx := shpOf(shapePolygon, square())
	const limit = 1 << 20
	zp := zipOfFiles(t, dir, "total.zip", entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", noise(700 << 10)}, entry{"x.prj", noise(700 << 10)})
	unzipRefuses(t, zp, limit, limit, "the zip expands past 1048576 bytes (the limit on a zip's unpacked size)")
	big := zipOfFiles(t, dir, "big.zip", entry{"x.shp", shp}, entry{"x.dbf", make([]byte, 3<<20)})
	unzipRefuses(t, big, 2<<20, int64(len(shp)), "x.dbf", "past 2097152 bytes")
	// A cancelled import stops unpacking.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if unz, _, err := unzip(ctx, zp, t.TempDir(), 0); !errors.Is(err, context.Canceled) || unpacked(t, unz) != 0 {
		t.Errorf("cancelled: err = %v, %d bytes written", err, unpacked(t, unz))
	}
}

// rawZip writes a zip of one deflated entry whose header claims claimed
// bytes uncompressed (and the CRC of the first claimed bytes).
func rawZip(t *testing.T, path, name string, data []byte, claimed uint64, extra ...entry) {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range extra {
		w, _ := zw.Create(e.name)
		w.Write(e.data)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(data[:min(uint64(len(data)), claimed)]),
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: claimed,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestZipLyingHeader: an entry whose header claims 1 KiB but inflates to
// 32 MiB stops at the claim (archive/zip holds a reader to it, and the
// bytes are counted as written, never taken from the header).
func TestZipLyingHeader(t *testing.T) {
	dir := t.TempDir()
	shp, shx := shpOf(shapePolygon, square())
	zp := filepath.Join(dir, "liar.zip")
	rawZip(t, zp, "x.dbf", bytes.Repeat([]byte("锦华苑 "), 32<<20/10), 1<<10, entry{"x.shp", shp}, entry{"x.shx", shx})
	unzipRefuses(t, zp, 0, int64(len(shp)+len(shx))+1<<10, "x.dbf", "inflates past the 1024 bytes its header claims")
}

// TestZipManyEntries: a zip of 50,000 empty entries is refused by the
// entry limit before archive/zip reads its directory into memory.
func TestZipManyEntries(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 50_000 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("d/%05d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	zp := filepath.Join(dir, "many.zip")
	os.WriteFile(zp, buf.Bytes(), 0o644)
	var err error
	n := allocated(func() { _, _, err = unzip(t.Context(), zp, dir, 0) })
	if err == nil || !strings.Contains(err.Error(), "over 10000 entries (the limit)") {
		t.Fatalf("err = %v", err)
	}
	// What archive/zip allocates to read the same directory, for scale.
	whole := allocated(func() { zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())) })
	if n > whole/20 {
		t.Errorf("refusing allocated %d bytes; reading the directory takes %d", n, whole)
	}
	t.Logf("%v (%d bytes allocated; reading the directory takes %d)", err, n, whole)
	refuses(t, zp, Options{TempDir: dir}, "over 10000 entries")
	// Bytes before the zip (a self-extractor's stub) move every offset the
	// directory gives; archive/zip allows for that, and so does the count.
	stub := filepath.Join(dir, "stub.zip")
	os.WriteFile(stub, append(bytes.Repeat([]byte("MZ"), 500), buf.Bytes()...), 0o644)
	if z, err := zip.OpenReader(stub); err != nil || len(z.File) != 50_000 {
		t.Fatalf("archive/zip reads the stubbed zip: %v", err)
	}
	n = allocated(func() { _, _, err = unzip(t.Context(), stub, dir, 0) })
	if err == nil || !strings.Contains(err.Error(), "over 10000 entries") || n > whole/20 {
		t.Errorf("stubbed: err = %v, %d bytes allocated", err, n)
	}
}

// TestTempDir: a zip is unpacked under Options.TempDir, and nothing of it
// is left there after the read.
func TestTempDir(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	shp, shx := shpOf(shapePolygon, square())
	zp := zipOfFiles(t, dir, "ok.zip", entry{"x.shp", shp}, entry{"x.shx", shx}, entry{"x.dbf", dbfOf(0, 0, 0, "A")})
	unz, shpPath, err := unzip(t.Context(), zp, tmp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(unz) != tmp || !strings.HasPrefix(filepath.Base(unz), "greenreach-shp-") || filepath.Dir(shpPath) != unz {
		t.Errorf("unpacked into %s (%s), want greenreach-shp-* under %s", unz, shpPath, tmp)
	}
	os.RemoveAll(unz)
	if _, _, err := ReadFile(t.Context(), zp, Options{Layer: "parcels", TempDir: tmp}); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TempDir: %v", left)
	}
	// A TempDir that does not exist fails the read, naming the zip.
	if _, _, err := ReadFile(t.Context(), zp, Options{Layer: "parcels", TempDir: filepath.Join(tmp, "gone")}); err == nil || !strings.Contains(err.Error(), "ok.zip") {
		t.Errorf("err = %v", err)
	}
}
