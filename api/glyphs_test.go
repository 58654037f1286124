package api

import (
	"compress/gzip"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/glyphs"
	"github.com/greenreach/greenreach/glyphs/ranges"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// notoCJK is the font the ranges are built from (Debian's fonts-noto-cjk).
const notoCJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

// needGlyphs fails under CI (or GREENREACH_REQUIRE_TOOLS) and skips
// otherwise when the font or the built ranges are missing.
func needGlyphs(t *testing.T) {
	t.Helper()
	missing := ""
	if _, err := os.Stat(notoCJK); err != nil {
		missing = notoCJK + " (apt-get install fonts-noto-cjk)"
	} else if !ranges.Built() {
		missing = "glyphs/ranges/data: make assets before the test build"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
		t.Fatalf("required for the glyph tests: %s", missing)
	}
	t.Skipf("missing: %s", missing)
}

func glyphPath(stack, rng string) string {
	return "/fonts/" + url.PathEscape(stack) + "/" + rng + ".pbf"
}

// servedRange asks the service for a range as MapLibre does (gzip) and
// decodes it.
func servedRange(t *testing.T, h http.Handler, start rune) []glyphs.Glyph {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, glyphPath(glyphs.Stack, glyphs.RangeName(start)), nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-protobuf" || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("range %s: %d %v", glyphs.RangeName(start), rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := glyphs.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Stack != glyphs.Stack || ds[0].Range != glyphs.RangeName(start) {
		t.Fatalf("range %s holds %d stacks: %+v", glyphs.RangeName(start), len(ds), ds)
	}
	return ds[0].Glyphs
}

// TestGlyphsServed: the served ranges of 人民公园 and of "Riverside Park"
// decode, and every glyph agrees with the font read independently: its
// advance from the font's units (hmtx) scaled to 24 px, its box from a
// plain rasterization (x/image/font/opentype at 24 px), and the SDF's edge
// (255·0.75) where that rasterization crosses half coverage.
func TestGlyphsServed(t *testing.T) {
	needGlyphs(t)
	s, _, _ := newTestServer(t)
	h := s.Handler()

	data, err := os.ReadFile(notoCJK)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	var f *sfnt.Font
	var buf sfnt.Buffer
	for i := range coll.NumFonts() {
		fi, err := coll.Font(i)
		if err != nil {
			t.Fatal(err)
		}
		if name, _ := fi.Name(&buf, sfnt.NameIDFamily); name == "Noto Sans CJK SC" {
			f = fi
		}
	}
	if f == nil {
		t.Fatal("no Noto Sans CJK SC in " + notoCJK)
	}
	upem := fixed.Int26_6(f.UnitsPerEm())
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: glyphs.Size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	// The ascender Top is measured from, in font units (ppem = units per em).
	m, err := f.Metrics(&buf, upem<<6, font.HintingNone)
	if err != nil {
		t.Fatal(err)
	}
	ascender := ceilDiv(int(m.Ascent>>6)*glyphs.Size, int(upem))

	// Every glyph of the ranges the two names need (Latin, and four of
	// the CJK ranges): each name's characters must be there, and every
	// glyph must agree with the font.
	served := map[rune]glyphs.Glyph{}
	for _, text := range []string{"人民公园", "Riverside Park"} {
		for _, c := range text {
			start := c - c%glyphs.RangeSize
			for _, g := range servedRange(t, h, start) {
				served[g.ID] = g
			}
			if _, ok := served[c]; !ok {
				t.Errorf("%q: no glyph for %q in its range", text, c)
			}
		}
	}
	if len(served) < 900 {
		t.Errorf("%d glyphs in the five ranges", len(served))
	}
	for c, g := range served {
		{
			x, err := f.GlyphIndex(&buf, c)
			if err != nil || x == 0 {
				t.Fatalf("%q is served but not in the font (%v)", c, err)
			}
			units, err := f.GlyphAdvance(&buf, x, upem<<6, font.HintingNone)
			if err != nil {
				t.Fatal(err)
			}
			if want := roundDiv(int(units>>6)*glyphs.Size, int(upem)); g.Advance != want {
				t.Errorf("%q: advance %d px, the font's hmtx says %d", c, g.Advance, want)
			}
			checkBitmap(t, face, ascender, g)
		}
	}
}

// checkBitmap compares a served glyph with the plain rasterization.
func checkBitmap(t *testing.T, face font.Face, ascender int, g glyphs.Glyph) {
	t.Helper()
	dr, mask, mp, _, ok := face.Glyph(fixed.Point26_6{}, g.ID)
	if !ok {
		t.Fatalf("%q: no glyph in the face", g.ID)
	}
	if dr.Empty() { // a space
		if g.Width != 0 || g.Height != 0 || g.Bitmap != nil {
			t.Errorf("%q: %d×%d with %d bytes of bitmap, for no ink", g.ID, g.Width, g.Height, len(g.Bitmap))
		}
		return
	}
	if g.Left != dr.Min.X || g.Top != -dr.Min.Y-ascender || g.Width != dr.Dx() || g.Height != dr.Dy() {
		t.Errorf("%q: box left %d top %d %d×%d; rasterized: left %d top %d (ascender %d) %d×%d",
			g.ID, g.Left, g.Top, g.Width, g.Height, dr.Min.X, -dr.Min.Y-ascender, ascender, dr.Dx(), dr.Dy())
		return
	}
	w, h := g.Width+2*glyphs.Buffer, g.Height+2*glyphs.Buffer
	if len(g.Bitmap) != w*h {
		t.Fatalf("%q: bitmap of %d bytes for %d×%d", g.ID, len(g.Bitmap), w, h)
	}
	const edge = 255 * (1 - glyphs.Cutoff) // 191.25
	inside, wrong := 0, 0
	for y := -glyphs.Buffer; y < g.Height+glyphs.Buffer; y++ {
		for x := -glyphs.Buffer; x < g.Width+glyphs.Buffer; x++ {
			cov := 0
			if p := (image.Point{x, y}).Add(dr.Min); p.In(dr) {
				_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
				cov = int(a >> 8)
			}
			v := float64(g.Bitmap[(y+glyphs.Buffer)*w+x+glyphs.Buffer])
			switch {
			case cov >= 192: // three quarters covered: inside the outline
				inside++
				if v <= edge {
					wrong++
				}
			case cov <= 64: // a quarter or less: outside
				if v >= edge {
					wrong++
				}
			}
		}
	}
	if inside == 0 || wrong != 0 {
		t.Errorf("%q: %d pixels inside, %d on the wrong side of the SDF's edge", g.ID, inside, wrong)
	}
}

func ceilDiv(a, b int) int  { return (a + b - 1) / b }
func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }

// TestGlyphsRefuse: unknown stacks and malformed or out-of-range names are
// 404 problems naming the rule; a range the font has no glyph in is an
// empty range (MapLibre drops a tile's labels when a range fails).
func TestGlyphsRefuse(t *testing.T) {
	needGlyphs(t)
	s, _, _ := newTestServer(t)
	h := s.Handler()
	for _, tc := range []struct{ stack, rng, want string }{
		{"Noto Sans Regular", "0-255", "no font stack"},
		{glyphs.Stack + ",Arial Unicode MS Regular", "0-255", "no font stack"},
		{strings.Repeat("x", 5000), "0-255", "of 5000 bytes"},
		{glyphs.Stack, "0-256", "256-code-point"},
		{glyphs.Stack, "1-256", "256-code-point"},
		{glyphs.Stack, "65536-65791", "256-code-point"},
		{glyphs.Stack, "00-255", "two decimal numbers"},
		{glyphs.Stack, "+0-255", "two decimal numbers"},
		{glyphs.Stack, "-1-254", "two decimal numbers"},
		{glyphs.Stack, "0x0-0xff", "two decimal numbers"},
		{glyphs.Stack, "0_255", "not start-end"},
		{glyphs.Stack, strings.Repeat("9", 40), "over the 11"},
	} {
		rec := get(t, h, glyphPath(tc.stack, tc.rng))
		var p struct{ Status int }
		if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != 404 || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%.40s/%.40s: %d %s, want 404 problem+json saying %q", tc.stack, tc.rng, rec.Code, rec.Body, tc.want)
		}
	}
	// U+E000-U+E0FF (private use): no glyph in the font, an empty range.
	rec := get(t, h, glyphPath(glyphs.Stack, "57344-57599"))
	ds, err := glyphs.Decode(rec.Body.Bytes())
	if rec.Code != 200 || err != nil || len(ds) != 1 || ds[0].Stack != glyphs.Stack || ds[0].Range != "57344-57599" || len(ds[0].Glyphs) != 0 {
		t.Errorf("private use range: %d %+v (%v)", rec.Code, ds, err)
	}
}

// TestGlyphsCaching: a long Cache-Control and an ETag that answers 304;
// a client without gzip gets the same range decompressed.
func TestGlyphsCaching(t *testing.T) {
	needGlyphs(t)
	s, _, _ := newTestServer(t)
	h := s.Handler()
	path := glyphPath(glyphs.Stack, "19968-20223")
	plain := get(t, h, path)
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Header().Get("Cache-Control"), "max-age=2592000") {
		t.Fatalf("%d %v", plain.Code, plain.Header())
	}
	ds, err := glyphs.Decode(plain.Body.Bytes())
	if err != nil || len(ds) != 1 || len(ds[0].Glyphs) < 200 {
		t.Fatalf("decompressed range: %v, %d stacks", err, len(ds))
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	zipped := httptest.NewRecorder()
	h.ServeHTTP(zipped, req)
	if zipped.Header().Get("ETag") == plain.Header().Get("ETag") || zipped.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("the gzip and plain answers share the ETag %s (Vary %q)", plain.Header().Get("ETag"), zipped.Header().Get("Vary"))
	}
	req.Header.Set("If-None-Match", zipped.Header().Get("ETag"))
	again := httptest.NewRecorder()
	h.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", again.Code)
	}
}
