package grid

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

func inside(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] < b.Max[0] && p[1] >= b.Min[1] && p[1] < b.Max[1]
}

// Every point lies in the cell At gives and in none of its eight
// neighbours; the cell is Size × Size metres on the ground.
func TestAtExactlyOneCell(t *testing.T) {
	g, err := New(1000)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		p := orb.Point{rng.Float64()*360 - 180, rng.Float64()*160 - 80}
		if i%3 == 0 { // near Chengdu and Monaco, where the tests' cities are
			p = orb.Point{104 + rng.Float64()*0.2, 30.6 + rng.Float64()*0.2}
		}
		c := g.At(p)
		if !inside(c.Bound, p) {
			t.Fatalf("%v not in its cell %s %v", p, c.Code, c.Bound)
		}
		n := 0
		for dr := -1; dr <= 1; dr++ {
			// the neighbouring row's columns are offset: test all that meet
			w := g.dLon(c.Row + dr)
			col := int(math.Floor(p[0] / w))
			for dc := -1; dc <= 1; dc++ {
				if inside(g.Cell(c.Row+dr, col+dc).Bound, p) {
					n++
				}
			}
		}
		if n != 1 {
			t.Fatalf("%v lies in %d cells", p, n)
		}
	}
	for _, p := range []orb.Point{{104.06, 30.66}, {7.42, 43.73}, {-70.6, -33.4}} {
		c := g.At(p)
		if a := geo.Area(c.Polygon()); math.Abs(a-1e6) > 0.01e6 {
			t.Errorf("cell %s at %v: %.0f m², want 1 km² within 1%%", c.Code, p, a)
		}
	}
}

// A point's code depends on its position and the size only: the same over
// any bound, and equal to what the code parses back to.
func TestCodesStable(t *testing.T) {
	g, _ := New(1000)
	p := orb.Point{104.0651, 30.6598}
	c := g.At(p)
	// Worked by hand: a row is 1000 / 111195.08 = 0.0089932° of latitude,
	// so row floor(30.6598 / 0.0089932) = 3409, whose middle (30.66233°)
	// gives columns 0.0089932° / cos 30.66233° = 0.0104549° wide: column
	// floor(104.0651 / 0.0104549) = 9953.
	if c.Code != "G1000-N3409-E9953" {
		t.Errorf("code %s, want G1000-N3409-E9953", c.Code)
	}
	small, err := g.Cover(orb.Bound{Min: orb.Point{104.06, 30.65}, Max: orb.Point{104.07, 30.67}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	big, err := g.Cover(orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.2, 30.8}}, 10000)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]orb.Bound{}
	for _, c := range big {
		codes[c.Code] = c.Bound
	}
	for _, c := range small {
		if b, ok := codes[c.Code]; !ok || b != c.Bound {
			t.Errorf("cell %s of the small cover is not the same cell in the big one", c.Code)
		}
	}
	for _, c := range append(small, g.At(orb.Point{-0.001, -0.001}), g.At(orb.Point{-120, -40})) {
		g2, c2, err := Parse(c.Code)
		if err != nil || g2.Size() != 1000 || c2 != c {
			t.Errorf("Parse(%s) = %v %v %v", c.Code, g2.Size(), c2, err)
		}
	}
	if c := g.At(orb.Point{-0.001, -0.001}); c.Code != "G1000-S1-W1" {
		t.Errorf("south-west of the origin: %s, want G1000-S1-W1", c.Code)
	}
	if a, b := g.At(orb.Point{1, 1}).ID(), g.At(orb.Point{1.01, 1}).ID(); a == b || a >= 0 {
		t.Errorf("ids %d %d: want distinct and negative", a, b)
	}
}

func TestLimits(t *testing.T) {
	for _, s := range []int{0, 99, 100_001} {
		if _, err := New(s); err == nil || !strings.Contains(err.Error(), "100–100000 m") {
			t.Errorf("New(%d): %v", s, err)
		}
	}
	g, _ := New(100)
	_, err := g.Cover(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}, 1000)
	if err == nil || !strings.Contains(err.Error(), "more than 1000 cells") {
		t.Errorf("Cover: %v", err)
	}
	for _, code := range []string{"", "G1000-N1", "G1000-X1-E1", "G1000-N01-E1", "G1000-S0-E1", "G50-N1-E1", "G1000-N99999999-E1"} {
		if _, _, err := Parse(code); err == nil {
			t.Errorf("Parse(%q) accepted", code)
		}
	}
}
