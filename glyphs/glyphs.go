// Package glyphs makes and reads the glyph ranges MapLibre GL draws map
// labels with: for a font stack, one protobuf file per 256 code points
// (glyphs.proto of Mapbox's glyph PBF format), each glyph a signed distance
// field at 24 px with its metrics. The ranges are made at build time from a
// font file (cmd: glyphs/mkglyphs) so that labels in any script the font
// covers draw the same in every browser, whatever fonts it has.
package glyphs

import (
	"fmt"
	"strconv"
	"strings"
)

// The glyph format's constants, as MapLibre expects them.
const (
	// Size is the pixel size glyphs are drawn at (MapLibre's ONE_EM).
	Size = 24
	// Buffer is the SDF margin on each side of a glyph's box, in pixels.
	Buffer = 3
	// Radius is how many pixels around the outline the SDF spans.
	Radius = 8.0
	// Cutoff is the share of the byte range outside the outline.
	Cutoff = 0.25
	// RangeSize is the code points per range file.
	RangeSize = 256
	// MaxCodePoint is the last code point a range can hold (MapLibre asks
	// for the Basic Multilingual Plane only).
	MaxCodePoint = 0xFFFF
	// MaxGlyphSide bounds a glyph's width and height in pixels.
	MaxGlyphSide = 4 * Size
)

// Stack is the one font stack greenreach serves: Noto Sans CJK SC Regular
// (Debian's fonts-noto-cjk), under a name no browser has as a local font.
const Stack = "Greenreach Sans Regular"

// Glyph is one glyph of a range: its code point, its SDF bitmap
// ((Width+2·Buffer)×(Height+2·Buffer) bytes; none for an empty glyph) and
// its metrics in pixels at Size. Left is the bearing from the pen to the
// box; Top is the box's top above the baseline minus the font's ascender
// (as node-fontnik writes it).
type Glyph struct {
	ID                 rune
	Bitmap             []byte
	Width, Height      int
	Left, Top, Advance int
}

// RangeName is a range's file name without ".pbf": "start-end".
func RangeName(start rune) string {
	return fmt.Sprintf("%d-%d", start, start+RangeSize-1)
}

// ParseRange reads a range's name ("0-255", "19968-20223"): two decimal
// numbers without signs or leading zeros, the first a multiple of
// RangeSize, the second RangeSize−1 more, within the Basic Multilingual
// Plane. It returns the first code point.
func ParseRange(name string) (rune, error) {
	if len(name) > len("65280-65535") {
		return 0, fmt.Errorf("glyph range name of %d bytes is over the %d of the longest", len(name), len("65280-65535"))
	}
	a, b, ok := strings.Cut(name, "-")
	if !ok {
		return 0, fmt.Errorf("glyph range %q is not start-end", name)
	}
	start, err1 := decimal(a)
	end, err2 := decimal(b)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("glyph range %q is not two decimal numbers", name)
	}
	if start%RangeSize != 0 || end != start+RangeSize-1 || end > MaxCodePoint {
		return 0, fmt.Errorf("glyph range %q is not one of the 256-code-point ranges of 0-%d", name, MaxCodePoint)
	}
	return rune(start), nil
}

// decimal parses digits only: no sign, no leading zero, at most 5 digits.
func decimal(s string) (int, error) {
	if s == "" || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}
