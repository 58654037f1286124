package photo_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/cases/photo"
	_ "golang.org/x/image/webp" // image.Decode of the originals
)

// gradient makes a smooth w×h colour image, like a photo compresses.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(255*x/w), uint8(255*y/h), uint8(128+64*math.Sin(float64(x+y)/20)), 255
		}
	}
	return m
}

// meanDiff is the mean absolute difference of two images' RGB channels.
func meanDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	var sum float64
	ra, rb := a.Bounds(), b.Bounds()
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			r1, g1, b1, _ := a.At(ra.Min.X+x, ra.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(rb.Min.X+x, rb.Min.Y+y).RGBA()
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
		}
	}
	return sum / 257 / 3 / float64(ra.Dx()*ra.Dy())
}

func mustCheck(t *testing.T, b []byte) *photo.Photo {
	t.Helper()
	p, err := photo.CheckBytes(b, photo.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNoJPEGMetadata checks, with the test's own segment reader, that a
// JPEG has no APPn or COM segment, no EXIF or GPS, and none of the secrets
// anywhere in its bytes.
func assertNoJPEGMetadata(t *testing.T, b []byte) {
	t.Helper()
	markers, payloads := jpegMarkers(t, b)
	for i, m := range markers {
		if m >= 0xe0 && m <= 0xef || m == 0xfe {
			t.Errorf("segment 0x%02x survives: %q", m, payloads[i][:min(len(payloads[i]), 16)])
		}
		if _, _, ok := readGPS(bytes.TrimPrefix(payloads[i], []byte("Exif\x00\x00"))); ok {
			t.Errorf("GPS position survives in segment 0x%02x", m)
		}
	}
	assertNoSecrets(t, b)
}

func assertNoSecrets(t *testing.T, b []byte) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%q survives", s)
		}
	}
	// The latitude's seconds as EXIF stores them (4567/100, big- and
	// little-endian).
	for _, bo := range []binary.AppendByteOrder{binary.BigEndian, binary.LittleEndian} {
		sec := bo.AppendUint32(bo.AppendUint32(nil, gpsLat[2][0]), gpsLat[2][1])
		if bytes.Contains(b, sec) {
			t.Errorf("GPS latitude seconds % x survive", sec)
		}
	}
}

func TestCleanJPEGDropsCameraMetadata(t *testing.T) {
	orig := gradient(160, 120)
	in := withSegments(encJPEG(t, orig, 95), cameraSegments(1)...)

	// The fixture is a camera-style JPEG: the test's own reader finds the
	// segments and the GPS position in it.
	markers, payloads := jpegMarkers(t, in)
	for _, m := range []byte{0xe1, 0xe2, 0xed, 0xfe} {
		if !slices.Contains(markers, m) {
			t.Fatalf("fixture lacks segment 0x%02x", m)
		}
	}
	lat, lon, ok := readGPS(bytes.TrimPrefix(payloads[slices.Index(markers, 0xe1)], []byte("Exif\x00\x00")))
	if !ok || !near(lat, 31+13.0/60+45.67/3600) || !near(lon, 121+28.0/60+12.34/3600) {
		t.Fatalf("fixture GPS %v %v %v", lat, lon, ok)
	}
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("fixture does not decode: %v", err)
	}

	p := mustCheck(t, in)
	if p.Format != photo.JPEG || p.Width != 160 || p.Height != 120 || p.Orientation != 1 {
		t.Errorf("info %+v", p.Info)
	}
	if want := []string{"EXIF with GPS position", "XMP", "ICC profile", "IPTC (Photoshop)", "comment"}; !slices.Equal(p.Metadata, want) {
		t.Errorf("metadata %q, want %q", p.Metadata, want)
	}
	clean, err := p.Clean()
	if err != nil {
		t.Fatal(err)
	}
	if clean.Format != photo.JPEG || clean.ContentType() != "image/jpeg" {
		t.Errorf("clean is %s", clean.ContentType())
	}
	assertNoJPEGMetadata(t, clean.Data)
	if m, err := photo.Metadata(clean.Data); len(m) != 0 || err != nil {
		t.Errorf("clean has metadata %q (%v)", m, err)
	}
	got, err := jpeg.Decode(bytes.NewReader(clean.Data))
	if err != nil {
		t.Fatal(err)
	}
	if d := meanDiff(t, orig, got); d > 4 {
		t.Errorf("clean differs from the original by %.1f levels on average", d)
	}

	thumb, err := p.Thumb(0)
	if err != nil {
		t.Fatal(err)
	}
	assertNoJPEGMetadata(t, thumb.Data)
	if thumb.Width != 160 || thumb.Height != 120 {
		t.Errorf("thumb of a small photo is %dx%d, want it not enlarged", thumb.Width, thumb.Height)
	}
}

func TestCleanPNGDropsChunks(t *testing.T) {
	orig := image.NewNRGBA(image.Rect(0, 0, 50, 40))
	for i := range orig.Pix {
		orig.Pix[i] = uint8(i * 7)
	}
	in := withChunks(encPNG(t, orig), pngMetadata(1)...)
	chunks := pngChunks(t, in)
	for _, c := range []string{"eXIf", "iCCP", "tEXt", "iTXt", "tIME"} {
		if !slices.Contains(chunks, c) {
			t.Fatalf("fixture lacks %s: %v", c, chunks)
		}
	}
	p := mustCheck(t, in)
	if want := []string{"EXIF with GPS position (eXIf)", "PNG iCCP", "PNG tEXt", "PNG iTXt", "PNG tIME"}; !slices.Equal(p.Metadata, want) {
		t.Errorf("metadata %q, want %q", p.Metadata, want)
	}
	clean, err := p.Clean()
	if err != nil {
		t.Fatal(err)
	}
	if m, err := photo.Metadata(clean.Data); len(m) != 0 || err != nil {
		t.Errorf("clean has metadata %q (%v)", m, err)
	}
	if clean.Format != photo.PNG {
		t.Fatalf("a PNG cleans to %s", clean.Format)
	}
	for _, c := range pngChunks(t, clean.Data) {
		if !slices.Contains([]string{"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}, c) {
			t.Errorf("chunk %s survives", c)
		}
	}
	assertNoSecrets(t, clean.Data)
	got, err := png.Decode(bytes.NewReader(clean.Data))
	if err != nil {
		t.Fatal(err)
	}
	// Lossless, transparency kept: every pixel is the original's.
	for y := range 40 {
		for x := range 50 {
			if a, b := color.NRGBAModel.Convert(got.At(x, y)), orig.NRGBAAt(x, y); a != b {
				t.Fatalf("pixel %d,%d is %v, was %v", x, y, a, b)
			}
		}
	}
	thumb, err := p.Thumb(0)
	if err != nil {
		t.Fatal(err)
	}
	assertNoJPEGMetadata(t, thumb.Data)
}

// orientedInputs makes the marked image as a JPEG with an EXIF APP1, a PNG
// with an eXIf chunk and a lossless WebP with an EXIF chunk, each saying
// orientation o.
func orientedInputs(t *testing.T, m *image.Gray, o int) map[string][]byte {
	r := m.Bounds()
	exifLE := cameraEXIF(binary.LittleEndian, o)
	return map[string][]byte{
		"jpeg": withSegments(encJPEG(t, m, 95), segment(0xe1, append([]byte("Exif\x00\x00"), cameraEXIF(binary.BigEndian, o)...))),
		"png":  withChunks(encPNG(t, m), pngChunk("eXIf", exifLE)),
		"webp": webpFile(vp8x(0x08, r.Dx(), r.Dy()), riffChunk("VP8L", vp8l(m)), riffChunk("EXIF", exifLE)),
	}
}

func TestOrientationApplied(t *testing.T) {
	const w, h, big, small = 480, 320, 120, 60
	m := marked(w, h, big, small)
	for o := 1; o <= 8; o++ {
		for name, in := range orientedInputs(t, m, o) {
			t.Run(fmt.Sprintf("%s/%d", name, o), func(t *testing.T) {
				p := mustCheck(t, in)
				if p.Orientation != o {
					t.Fatalf("orientation %d, want %d", p.Orientation, o)
				}
				want := wantCorners[o]
				ww, wh := w, h
				if o >= 5 {
					ww, wh = h, w
				}
				if uw, uh := p.Upright(); uw != ww || uh != wh {
					t.Errorf("upright %dx%d, want %dx%d", uw, uh, ww, wh)
				}

				clean, err := p.Clean()
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := image.Decode(bytes.NewReader(clean.Data))
				if err != nil {
					t.Fatal(err)
				}
				if s := got.Bounds().Size(); s.X != ww || s.Y != wh || clean.Width != ww || clean.Height != wh {
					t.Fatalf("clean is %v (says %dx%d), want %dx%d", s, clean.Width, clean.Height, ww, wh)
				}
				checkCorners(t, got, big, small, want[0], want[1])

				thumb, err := p.Thumb(240) // half size
				if err != nil {
					t.Fatal(err)
				}
				tm, err := jpeg.Decode(bytes.NewReader(thumb.Data))
				if err != nil {
					t.Fatal(err)
				}
				if s := tm.Bounds().Size(); s.X != ww/2 || s.Y != wh/2 {
					t.Fatalf("thumb is %v, want %dx%d", s, ww/2, wh/2)
				}
				checkCorners(t, tm, big/2, small/2, want[0], want[1])
			})
		}
	}
}

// pngHeader makes a PNG of a w×h RGB image whose IDAT holds only a little
// compressed data: a decompression bomb's header.
func pngHeader(_ testing.TB, w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4096))
	zw.Close()
	b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", z.Bytes())...)
	return append(b, pngChunk("IEND", nil)...)
}

// jpegHeader makes a JPEG frame of w×h with 3 components sampled 4:2:0
// (progressive if sof is 0xc2) and nscans tiny scans.
func jpegHeader(sof byte, w, h uint16, nscans int) []byte {
	b := []byte{0xff, 0xd8}
	b = append(b, segment(sof, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1})...)
	for range nscans {
		b = append(b, segment(0xda, []byte{1, 1, 0, 0, 0, 0})...)
		b = append(b, 0x12, 0x34)
	}
	return append(b, 0xff, 0xd9)
}

func TestDecompressionBombRefusedCheaply(t *testing.T) {
	bombs := []struct {
		name string
		data []byte
		px   int64
	}{
		{"png 60000x60000", pngHeader(t, 60000, 60000), 60000 * 60000},
		{"jpeg 65000x65000", jpegHeader(0xc0, 65000, 65000, 1), 65000 * 65000},
		{"webp vp8x 40000x40000", webpFile(vp8x(0, 40000, 40000), riffChunk("VP8L", vp8l(marked(1, 1, 0, 0)))), 40000 * 40000},
		{"webp vp8l 16384x16384", webpFile(riffChunk("VP8L", []byte{0x2f, 0xff, 0xff, 0xff, 0x0f})), 16384 * 16384},
	}
	for _, bomb := range bombs {
		t.Run(bomb.name, func(t *testing.T) {
			if len(bomb.data) > 8192 {
				t.Fatalf("the bomb is %d bytes, meant to be tiny", len(bomb.data))
			}
			_, err := photo.CheckBytes(bomb.data, photo.Limits{})
			var le *photo.LimitError
			if !errors.As(err, &le) || le.Limit != "pixels" || le.Got != bomb.px || le.Max != photo.DefaultMaxPixels {
				t.Fatalf("got %v, want the pixel limit", err)
			}
			if !errors.Is(err, photo.ErrRefused) || !strings.Contains(err.Error(), fmt.Sprint(bomb.px)) {
				t.Errorf("error %q", err)
			}
			// Refused from the header: a few allocations and kilobytes,
			// not the gigabytes the pixels would take.
			allocs := testing.AllocsPerRun(5, func() { photo.CheckBytes(bomb.data, photo.Limits{}) })
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			photo.CheckBytes(bomb.data, photo.Limits{})
			runtime.ReadMemStats(&after)
			if delta := after.TotalAlloc - before.TotalAlloc; allocs > 100 || delta > 256<<10 {
				t.Errorf("refusing took %.0f allocations, %d bytes", allocs, delta)
			}
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	// 47.6 million pixels pass the pixel limit, but a progressive 4:2:0
	// JPEG keeps every coefficient: too much memory.
	b := jpegHeader(0xc2, 7000, 6800, 1)
	_, err := photo.CheckBytes(b, photo.Limits{})
	var le *photo.LimitError
	if !errors.As(err, &le) || le.Limit != "memory" || le.Got <= le.Max || le.Max != photo.DefaultMaxMemory {
		t.Fatalf("got %v, want the memory limit", err)
	}
	// The same photo, baseline, fits.
	if _, err := photo.Inspect(jpegHeader(0xc0, 7000, 6800, 1), photo.Limits{}); err != nil {
		t.Errorf("baseline: %v", err)
	}
	// A caller's tighter budget.
	_, err = photo.CheckBytes(encJPEG(t, gradient(800, 600), 80), photo.Limits{MaxMemory: 4 << 20})
	if !errors.As(err, &le) || le.Limit != "memory" {
		t.Errorf("got %v, want the memory limit", err)
	}
}

// TestMemoryEstimateIsABound checks Info.Memory against what Check, Clean
// and Thumb really allocate, for every decoder path.
func TestMemoryEstimateIsABound(t *testing.T) {
	n := noise(1200, 900, 7)
	gray := image.NewGray(n.Rect)
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, 700, 500))
	pal := image.NewPaletted(n.Rect, color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 128}})
	for i := range gray.Pix {
		gray.Pix[i] = n.Pix[4*i]
		pal.Pix[i] = n.Pix[4*i] % 3
	}
	for i := range nrgba64.Pix {
		nrgba64.Pix[i] = n.Pix[i]
	}
	exif6 := segment(0xe1, append([]byte("Exif\x00\x00"), cameraEXIF(binary.BigEndian, 6)...))
	inputs := map[string][]byte{
		"jpeg":         encJPEG(t, n, 100),
		"jpeg turned":  withSegments(encJPEG(t, n, 100), exif6),
		"gray jpeg":    encJPEG(t, gray, 100),
		"png rgba":     encPNG(t, n),
		"png turned":   withChunks(encPNG(t, n), pngChunk("eXIf", cameraEXIF(binary.LittleEndian, 6))),
		"png nrgba64":  encPNG(t, nrgba64),
		"png palette":  encPNG(t, pal),
		"webp vp8l":    webpFile(riffChunk("VP8L", vp8l(marked(1200, 900, 300, 100)))),
		"webp turned":  webpFile(vp8x(0x08, 1200, 900), riffChunk("VP8L", vp8l(marked(1200, 900, 300, 100))), riffChunk("EXIF", cameraEXIF(binary.LittleEndian, 8))),
		"jpeg panoram": encJPEG(t, noise(6000, 40, 3), 90),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p, err := photo.CheckBytes(in, photo.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Clean(); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Thumb(0); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			used := int64(after.TotalAlloc - before.TotalAlloc)
			if used > p.Memory {
				t.Errorf("allocated %d bytes, estimate %d", used, p.Memory)
			}
			t.Logf("allocated %d of %d estimated", used, p.Memory)
		})
	}
}

func TestScanLimit(t *testing.T) {
	_, err := photo.CheckBytes(jpegHeader(0xc2, 64, 64, photo.DefaultMaxScans+1), photo.Limits{})
	var le *photo.LimitError
	if !errors.As(err, &le) || le.Limit != "scans" || le.Max != photo.DefaultMaxScans {
		t.Fatalf("got %v, want the scan limit", err)
	}
	_, err = photo.CheckBytes(jpegHeader(0xc2, 64, 64, photo.DefaultMaxScans), photo.Limits{})
	if errors.As(err, &le) {
		t.Errorf("%d scans: %v", photo.DefaultMaxScans, err)
	}
}

// endless reads a JPEG's first bytes and then zeros forever, counting.
type endless struct{ n int64 }

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
		if r.n+int64(i) < 3 {
			p[i] = 0xff
		}
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestByteLimit(t *testing.T) {
	r := &endless{}
	_, err := photo.Check(r, photo.Limits{MaxBytes: 100_000})
	var le *photo.LimitError
	if !errors.As(err, &le) || le.Limit != "bytes" || le.Max != 100_000 || !strings.Contains(err.Error(), "100000") {
		t.Fatalf("got %v, want the byte limit", err)
	}
	if r.n > 100_000+64<<10 {
		t.Errorf("read %d bytes of an endless stream", r.n)
	}
	ok := encJPEG(t, gradient(300, 200), 90)
	if _, err := photo.CheckBytes(ok, photo.Limits{MaxBytes: int64(len(ok)) - 1}); !errors.As(err, &le) || le.Limit != "bytes" {
		t.Errorf("one byte over: %v", err)
	}
	if _, err := photo.CheckBytes(ok, photo.Limits{MaxBytes: int64(len(ok))}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestNotImagesNamed(t *testing.T) {
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	f, _ := zw.Create("photo.jpg")
	f.Write(encJPEG(t, gradient(8, 8), 90))
	zw.Close()
	cases := []struct {
		name string
		data []byte
		what string
	}{
		{"empty", nil, "empty"},
		{"gif", gif, "GIF"},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00"), "BMP"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), "TIFF"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "PDF"},
		{"zip of a jpeg", zipBuf.Bytes(), "ZIP"},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), "mif1heic"...), "HEIC"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), "AVIF"},
		{"mp4", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), "MP4"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG"},
		{"html", []byte("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"), "HTML"},
		{"text", []byte("这是一张照片"), "text"},
		{"exe", []byte("MZ\x90\x00\x03\x00\x00\x00"), "executable"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "not WebP"},
		{"jpeg magic only", []byte{0xff, 0xd8}, "truncated JPEG"},
		{"binary", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "00 01 02"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := photo.CheckBytes(c.data, photo.Limits{})
			var ne *photo.NotImageError
			if !errors.As(err, &ne) || !errors.Is(err, photo.ErrRefused) {
				t.Fatalf("got %v, want NotImageError", err)
			}
			if !strings.Contains(ne.What, c.what) {
				t.Errorf("named %q, want %q in it", ne.What, c.what)
			}
		})
	}
}

// validInputs are small valid photos of each format.
func validInputs(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"jpeg": withSegments(encJPEG(t, gradient(40, 30), 90), cameraSegments(6)...),
		"png":  withChunks(encPNG(t, gradient(20, 15)), pngMetadata(3)...),
		"webp": webpFile(vp8x(0x08, 40, 30), riffChunk("VP8L", vp8l(marked(40, 30, 8, 4))), riffChunk("EXIF", cameraEXIF(binary.LittleEndian, 5))),
	}
}

func TestTruncatedRefused(t *testing.T) {
	for name, in := range validInputs(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := photo.CheckBytes(in, photo.Limits{}); err != nil {
				t.Fatalf("whole: %v", err)
			}
			for n := range len(in) {
				_, err := photo.CheckBytes(in[:n], photo.Limits{})
				if err == nil || !errors.Is(err, photo.ErrRefused) {
					t.Fatalf("cut at %d of %d: %v", n, len(in), err)
				}
			}
		})
	}
}

func TestPolyglotsRefused(t *testing.T) {
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	f, _ := zw.Create("evil.html")
	f.Write([]byte("<script>alert(1)</script>"))
	zw.Close()
	html := []byte("<html><script>alert(document.cookie)</script></html>")
	ins := validInputs(t)
	cases := map[string][]byte{
		"jpeg+zip":      append(slices.Clone(ins["jpeg"]), zipBuf.Bytes()...),
		"jpeg+pdf":      append(slices.Clone(ins["jpeg"]), "%PDF-1.4\n"...),
		"png+html":      append(slices.Clone(ins["png"]), html...),
		"webp+zip":      append(slices.Clone(ins["webp"]), zipBuf.Bytes()...),
		"jpeg+jpeg+zip": slices.Concat(ins["jpeg"], ins["jpeg"], zipBuf.Bytes()),
		"jpeg+mp4":      slices.Concat(ins["jpeg"], []byte("\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00mp42isom")),
		"jpeg+jpeg cut": slices.Concat(ins["jpeg"], ins["jpeg"][:100]),
	}
	names := map[string]string{"jpeg+zip": "ZIP", "jpeg+pdf": "PDF", "png+html": "HTML", "webp+zip": "ZIP",
		"jpeg+jpeg+zip": "ZIP", "jpeg+mp4": "MP4", "jpeg+jpeg cut": "appended at"}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := photo.CheckBytes(in, photo.Limits{})
			var ie *photo.InvalidError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), names[name]) {
				t.Fatalf("got %v, want a refusal naming %s", err, names[name])
			}
		})
	}
	// Whole JPEGs after a JPEG are how phones store gain maps and
	// previews (MPF): taken, and only the first is the photo.
	gainMap := encJPEG(t, image.NewGray(image.Rect(0, 0, 10, 5)), 80)
	p, err := photo.CheckBytes(slices.Concat(ins["jpeg"], gainMap, gainMap), photo.Limits{})
	if err != nil || p.Width != 40 || p.Height != 30 {
		t.Errorf("JPEG with appended JPEGs: %v", err)
	}
	// Padding after the end carries nothing and is taken.
	for name, in := range ins {
		if _, err := photo.CheckBytes(append(slices.Clone(in), make([]byte, 64)...), photo.Limits{}); err != nil {
			t.Errorf("%s with zero padding: %v", name, err)
		}
	}
	// Script inside a comment segment is inside the image: the photo is
	// taken, and the script is not in what is shown.
	in := withSegments(encJPEG(t, gradient(40, 30), 90), segment(0xfe, html))
	p = mustCheck(t, in)
	for _, out := range []func() (*photo.File, error){p.Clean, func() (*photo.File, error) { return p.Thumb(0) }} {
		f, err := out()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(f.Data, []byte("script")) {
			t.Error("the comment's script survives")
		}
	}
}

func TestGarbageRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	heads := [][]byte{nil, {0xff, 0xd8, 0xff}, []byte("\x89PNG\r\n\x1a\n"), []byte("RIFF\x10\x00\x00\x00WEBP")}
	for _, head := range heads {
		for n := range 200 {
			in := append(slices.Clone(head), random(n*5)...)
			if _, err := photo.CheckBytes(in, photo.Limits{}); !errors.Is(err, photo.ErrRefused) {
				t.Fatalf("% x + %d random bytes: %v", head, n*5, err)
			}
		}
	}
	// Flipped bytes in valid photos: refused, or taken and then cleanable;
	// never a panic or another kind of error.
	for name, in := range validInputs(t) {
		for range 300 {
			b := slices.Clone(in)
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			}
			p, err := photo.CheckBytes(b, photo.Limits{})
			if err != nil {
				if !errors.Is(err, photo.ErrRefused) {
					t.Fatalf("%s: %v", name, err)
				}
				continue
			}
			if _, err := p.Clean(); err != nil {
				t.Fatalf("%s: clean: %v", name, err)
			}
		}
	}
}

func TestThumbDownscalesWithoutAliasing(t *testing.T) {
	checker := func(w, h int) *image.Gray {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				if (x+y)%2 == 0 {
					m.Pix[y*m.Stride+x] = 255
				}
			}
		}
		return m
	}
	for _, c := range []struct{ w, h, tw, th int }{
		{1000, 700, 320, 224},  // Catmull-Rom alone
		{4000, 3000, 320, 240}, // block averages, then Catmull-Rom
		{5000, 10, 320, 1},
		{120, 80, 120, 80}, // never enlarged
	} {
		t.Run(fmt.Sprintf("%dx%d", c.w, c.h), func(t *testing.T) {
			p := mustCheck(t, encPNG(t, checker(c.w, c.h)))
			f, err := p.Thumb(0)
			if err != nil {
				t.Fatal(err)
			}
			m, err := jpeg.Decode(bytes.NewReader(f.Data))
			if err != nil {
				t.Fatal(err)
			}
			if s := m.Bounds().Size(); s.X != c.tw || s.Y != c.th || f.Width != c.tw || f.Height != c.th {
				t.Fatalf("thumb %v, want %dx%d", s, c.tw, c.th)
			}
			if c.tw == c.w {
				return
			}
			// A one-pixel checkerboard shrunk is a flat mid grey; sampling
			// without a filter would give black, white or moiré.
			for y := range c.th {
				for x := range c.tw {
					if v := color.GrayModel.Convert(m.At(x, y)).(color.Gray).Y; v < 112 || v > 144 {
						t.Fatalf("pixel %d,%d is %d, want about 128", x, y, v)
					}
				}
			}
		})
	}
	p := mustCheck(t, encPNG(t, checker(10, 10)))
	for _, side := range []int{-1, photo.MaxThumbSide + 1} {
		if _, err := p.Thumb(side); err == nil {
			t.Errorf("side %d taken", side)
		}
	}
}

func TestIdentifyIgnoresNames(t *testing.T) {
	// Content decides; there is no name or type to pass. A PNG is a PNG.
	f, err := photo.Identify(encPNG(t, gradient(4, 4)))
	if err != nil || f != photo.PNG {
		t.Errorf("got %v %v", f, err)
	}
	var _ io.Reader // Check takes a bare reader
}

// TestThumbMemoryIndependentOfPhotoSize: a thumbnail of a large photo
// allocates about what one of a small photo does, thanks to the block
// averages before Catmull-Rom (whose buffer grows with the source height).
func TestThumbMemoryIndependentOfPhotoSize(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 6000, 4000))
	p := mustCheck(t, encPNG(t, m))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := p.Thumb(0); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if used := after.TotalAlloc - before.TotalAlloc; used > 12<<20 {
		t.Errorf("a thumbnail of 6000x4000 allocated %d bytes", used)
	}
}

// TestTransparencyOnWhite: a transparent PNG stays transparent when
// cleaned; its thumbnail, and a transparent WebP cleaned to JPEG, are laid
// on white, not on black.
func TestTransparencyOnWhite(t *testing.T) {
	seeThrough := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	for i := 0; i < len(seeThrough.Pix); i += 4 {
		seeThrough.Pix[i] = 255 // red, alpha 0
	}
	p := mustCheck(t, encPNG(t, seeThrough))
	c, err := p.Clean()
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(c.Data))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := m.At(5, 5).RGBA(); a != 0 {
		t.Errorf("cleaned PNG alpha %d, want 0", a)
	}
	webp := webpFile(riffChunk("VP8L", vp8lAlpha(marked(30, 20, 10, 5), 0)))
	q := mustCheck(t, webp)
	for name, out := range map[string]func() (*photo.File, error){
		"png thumb":  func() (*photo.File, error) { return p.Thumb(0) },
		"webp clean": q.Clean,
		"webp thumb": func() (*photo.File, error) { return q.Thumb(0) },
	} {
		f, err := out()
		if err != nil {
			t.Fatal(err)
		}
		m, err := jpeg.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		r, g, b, _ := m.At(2, 2).RGBA()
		if r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
			t.Errorf("%s: transparent pixel is %d,%d,%d, want white", name, r>>8, g>>8, b>>8)
		}
	}
}

func TestMetadataNamed(t *testing.T) {
	m := marked(40, 30, 8, 4)
	webp := webpFile(vp8x(0x08|0x04, 40, 30), riffChunk("VP8L", vp8l(m)),
		riffChunk("EXIF", cameraEXIF(binary.LittleEndian, 1)), riffChunk("XMP ", []byte(secretXMP)))
	p := mustCheck(t, webp)
	if want := []string{"EXIF with GPS position", "XMP"}; !slices.Equal(p.Metadata, want) {
		t.Errorf("webp metadata %q, want %q", p.Metadata, want)
	}
	for _, f := range []func() (*photo.File, error){p.Clean, func() (*photo.File, error) { return p.Thumb(0) }} {
		out, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if md, err := photo.Metadata(out.Data); len(md) != 0 || err != nil {
			t.Errorf("output has metadata %q (%v)", md, err)
		}
		assertNoSecrets(t, out.Data)
	}

	// Thousands of empty comments: named up to a bound, then counted.
	segs := make([][]byte, 5000)
	for i := range segs {
		segs[i] = segment(0xfe, nil)
	}
	md, err := photo.Metadata(withSegments(encJPEG(t, m, 90), segs...))
	if err != nil || len(md) != 17 || md[0] != "comment" || md[16] != "4984 more" {
		t.Errorf("got %d names, last %q (%v)", len(md), md[len(md)-1], err)
	}
	if _, err := photo.Metadata([]byte("GIF89a")); !errors.Is(err, photo.ErrRefused) {
		t.Errorf("GIF: %v", err)
	}
}

// TestDecoderPaths runs the files the Go encoders cannot make (see
// testdata/README.md) through Check, Clean and Thumb: each is taken,
// cleaned to its upright size with its picture kept, within its memory
// estimate.
func TestDecoderPaths(t *testing.T) {
	for _, name := range []string{
		"video-001.q50.420.progressive.jpeg",
		"video-005.gray.q50.2x2.progressive.jpeg",
		"video-001.cmyk.jpeg",
		"video-001.rgb.jpeg",
		"video-001.lossy.webp",
		"yellow_rose.lossy-with-alpha.webp",
		"gopher-doc.8bpp.lossless.webp",
	} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p, err := photo.CheckBytes(in, photo.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			clean, err := p.Clean()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Thumb(0); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if used := int64(after.TotalAlloc - before.TotalAlloc); used > p.Memory {
				t.Errorf("allocated %d bytes, estimate %d", used, p.Memory)
			}
			orig, _, err := image.Decode(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := image.Decode(bytes.NewReader(clean.Data))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(name, "alpha") {
				// Laid on white: compare only the size.
				if got.Bounds().Size() != orig.Bounds().Size() {
					t.Errorf("clean %v, original %v", got.Bounds().Size(), orig.Bounds().Size())
				}
				return
			}
			// An RGB JPEG keeps full colour detail, which 4:2:0 halves.
			if d := meanDiff(t, orig, got); d > 8 {
				t.Errorf("clean differs from the original by %.1f levels on average", d)
			}
		})
	}
	// A progressive JPEG whose later scans were dropped is still a whole
	// file (ending in EOI) and a coarser picture: taken. Cut, it is not.
	in, err := os.ReadFile(filepath.Join("testdata", "video-001.progressive.truncated.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := photo.CheckBytes(in, photo.Limits{}); err != nil {
		t.Errorf("progressive JPEG without its last scans: %v", err)
	}
	var ie *photo.InvalidError
	if _, err := photo.CheckBytes(in[:len(in)/2], photo.Limits{}); !errors.As(err, &ie) {
		t.Errorf("cut progressive JPEG: %v", err)
	}
}
