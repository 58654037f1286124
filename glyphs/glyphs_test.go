package glyphs

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	for name, want := range map[string]rune{"0-255": 0, "256-511": 256, "19968-20223": 19968, "65280-65535": 65280} {
		if got, err := ParseRange(name); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", name, got, err, want)
		}
	}
	for _, name := range []string{"", "-", "0-", "-255", "0-254", "1-256", "256-255", "65536-65791", "00-255",
		"0-0255", "+0-255", " 0-255", "0-255 ", "0--255", "0-255-511", "0x0-0xff", "٠-٢٥٥", strings.Repeat("1", 12)} {
		if got, err := ParseRange(name); err == nil {
			t.Errorf("%q: accepted as %d", name, got)
		}
	}
}

// TestEncodeDecode: a range with a drawn glyph, a space (no bitmap) and
// negative bearings reads back as written.
func TestEncodeDecode(t *testing.T) {
	in := []Glyph{
		{ID: ' ', Advance: 6, Top: -28},
		{ID: 'A', Bitmap: bytes.Repeat([]byte{7}, (2+2*Buffer)*(3+2*Buffer)), Width: 2, Height: 3, Left: -1, Top: -9, Advance: 14},
	}
	ds, err := Decode(Encode(Stack, 0, in))
	if err != nil || len(ds) != 1 {
		t.Fatalf("%v, %d stacks", err, len(ds))
	}
	d := ds[0]
	if d.Stack != Stack || d.Range != "0-255" || len(d.Glyphs) != 2 {
		t.Fatalf("%+v", d)
	}
	for i, g := range d.Glyphs {
		w := in[i]
		if g.ID != w.ID || !bytes.Equal(g.Bitmap, w.Bitmap) || g.Width != w.Width || g.Height != w.Height || g.Left != w.Left || g.Top != w.Top || g.Advance != w.Advance {
			t.Errorf("glyph %d: %+v, want %+v", i, g, w)
		}
	}
	if d.Glyphs[0].Bitmap != nil {
		t.Error("the space has a bitmap field: MapLibre would reject its size")
	}
}

// TestDecodeRefuses: lengths past the end, bitmaps of the wrong size and
// unknown wire types are errors, not panics or huge allocations.
func TestDecodeRefuses(t *testing.T) {
	good := Encode(Stack, 0, []Glyph{{ID: 'A', Bitmap: make([]byte, 7*7), Width: 1, Height: 1, Advance: 5}})
	for name, b := range map[string][]byte{
		"truncated":       good[:len(good)-3],
		"length past end": {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"wire type 5":     {0x0d, 1, 2, 3, 4},
		"bitmap size":     Encode(Stack, 0, []Glyph{{ID: 'A', Bitmap: make([]byte, 10), Width: 1, Height: 1}}),
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// TestSDF: a 10×10 square of full pixels in a 20×20 field. The values
// follow from the distances between pixel centres: 255·0.75 − 255/8·d,
// d the distance to the nearest pixel of the other side (negative inside),
// clamped to 0–255; a half-covered pixel is on the edge.
func TestSDF(t *testing.T) {
	const n = 20
	alpha := make([]uint8, n*n)
	for y := 5; y < 15; y++ {
		for x := 5; x < 15; x++ {
			alpha[y*n+x] = 255
		}
		alpha[y*n+15] = 128 // a half-covered column on the right
	}
	out := sdf(alpha, n, n)
	want := func(d float64) uint8 { return uint8(math.Round(min(255, max(0, 255*0.75-255/8.0*d)))) }
	for _, c := range []struct {
		x, y int
		d    float64
	}{
		{4, 10, 1}, {2, 10, 3}, {0, 10, 5}, {5, 10, -1}, {7, 10, -3}, {10, 10, -5},
		{3, 3, math.Hypot(2, 2)}, {10, 2, 3}, {10, 17, 3},
	} {
		if got := out[c.y*n+c.x]; got != want(c.d) {
			t.Errorf("(%d,%d): %d, want %d (distance %.2f)", c.x, c.y, got, want(c.d), c.d)
		}
	}
	// The half-covered pixel is ~0 from the edge; a pixel right of it is
	// a whole pixel out.
	if got := out[10*n+15]; got < 190 || got > 192 {
		t.Errorf("half-covered pixel: %d, want 191±1", got)
	}
	if got := out[10*n+16]; got != want(1) {
		t.Errorf("beside the half-covered pixel: %d, want %d", got, want(1))
	}
}
