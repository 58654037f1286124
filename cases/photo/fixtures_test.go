package photo_test

// Test fixtures built from scratch: images with marked corners, camera-style
// EXIF blocks with GPS, metadata segments and chunks, and a lossless WebP
// writer (the Go libraries encode no WebP).

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
)

// marked makes a w×h grey image, black except a white big×big block at the
// stored top-left corner and a white small×small block at the stored
// top-right corner, so that each of the eight orientations puts the two
// marks in a different pair of corners.
func marked(w, h, big, small int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x < big && y < big || x >= w-small && y < small {
				m.Pix[y*m.Stride+x] = 255
			}
		}
	}
	return m
}

// corner names a corner of an upright image.
type corner int

const (
	topLeft corner = iota
	topRight
	bottomRight
	bottomLeft
)

var cornerNames = []string{"top left", "top right", "bottom right", "bottom left"}

// wantCorners says, from the EXIF 2.3 definition of each orientation
// (where the stored 0th row and 0th column are shown), where the stored
// top-left (big) and top-right (small) marks appear once upright.
var wantCorners = map[int][2]corner{
	1: {topLeft, topRight},       // 0th row top, 0th column left
	2: {topRight, topLeft},       // 0th row top, 0th column right
	3: {bottomRight, bottomLeft}, // 0th row bottom, 0th column right
	4: {bottomLeft, bottomRight}, // 0th row bottom, 0th column left
	5: {topLeft, bottomLeft},     // 0th row left, 0th column top
	6: {topRight, bottomRight},   // 0th row right, 0th column top
	7: {bottomRight, topRight},   // 0th row right, 0th column bottom
	8: {bottomLeft, topLeft},     // 0th row left, 0th column bottom
}

// checkCorners asserts that m shows the big mark (side big) in corner b and
// the small one (side small) in corner s, and nothing in the others.
func checkCorners(t *testing.T, m image.Image, big, small int, b, s corner) {
	t.Helper()
	r := m.Bounds()
	// A pixel is lit when its green is: grey marks are lit in every
	// channel, the WebP fixture's in green only.
	lum := func(c corner, inset int) uint8 {
		x, y := r.Min.X+inset, r.Min.Y+inset
		if c == topRight || c == bottomRight {
			x = r.Max.X - 1 - inset
		}
		if c == bottomLeft || c == bottomRight {
			y = r.Max.Y - 1 - inset
		}
		_, g, _, _ := m.At(x, y).RGBA()
		return uint8(g >> 8)
	}
	in, mid := small/4, (small+big)/2
	for c := topLeft; c <= bottomLeft; c++ {
		wantIn, wantMid := c == b || c == s, c == b
		gotIn, gotMid := lum(c, in) > 128, lum(c, mid) > 128
		if gotIn != wantIn || gotMid != wantMid {
			t.Errorf("%s: inset %d lit %v (want %v), inset %d lit %v (want %v)",
				cornerNames[c], in, gotIn, wantIn, mid, gotMid, wantMid)
		}
	}
}

// noise makes a w×h RGBA image of random opaque colours.
func noise(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		v := rng.Uint32()
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), 255
	}
	return m
}

func encJPEG(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The secrets a camera or phone writes; none may survive Clean or Thumb.
const (
	secretArtist  = "INSPECTOR-WANG-13800138000"
	secretMake    = "SECRETCAM"
	secretXMP     = "SECRET-XMP-31.2293N"
	secretICC     = "SECRET-ICC-PROFILE-DESC"
	secretIPTC    = "SECRET-IPTC-BYLINE"
	secretComment = "SECRET-JPEG-COMMENT"
	secretPNGText = "SECRET-PNG-TEXT"
)

var secrets = []string{secretArtist, secretMake, secretXMP, secretICC, secretIPTC, secretComment, secretPNGText,
	"Exif", "http://ns.adobe.com", "ICC_PROFILE", "Photoshop 3.0", "8BIM"}

// The GPS position written: 31°13'45.67"N 121°28'12.34"E (Shanghai).
var (
	gpsLat = [3][2]uint32{{31, 1}, {13, 1}, {4567, 100}}
	gpsLon = [3][2]uint32{{121, 1}, {28, 1}, {1234, 100}}
)

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // the value in the TIFF's byte order
}

// cameraEXIF builds a TIFF block as a camera writes it in APP1: IFD0 with
// make, orientation, artist and a GPSInfo pointer, and a GPS IFD with
// latitude and longitude, in byte order bo.
func cameraEXIF(bo interface {
	binary.ByteOrder
	binary.AppendByteOrder
}, orient int) []byte {
	ascii := func(s string) []byte { return append([]byte(s), 0) }
	short := func(v uint16) []byte { return bo.AppendUint16(nil, v) }
	rationals := func(r [3][2]uint32) []byte {
		var b []byte
		for _, x := range r {
			b = bo.AppendUint32(bo.AppendUint32(b, x[0]), x[1])
		}
		return b
	}
	ifd0 := []tiffEntry{
		{0x010f, 2, uint32(len(secretMake) + 1), ascii(secretMake)},
		{0x0112, 3, 1, short(uint16(orient))},
		{0x013b, 2, uint32(len(secretArtist) + 1), ascii(secretArtist)},
		{0x8825, 4, 1, nil}, // GPSInfo: the GPS IFD's offset, filled in below
	}
	gps := []tiffEntry{
		{0x0000, 1, 4, []byte{2, 3, 0, 0}},
		{0x0001, 2, 2, ascii("N")},
		{0x0002, 5, 3, rationals(gpsLat)},
		{0x0003, 2, 2, ascii("E")},
		{0x0004, 5, 3, rationals(gpsLon)},
	}
	ifd0Off := 8
	gpsOff := ifd0Off + 2 + 12*len(ifd0) + 4
	dataOff := gpsOff + 2 + 12*len(gps) + 4
	ifd0[3].data = bo.AppendUint32(nil, uint32(gpsOff))

	var data []byte
	writeIFD := func(b []byte, es []tiffEntry) []byte {
		b = bo.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, e.typ)
			b = bo.AppendUint32(b, e.count)
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				b = append(b, v...)
				continue
			}
			b = bo.AppendUint32(b, uint32(dataOff+len(data)))
			data = append(data, e.data...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
		return bo.AppendUint32(b, 0) // no next IFD
	}
	b := []byte("II*\x00")
	if bo.String() == binary.BigEndian.String() {
		b = []byte("MM\x00*")
	}
	b = bo.AppendUint32(b, uint32(ifd0Off))
	b = writeIFD(b, ifd0)
	b = writeIFD(b, gps)
	return append(b, data...)
}

// readGPS is the test's own EXIF reader: it follows IFD0's GPSInfo pointer
// and answers the latitude and longitude in degrees.
func readGPS(tiff []byte) (lat, lon float64, ok bool) {
	if len(tiff) < 8 {
		return 0, 0, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if tiff[0] == 'M' {
		bo = binary.BigEndian
	}
	entries := func(off uint32) map[uint16][]byte {
		es := map[uint16][]byte{}
		if int(off)+2 > len(tiff) {
			return es
		}
		n := int(bo.Uint16(tiff[off:]))
		for i := range n {
			p := int(off) + 2 + 12*i
			if p+12 > len(tiff) {
				break
			}
			es[bo.Uint16(tiff[p:])] = tiff[p : p+12]
		}
		return es
	}
	ifd0 := entries(bo.Uint32(tiff[4:]))
	ptr, found := ifd0[0x8825]
	if !found {
		return 0, 0, false
	}
	gps := entries(bo.Uint32(ptr[8:]))
	deg := func(tag uint16) (float64, bool) {
		e, found := gps[tag]
		if !found {
			return 0, false
		}
		off := int(bo.Uint32(e[8:]))
		if off+24 > len(tiff) {
			return 0, false
		}
		var v float64
		for i, scale := range []float64{1, 60, 3600} {
			num := bo.Uint32(tiff[off+8*i:])
			den := bo.Uint32(tiff[off+8*i+4:])
			v += float64(num) / float64(den) / scale
		}
		return v, true
	}
	lat, ok1 := deg(0x0002)
	lon, ok2 := deg(0x0004)
	return lat, lon, ok1 && ok2
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// segment makes a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	b := []byte{0xff, marker}
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)+2))
	return append(b, payload...)
}

// withSegments inserts segments right after a JPEG's SOI, where cameras put
// theirs.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// cameraSegments are the metadata segments of a phone photo: EXIF with
// GPS, XMP, an ICC profile, Photoshop IPTC and a comment.
func cameraSegments(orient int) [][]byte {
	iptc := append([]byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00"), binary.BigEndian.AppendUint32(nil, uint32(5+len(secretIPTC)))...)
	iptc = append(iptc, 0x1c, 0x02, 0x50, 0, byte(len(secretIPTC)))
	iptc = append(iptc, secretIPTC...)
	return [][]byte{
		segment(0xe1, append([]byte("Exif\x00\x00"), cameraEXIF(binary.BigEndian, orient)...)),
		segment(0xe1, []byte(`http://ns.adobe.com/xap/1.0/`+"\x00"+`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="`+secretXMP+`"/></rdf:RDF></x:xmpmeta>`)),
		segment(0xe2, append([]byte("ICC_PROFILE\x00\x01\x01"), []byte("\x00\x00\x02\x0cappl\x02\x10\x00\x00mntrRGB desc "+secretICC)...)),
		segment(0xed, iptc),
		segment(0xfe, []byte(secretComment)),
	}
}

// jpegMarkers is the test's own JPEG reader: the markers from SOI up to
// and including the first SOS, each with its payload.
func jpegMarkers(t *testing.T, b []byte) (markers []byte, payloads [][]byte) {
	t.Helper()
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		t.Fatalf("not a JPEG: % x", b[:min(len(b), 4)])
	}
	for p := 2; p+4 <= len(b); {
		if b[p] != 0xff {
			t.Fatalf("no marker at %d", p)
		}
		m := b[p+1]
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		markers = append(markers, m)
		payloads = append(payloads, b[p+4:min(len(b), p+2+n)])
		if m == 0xda {
			return markers, payloads
		}
		p += 2 + n
	}
	t.Fatal("no SOS")
	return nil, nil
}

// pngChunk makes a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withChunks inserts chunks after a PNG's IHDR.
func withChunks(p []byte, chunks ...[]byte) []byte {
	const ihdrEnd = 8 + 12 + 13
	out := append([]byte{}, p[:ihdrEnd]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[ihdrEnd:]...)
}

// pngMetadata are the metadata chunks a PNG may carry.
func pngMetadata(orient int) [][]byte {
	return [][]byte{
		pngChunk("eXIf", cameraEXIF(binary.LittleEndian, orient)),
		pngChunk("iCCP", []byte(secretICC+"\x00\x00\x78\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("tEXt", []byte("Comment\x00"+secretPNGText)),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secretXMP)),
		pngChunk("tIME", []byte{0x07, 0xea, 12, 6, 8, 30, 0}),
	}
}

// pngChunks is the test's own PNG reader: the chunk types in order.
func pngChunks(t *testing.T, b []byte) []string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	var types []string
	for p := 8; p+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[p:]))
		types = append(types, string(b[p+4:p+8]))
		p += 12 + n
	}
	return types
}

// bits writes a VP8L bit stream (least significant bit first).
type bits struct {
	buf []byte
	acc uint64
	n   uint
}

func (w *bits) put(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bits) bytes() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.n = 0, 0
	}
	return w.buf
}

// vp8l encodes a lossless WebP bitstream of m's pixels, which must each be
// black or white: every channel but green has one symbol (zero bits a
// pixel), green two (0 and 255, one bit a pixel).
func vp8l(m *image.Gray) []byte { return vp8lAlpha(m, 255) }

// vp8lAlpha is vp8l with every pixel's alpha a.
func vp8lAlpha(m *image.Gray, a uint8) []byte {
	var w bits
	r := m.Bounds()
	w.put(0x2f, 8)
	w.put(uint64(r.Dx()-1), 14)
	w.put(uint64(r.Dy()-1), 14)
	w.put(uint64(a>>7^1), 1) // alpha used (a hint)
	w.put(0, 3)              // version 0
	w.put(0, 1)              // no transform
	w.put(0, 1)              // no colour cache
	w.put(0, 1)              // no meta prefix codes
	// Green: a simple code of two 8-bit symbols, 0 and 255.
	w.put(1, 1)
	w.put(1, 1)
	w.put(1, 1)
	w.put(0, 8)
	w.put(255, 8)
	// Red, blue: a single symbol, 0, so lit pixels are green (0, 255, 0).
	for range 2 {
		w.put(1, 1)
		w.put(0, 1)
		w.put(1, 1)
		w.put(0, 8)
	}
	// Alpha: a.
	w.put(1, 1)
	w.put(0, 1)
	w.put(1, 1)
	w.put(uint64(a), 8)
	// Distance: one 1-bit symbol, 0.
	w.put(1, 1)
	w.put(0, 1)
	w.put(0, 1)
	w.put(0, 1)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if m.GrayAt(x, y).Y > 128 {
				w.put(1, 1)
			} else {
				w.put(0, 1)
			}
		}
	}
	return w.bytes()
}

// riffChunk makes a RIFF chunk, padded to even length.
func riffChunk(typ string, data []byte) []byte {
	b := append([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpFile wraps chunks in a RIFF WEBP header.
func webpFile(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	b = append(b, "WEBP"...)
	return append(b, body...)
}

// vp8x makes a VP8X chunk for a w×h canvas with the given flags.
func vp8x(flags byte, w, h int) []byte {
	d := []byte{flags, 0, 0, 0}
	d = append(d, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	d = append(d, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riffChunk("VP8X", d)
}
