package network

import (
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// reachTo is the walking distance from p to a park by Reach.To, the API's
// way: the least over the park's access stretches.
func reachTo(t *testing.T, g *Graph, p orb.Point, poly orb.Polygon) float64 {
	t.Helper()
	r, ok := g.Reach(p, 2000)
	if !ok {
		t.Fatalf("%v reaches nothing", p)
	}
	best := math.Inf(1)
	for _, a := range g.AccessPoints(poly, 20, false) {
		best = math.Min(best, r.To(a))
	}
	return best
}

// TestAccessNearestApproachFarAlong: a street runs east along y=0; a
// park's south side slopes from (400, 20) down to (600, 5). The gap at x on
// the street, between those corners, is the distance to the side's line
// y = 20 − 0.075(x − 400): (20 − 0.075(x − 400)) / √(1 + 0.075²). It is 20 m
// at x = 400 − 20(√1.005625 − 1)/0.075 ≈ 399.25, 5 m at x = 600 (the
// corner, straight below it) and, east of it, √((x − 600)² + 5²): 20 m at
// x = 600 + √375 ≈ 619.36. The smallest gap (5 m at x = 600) must not be
// charged at x = 399.25, where a walker from the west arrives.
func TestAccessNearestApproachFarAlong(t *testing.T) {
	g := Build([]*geo.Feature{road(1, true, m(0, 0), m(1000, 0))})
	p := orb.Polygon{{m(400, 20), m(600, 5), m(600, 100), m(400, 100), m(400, 20)}}
	srcs := park(g, p, 20, false)
	west := 400 - 20*(math.Sqrt(1.005625)-1)/0.075
	east := 600 + math.Sqrt(375)
	gapAt := func(x float64) float64 { return (20 - 0.075*(x-400)) / math.Sqrt(1.005625) }
	for _, tc := range []struct {
		name    string
		x, want float64
	}{
		// From the west end: to x = 399.25, then 20 m across (the old
		// answer charged the 5 m gap there: 405).
		{"from x=0", 0, west + 20},
		// On the stretch the walker crosses its own gap: at x = 500,
		// 12.5/1.0028 = 12.47 m (the old answer: 5).
		{"at x=500", 500, gapAt(500)},
		{"at x=600", 600, 5},
		// From the east end: west to x = 619.36, then 20 m across.
		{"from x=1000", 1000, 1000 - east + 20},
	} {
		// Places 10 m south of the street: 10 m more to reach it.
		if d := walk(t, g, srcs, m(tc.x, -10)); !near(d, 10+tc.want, 0.1) {
			t.Errorf("%s: Multi %.2f m, want %.2f", tc.name, d, 10+tc.want)
		}
		if d := reachTo(t, g, m(tc.x, -10), p); !near(d, 10+tc.want, 0.1) {
			t.Errorf("%s: Reach.To %.2f m, want %.2f", tc.name, d, 10+tc.want)
		}
	}
}

// TestAccessNearestApproachMidStretch: a diamond-shaped park's south
// corner is 5 m north of a street at x = 500; its sides rise at 45°. The
// gap is √((x − 500)² + 25) while the corner is nearest (|x − 500| ≤ 5), then
// the distance to a side, (|x − 500| + 5)/√2: 20 m at |x − 500| = 20√2 − 5 ≈
// 23.28. From the street's west end the walk leaves it at x = 476.72, not
// at the corner's projection (which gave 500 + 5 = 505).
func TestAccessNearestApproachMidStretch(t *testing.T) {
	g := Build([]*geo.Feature{road(1, true, m(0, 0), m(1000, 0))})
	p := orb.Polygon{{m(500, 5), m(600, 105), m(500, 205), m(400, 105), m(500, 5)}}
	srcs := park(g, p, 20, false)
	reachAt := 20*math.Sqrt2 - 5
	for _, tc := range []struct {
		name    string
		x, want float64
	}{
		{"from x=0", 0, 500 - reachAt + 20},
		{"at x=490", 490, 15 / math.Sqrt2},
		{"at x=500", 500, 5},
		{"from x=1000", 1000, 500 - reachAt + 20},
	} {
		if d := walk(t, g, srcs, m(tc.x, -10)); !near(d, 10+tc.want, 0.1) {
			t.Errorf("%s: Multi %.2f m, want %.2f", tc.name, d, 10+tc.want)
		}
		if d := reachTo(t, g, m(tc.x, -10), p); !near(d, 10+tc.want, 0.1) {
			t.Errorf("%s: Reach.To %.2f m, want %.2f", tc.name, d, 10+tc.want)
		}
	}
}

// TestAccessBesideThenInto: a path runs east along y=0 beside a park whose
// south side is y=5 (from x=100 to 500), then turns north at x=300 into it
// (crossing at y=5) — one edge. The stretch beside the park counts too:
// it begins where the gap to the corner (100, 5) is 20 m, at x = 100 −
// √(20² − 5²) ≈ 80.64; the old answer only knew the crossing, 305 m along.
// The part inside the park is gap 0.
func TestAccessBesideThenInto(t *testing.T) {
	g := Build([]*geo.Feature{
		road(1, true, m(0, 0), m(300, 0), m(300, 200)),
		road(2, true, m(0, 0), m(0, -500)), // so the corner at (0, 0) is a node
	})
	p := rect(100, 5, 500, 300)
	srcs := park(g, p, 20, false)
	start := 100 - math.Sqrt(375)
	for _, tc := range []struct {
		name string
		at   orb.Point
		want float64
	}{
		// From the south street's far end: 500 north, then east to
		// x = 80.64 and 20 m across.
		{"from (0, −500)", m(-10, -500), 10 + 500 + start + 20},
		// Beside the park: 10 m to the path, 5 m across.
		{"at (150, 0)", m(150, -10), 10 + 5},
		// On the path inside the park.
		{"at (300, 100)", m(310, 100), 10 + 0},
	} {
		if d := walk(t, g, srcs, tc.at); !near(d, tc.want, 0.1) {
			t.Errorf("%s: Multi %.2f m, want %.2f", tc.name, d, tc.want)
		}
		if d := reachTo(t, g, tc.at, p); !near(d, tc.want, 0.1) {
			t.Errorf("%s: Reach.To %.2f m, want %.2f", tc.name, d, tc.want)
		}
	}
}
