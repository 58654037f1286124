package network

import (
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Fixtures are laid out in metres east (x) and north (y) of a point in
// Chengdu and turned into lon/lat.
var origin = orb.Point{104.06, 30.66}

func m(x, y float64) orb.Point {
	const ky = 110852.0 // metres per degree of latitude near 30.66°N
	kx := 111319.49 * math.Cos(origin[1]*math.Pi/180) * 1.0009
	return orb.Point{origin[0] + x/kx, origin[1] + y/ky}
}

func road(id int64, walkable bool, pts ...orb.Point) *geo.Feature {
	return &geo.Feature{ID: id, Layer: geo.Roads, Geom: orb.LineString(pts), Props: map[string]any{"walkable": walkable}}
}

func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{m(x0, y0), m(x1, y0), m(x1, y1), m(x0, y1), m(x0, y0)}}
}

func park(g *Graph, p orb.Polygon, gap float64, fenced bool) []Source {
	var out []Source
	for _, a := range g.AccessPoints(p, gap, fenced) {
		out = append(out, a.Source(1))
	}
	return out
}

// walk is the walking distance from the nearest source to where p snaps.
func walk(t *testing.T, g *Graph, srcs []Source, p orb.Point) float64 {
	t.Helper()
	at, acc, ok := g.Snap(p, 1000)
	if !ok {
		t.Fatalf("%v does not snap", p)
	}
	d, _ := g.Multi(srcs, 0).To(at)
	return d + acc
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestBuild(t *testing.T) {
	// A cross of two streets sharing their middle vertex, a motorway
	// crossing without a shared vertex (not walkable), and a stub.
	g := Build([]*geo.Feature{
		road(1, true, m(0, 0), m(500, 0), m(1000, 0)),
		road(2, true, m(500, -500), m(500, 0), m(500, 500)),
		road(3, false, m(0, 100), m(1000, 100)),
		road(4, true, m(2000, 0), m(2050, 0)),
	})
	if len(g.Nodes) != 7 || len(g.Edges) != 5 || g.Components() != 2 {
		t.Fatalf("graph %s, want 7 nodes, 5 edges, 2 components", g)
	}
	for _, e := range g.Edges[:4] {
		if !near(e.Length, 500, 1) {
			t.Errorf("edge %v: %.2f m, want 500", e.Geom, e.Length)
		}
	}
	// The stub is shorter than MinComponent: nothing snaps to it.
	if at, _, ok := g.Snap(m(2025, 5), 100); ok {
		t.Errorf("snapped to the stub: %+v", at)
	}
	if at, d, ok := g.Snap(m(250, 30), 100); !ok || !near(d, 30, 0.5) || !near(at.Offset, 250, 0.5) && !near(at.Offset, 250, 0.5) {
		t.Errorf("snap: %+v %.2f %v", at, d, ok)
	}
}

// TestRiverWithoutBridge: a parcel across a river from a park, 100 m away
// in a straight line, is not covered when no bridge joins the banks.
func TestRiverWithoutBridge(t *testing.T) {
	feats := []*geo.Feature{
		road(1, true, m(0, 100), m(1000, 100)),   // north bank street
		road(2, true, m(0, -100), m(1000, -100)), // south bank street
	}
	g := Build(feats)
	srcs := park(g, rect(400, 110, 600, 300), 20, false)
	// The park's south side runs 10 m from the north street from x=400 to
	// 600; past its corners the gap is √((x−600)² + 10²), 20 m at
	// x = 600 + √300 ≈ 617.32 (and 400 − √300 ≈ 382.68 on the west).
	first, last := srcs[0], srcs[len(srcs)-1]
	if !near(first.At.Offset, 400-math.Sqrt(300), 0.5) || !near(first.Init, 20, 0.01) ||
		!near(last.End, 600+math.Sqrt(300), 0.5) || !near(last.Init+last.Rise, 20, 0.01) {
		t.Fatalf("access stretch from %+v to %+v", first, last)
	}
	if d := walk(t, g, srcs, m(500, -120)); !math.IsInf(d, 1) {
		t.Errorf("south bank parcel: %.1f m, want unreachable", d)
	}
	// From x=800 on the north street (10 m from the parcel) west to where
	// the zone ends and across: 10 + (800 − 617.32) + 20 = 212.68.
	if d, want := walk(t, g, srcs, m(800, 90)), 10+800-(600+math.Sqrt(300))+20; !near(d, want, 1) {
		t.Errorf("north bank parcel: %.1f m, want %.2f", d, want)
	}
	// With a bridge at x=0 it walks round: to the street (20), west (500),
	// over (200), east to where the zone begins (382.68), across it (20).
	g = Build(append(feats, road(3, true, m(0, -100), m(0, 100))))
	srcs = park(g, rect(400, 110, 600, 300), 20, false)
	if d, want := walk(t, g, srcs, m(500, -120)), 20+500+200+400-math.Sqrt(300)+20; !near(d, want, 1.5) {
		t.Errorf("over the bridge: %.1f m, want %.2f", d, want)
	}
}

// TestGate: a fenced park along a street is entered only through its gate,
// where a path crosses the fence; unfenced, the street 5 m away serves it.
func TestGate(t *testing.T) {
	g := Build([]*geo.Feature{
		road(1, true, m(0, 0), m(400, 0), m(1000, 0)),
		road(2, true, m(400, 0), m(400, 50)), // the path through the gate at y=5
	})
	p := rect(0, 5, 1000, 300)
	home := m(900, -20)
	if d := walk(t, g, park(g, p, 20, false), home); !near(d, 20+5, 1) {
		t.Errorf("unfenced: %.1f m, want 25", d)
	}
	if d := walk(t, g, park(g, p, 20, true), home); !near(d, 20+500+5, 1) {
		t.Errorf("fenced: %.1f m, want 525 (through the gate)", d)
	}
}

// TestPartlyReachedEdge: on a long edge, a place between a park's access
// point and the far node is reached along the edge, not only via nodes —
// pgRouting's drivingDistance would drop the partial edge.
func TestPartlyReachedEdge(t *testing.T) {
	g := Build([]*geo.Feature{road(1, true, m(0, 0), m(2000, 0))})
	srcs := park(g, rect(90, 10, 110, 60), 20, false)
	d := g.Multi(srcs, 500)
	// The park's south edge runs 10 m from the road from x=90 to x=110;
	// beyond its corners the gap grows to 20 m at x = 110 + √300 (and
	// 90 − √300), where a walker from farther along steps off: from x=300,
	// 300 − 127.32 + 20 = 192.68.
	r := math.Sqrt(300)
	for _, tc := range []struct{ x, want float64 }{{100, 10}, {300, 300 - 110 - r + 20}, {580, 580 - 110 - r + 20}, {650, math.Inf(1)}, {0, 90 - r + 20}} {
		at, _, _ := g.Snap(m(tc.x, 0), 10)
		got, label := d.To(at)
		if !near(got, tc.want, 0.5) && !(math.IsInf(got, 1) && math.IsInf(tc.want, 1)) {
			t.Errorf("x=%g: %.2f m, want %.2f", tc.x, got, tc.want)
		}
		if !math.IsInf(got, 1) && label != 1 {
			t.Errorf("x=%g: label %d", tc.x, label)
		}
	}
}

func TestInside(t *testing.T) {
	// A U shape: its centroid lies in the notch.
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	if p := Inside(u); !geo.Contains(u, p) {
		t.Errorf("Inside(U) = %v, outside", p)
	}
	sq := orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}
	if p := Inside(sq); p != (orb.Point{1, 1}) {
		t.Errorf("Inside(square) = %v", p)
	}
}

// TestReach: from the middle of a cross of streets, a 500 m walk covers
// 500 m along each arm (less the 20 m from the origin to the street), and
// the polygon around it is that cross buffered, not a hull.
func TestReach(t *testing.T) {
	g := Build([]*geo.Feature{
		road(1, true, m(-1000, 0), m(0, 0), m(1000, 0)),
		road(2, true, m(0, -1000), m(0, 0), m(0, 1000)),
	})
	r, ok := g.Reach(m(100, 20), 500)
	if !ok {
		t.Fatal("no reach")
	}
	total := 0.0
	for _, s := range r.Stretches {
		total += s.End - s.Start
	}
	// 480 m left after reaching the street at x=100: east to x=580,
	// west to the crossing (100) then 380 m along each of three arms.
	if want := 480.0 + 100 + 3*380; !near(total, want, 1) {
		t.Errorf("walked %.1f m of street, want %.1f (%+v)", total, want, r.Stretches)
	}
	poly, err := r.Polygon(25)
	if err != nil {
		t.Fatal(err)
	}
	area := geo.Area(poly)
	// Four arms 50 m wide: about 50 × (580 + 380·3) plus the round ends.
	if want := 50 * (580.0 + 3*380); area < want*0.95 || area > want*1.1 {
		t.Errorf("reach polygon %.0f m², want ≈ %.0f", area, want)
	}
	// A point between the arms, 300 m from both streets, is outside.
	if geo.Contains(poly, m(300, 300)) || !geo.Contains(poly, m(0, 350)) {
		t.Error("polygon is not the buffered streets")
	}
	if _, ok := g.Reach(m(0, 5000), 500); ok {
		t.Error("a point 4 km from any street reaches something")
	}
}
