package mapstyle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
)

// iconSize is an icon's side in CSS pixels; the @2x sprite draws it at
// twice that.
const iconSize = 16

// icon draws one pictogram: ink reports how much of the point (x, y) — in
// units of the icon's side, 0–1 — is covered by the shape, and col its
// colour there.
type icon struct {
	name string
	ink  func(x, y float64) (col color.NRGBA, on bool)
}

// icons are the sprite's pictograms: a park's tree, and the waste points'
// kinds, each a white sign on a disc of its colour.
var icons = []icon{
	{"park", disc(color.NRGBA{0x2e, 0x7d, 0x32, 0xff}, func(x, y float64) bool {
		return inCircle(x, y, 0.5, 0.42, 0.22) || inRect(x, y, 0.45, 0.55, 0.5, 0.8)
	})},
	{"waste-collection_point", disc(color.NRGBA{0x6d, 0x4c, 0x41, 0xff}, func(x, y float64) bool { // a bin with its lid
		return inRect(x, y, 0.3, 0.7, 0.26, 0.33) || inRect(x, y, 0.34, 0.66, 0.37, 0.76)
	})},
	{"waste-litter_bin", disc(color.NRGBA{0x8d, 0x6e, 0x63, 0xff}, func(x, y float64) bool { // a small bin
		return inRect(x, y, 0.38, 0.62, 0.36, 0.42) || inRect(x, y, 0.4, 0.6, 0.45, 0.7)
	})},
	{"waste-recycling", disc(color.NRGBA{0x1e, 0x88, 0xe5, 0xff}, func(x, y float64) bool { // a triangle
		return inTriangle(x, y, [3][2]float64{{0.5, 0.24}, {0.76, 0.72}, {0.24, 0.72}}) &&
			!inTriangle(x, y, [3][2]float64{{0.5, 0.4}, {0.63, 0.64}, {0.37, 0.64}})
	})},
	{"waste-toilet", disc(color.NRGBA{0x00, 0x89, 0x7b, 0xff}, func(x, y float64) bool { // two figures
		return inCircle(x, y, 0.38, 0.3, 0.07) || inRect(x, y, 0.32, 0.44, 0.4, 0.74) ||
			inCircle(x, y, 0.62, 0.3, 0.07) || inTriangle(x, y, [3][2]float64{{0.62, 0.4}, {0.72, 0.74}, {0.52, 0.74}})
	})},
	{"waste-transfer_station", disc(color.NRGBA{0x45, 0x5a, 0x64, 0xff}, func(x, y float64) bool { // a truck
		return inRect(x, y, 0.22, 0.58, 0.35, 0.62) || inRect(x, y, 0.6, 0.78, 0.45, 0.62) ||
			inCircle(x, y, 0.34, 0.68, 0.07) || inCircle(x, y, 0.68, 0.68, 0.07)
	})},
}

// disc is a pictogram: the sign in white on a disc of colour bg with a
// white rim.
func disc(bg color.NRGBA, sign func(x, y float64) bool) func(x, y float64) (color.NRGBA, bool) {
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	return func(x, y float64) (color.NRGBA, bool) {
		switch {
		case !inCircle(x, y, 0.5, 0.5, 0.5):
			return color.NRGBA{}, false
		case !inCircle(x, y, 0.5, 0.5, 0.42):
			return white, true
		case sign(x, y):
			return white, true
		}
		return bg, true
	}
}

func inCircle(x, y, cx, cy, r float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
func inRect(x, y, x0, x1, y0, y1 float64) bool {
	return x >= x0 && x <= x1 && y >= y0 && y <= y1
}
func inTriangle(x, y float64, t [3][2]float64) bool {
	side := func(a, b [2]float64) float64 { return (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0]) }
	d1, d2, d3 := side(t[0], t[1]), side(t[1], t[2]), side(t[2], t[0])
	return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}

// Sprite is a sprite sheet at one pixel ratio: its index (MapLibre sprite
// JSON) and image, with ETags.
type Sprite struct {
	JSON, PNG       []byte
	JSONTag, PNGTag string
	Ratio           int
	Names           []string
}

// spriteEntry is an icon's place in the sheet (MapLibre's sprite index).
type spriteEntry struct {
	X          int `json:"x"`
	Y          int `json:"y"`
	Width      int `json:"width"`
	Height     int `json:"height"`
	PixelRatio int `json:"pixelRatio"`
}

// drawSprite draws the icons side by side at ratio (1 or 2), each pixel
// the average of 4×4 samples so that edges are smooth.
func drawSprite(ratio int) (*Sprite, error) {
	side := iconSize * ratio
	img := image.NewNRGBA(image.Rect(0, 0, side*len(icons), side))
	index := map[string]spriteEntry{}
	const ss = 4
	for i, ic := range icons {
		for py := 0; py < side; py++ {
			for px := 0; px < side; px++ {
				var r, g, b, a float64
				for sy := 0; sy < ss; sy++ {
					for sx := 0; sx < ss; sx++ {
						x := (float64(px) + (float64(sx)+0.5)/ss) / float64(side)
						y := (float64(py) + (float64(sy)+0.5)/ss) / float64(side)
						if c, on := ic.ink(x, y); on {
							r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+1
						}
					}
				}
				if a == 0 {
					continue
				}
				img.SetNRGBA(i*side+px, py, color.NRGBA{uint8(math.Round(r / a)), uint8(math.Round(g / a)), uint8(math.Round(b / a)), uint8(math.Round(255 * a / ss / ss))})
			}
		}
		index[ic.name] = spriteEntry{X: i * side, Y: 0, Width: side, Height: side, PixelRatio: ratio}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, err
	}
	js, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	sp := &Sprite{JSON: js, PNG: buf.Bytes(), JSONTag: etag(js), PNGTag: etag(buf.Bytes()), Ratio: ratio}
	for n := range index {
		sp.Names = append(sp.Names, n)
	}
	sort.Strings(sp.Names)
	return sp, nil
}

func etag(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf(`"%016x"`, h.Sum64())
}
