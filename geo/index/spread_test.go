package index

import (
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestSpread: every feature once, and on a 64 × 64 grid of squares handed
// over row by row, each square next after one beside it (the Hilbert
// curve's steps are one cell).
func TestSpread(t *testing.T) {
	const n = 64
	var fs []*geo.Feature
	for r := range n {
		for c := range n {
			x, y := 104+float64(c)*0.001, 30+float64(r)*0.001
			fs = append(fs, &geo.Feature{ID: int64(len(fs) + 1), Geom: orb.Polygon{{{x, y}, {x + 0.0005, y}, {x + 0.0005, y + 0.0005}, {x, y + 0.0005}, {x, y}}}})
		}
	}
	got := spread(fs)
	if len(got) != len(fs) {
		t.Fatalf("spread of %d features has %d positions", len(fs), len(got))
	}
	seen := make([]bool, len(fs))
	for k, i := range got {
		if i < 0 || int(i) >= len(fs) || seen[i] {
			t.Fatalf("position %d out of range or repeated", i)
		}
		seen[i] = true
		if k > 0 {
			p := got[k-1]
			if d := math.Abs(float64(i%n-p%n)) + math.Abs(float64(i/n-p/n)); d != 1 {
				t.Fatalf("step %d: square %d after square %d, %v cells apart", k, i, p, d)
			}
		}
	}
	for _, fs := range [][]*geo.Feature{nil, fs[:1], fs[:2]} {
		if got := spread(fs); len(got) != len(fs) {
			t.Errorf("spread of %d features: %v", len(fs), got)
		}
	}
}
