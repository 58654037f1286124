package glyphs

import (
	"fmt"
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Renderer draws one font's glyphs. It is not safe for concurrent use
// (each goroutine makes its own; the font may be shared).
type Renderer struct {
	font     *sfnt.Font
	buf      sfnt.Buffer
	ascender int // the font's ascender in pixels at Size, rounded up
	raster   vector.Rasterizer
}

// ppem is Size as the sfnt package measures it.
const ppem = fixed.Int26_6(Size << 6)

// NewRenderer makes a Renderer of f.
func NewRenderer(f *sfnt.Font) (*Renderer, error) {
	r := &Renderer{font: f}
	m, err := f.Metrics(&r.buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	r.ascender = m.Ascent.Ceil()
	return r, nil
}

// Glyph draws code point c; ok is false when the font has no glyph for it.
func (r *Renderer) Glyph(c rune) (g Glyph, ok bool, err error) {
	x, err := r.font.GlyphIndex(&r.buf, c)
	if err != nil || x == 0 {
		return Glyph{}, false, err
	}
	bounds, _, err := r.font.GlyphBounds(&r.buf, x, ppem, font.HintingNone)
	if err != nil {
		return Glyph{}, false, fmt.Errorf("U+%04X: %w", c, err)
	}
	// The advance from the font's own units: at 24 px in 26.6 fixed point,
	// 11.496 px comes out as 11.5 and would round up.
	upem := fixed.Int26_6(r.font.UnitsPerEm())
	units, err := r.font.GlyphAdvance(&r.buf, x, upem<<6, font.HintingNone)
	if err != nil {
		return Glyph{}, false, fmt.Errorf("U+%04X: %w", c, err)
	}
	g = Glyph{ID: c, Advance: int(math.Round(float64(units>>6) * Size / float64(upem)))}
	// The box in whole pixels; sfnt's y axis points down from the baseline.
	left, right := bounds.Min.X.Floor(), bounds.Max.X.Ceil()
	top, bottom := -bounds.Min.Y.Floor(), bounds.Max.Y.Ceil() // top: pixels above the baseline
	if right <= left || top+bottom <= 0 {
		g.Top = -r.ascender
		return g, true, nil // a space: advance only
	}
	g.Width, g.Height = right-left, top+bottom
	if g.Width > MaxGlyphSide || g.Height > MaxGlyphSide {
		return Glyph{}, false, fmt.Errorf("U+%04X: %d×%d px at %d px is over %d px a side", c, g.Width, g.Height, Size, MaxGlyphSide)
	}
	g.Left, g.Top = left, top-r.ascender
	alpha, err := r.coverage(x, left, top, g.Width+2*Buffer, g.Height+2*Buffer)
	if err != nil {
		return Glyph{}, false, fmt.Errorf("U+%04X: %w", c, err)
	}
	g.Bitmap = sdf(alpha, g.Width+2*Buffer, g.Height+2*Buffer)
	return g, true, nil
}

// coverage rasterizes glyph x into a w×h image whose pixel (Buffer,
// Buffer) is the box's top left corner (left, top above the baseline).
func (r *Renderer) coverage(x sfnt.GlyphIndex, left, top, w, h int) ([]uint8, error) {
	segs, err := r.font.LoadGlyph(&r.buf, x, ppem, nil)
	if err != nil {
		return nil, err
	}
	dx, dy := float32(Buffer-left), float32(Buffer+top)
	p := func(q fixed.Point26_6) (float32, float32) {
		return float32(q.X)/64 + dx, float32(q.Y)/64 + dy
	}
	z := &r.raster
	z.Reset(w, h)
	for _, s := range segs {
		ax, ay := p(s.Args[0])
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			z.ClosePath()
			z.MoveTo(ax, ay)
		case sfnt.SegmentOpLineTo:
			z.LineTo(ax, ay)
		case sfnt.SegmentOpQuadTo:
			bx, by := p(s.Args[1])
			z.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			bx, by := p(s.Args[1])
			cx, cy := p(s.Args[2])
			z.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	z.ClosePath()
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(dst, dst.Bounds(), image.Opaque, image.Point{})
	return dst.Pix, nil
}

// Ascender is the font's ascender in pixels at Size (rounded up), which
// Glyph.Top is measured from.
func (r *Renderer) Ascender() int { return r.ascender }
