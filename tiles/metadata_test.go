package tiles

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// TestDetailZoom: a layer's maxzoom is the zoom at which a tile unit
// (360°/4096/2^z of longitude on the equator) first fits the shortest
// segment of 95% of its features, never less deep than a metre per unit.
func TestDetailZoom(t *testing.T) {
	unit := func(z int) float64 { return 360.0 / 4096 / float64(int(1)<<z) } // degrees of longitude
	var feats []*geo.Feature
	id := int64(1)
	add := func(layer string, g orb.Geometry) {
		feats = append(feats, &geo.Feature{ID: id, Layer: layer, Geom: g, Props: map[string]any{}})
		id++
	}
	// Roads on the equator: 96 whose shortest segment is 1.5 units of z17
	// (0.75 of z16: too short there), 4 far shorter (z22).
	for i := range 100 {
		x := float64(i) * 0.001
		seg := 1.5 * unit(17)
		if i%25 == 0 {
			seg = unit(22)
		}
		add(geo.Roads, orb.LineString{{x, 0}, {x + 0.0005, 0}, {x + 0.0005 + seg, 0}})
	}
	// Green: squares of 1 km sides — the metre floor (z14 on the equator:
	// 40,075 km/4096/2^13 = 1.19 m, /2^14 = 0.60 m) decides.
	for i := range 10 {
		x := float64(i) * 0.02
		add(geo.Green, orb.Polygon{{{x, 0}, {x + 0.009, 0}, {x + 0.009, 0.009}, {x, 0.009}, {x, 0}}})
	}
	// Waste points 2.5e-6° apart on the equator: 6.9e-9 of the world, a
	// unit at z16 (5.96e-9) but not z15 (1.19e-8).
	for i := range 50 {
		add(geo.Waste, orb.Point{float64(i) * 2.5e-6, 0})
	}
	snap := index.Empty().With(feats, nil)
	for layer, want := range map[string]int{geo.Roads: 17, geo.Green: 14, geo.Waste: 16, geo.Parcels: 0} {
		if got := DetailZoom(snap.Layer(layer)); got != want {
			t.Errorf("%s: DetailZoom %d, want %d", layer, got, want)
		}
	}
	// Far north a metre is more of the world: the floor is shallower.
	north := index.Empty().With([]*geo.Feature{{ID: 1, Layer: geo.Green, Geom: orb.Polygon{{{0, 60}, {0.02, 60}, {0.02, 60.01}, {0, 60.01}, {0, 60}}}, Props: map[string]any{}}}, nil)
	if got := DetailZoom(north.Layer(geo.Green)); got != 13 { // 40,075 km·cos 60°/4096/2^13 = 0.60 m
		t.Errorf("at 60°N: DetailZoom %d, want 13", got)
	}
}

// TestSemver: the TileJSON version is semver and its minor grows with an
// edit of any layer.
func TestSemver(t *testing.T) {
	snap := demoIndex(t)
	v := Semver(snap, Public)
	var sum int64
	for _, l := range Public {
		sum += snap.Layer(l).Version
	}
	if want := fmt.Sprintf("1.%d.0", sum); v != want || !regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$`).MatchString(v) {
		t.Errorf("Semver %q, want %q", v, want)
	}
}

// TestDetailZooms: the memo answers DetailZoom, and anew once the layer
// changes.
func TestDetailZooms(t *testing.T) {
	road := func(id int64, seg float64) *geo.Feature {
		return &geo.Feature{ID: id, Layer: geo.Roads, Geom: orb.LineString{{0, 0}, {seg, 0}}, Props: map[string]any{}}
	}
	a := index.Empty().With([]*geo.Feature{road(1, 0.01)}, nil)
	var d DetailZooms
	if got, want := d.Of(a.Layer(geo.Roads)), DetailZoom(a.Layer(geo.Roads)); got != want || want != 14 {
		t.Errorf("Of %d, DetailZoom %d, want 14", got, want)
	}
	// One road whose segment needs z20: with it the layer's zoom is 20.
	b := a.With([]*geo.Feature{road(2, 360.0/4096/(1<<20))}, nil)
	if got := d.Of(b.Layer(geo.Roads)); got != 20 {
		t.Errorf("after an edit: %d, want 20", got)
	}
}
