package geo

import (
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// randomRing is n points drawn at random in a 0.01° square, closed: a
// ring crossing itself about n²/10 times.
func randomRing(rnd *rand.Rand, n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		r = append(r, orb.Point{103.6 + 0.01*rnd.Float64(), 30.45 + 0.01*rnd.Float64()})
	}
	return append(r, r[0])
}

// bruteCrossings compares every pair of segments of a ring: O(n²).
func bruteCrossings(r orb.Ring) int {
	m, k := len(r)-1, 0
	for i := 0; i < m; i++ {
		for j := i + 2; j < m; j++ {
			if i == 0 && j == m-1 {
				continue
			}
			if segmentsNode(r[i], r[i+1], r[j], r[j+1]) {
				k++
			}
		}
	}
	return k
}

// geosCrossings is GEOS's own answer: the ring's linework noded, and the
// points where four pieces end (a crossing splits both segments).
func geosCrossings(t *testing.T, gc *geos.Context, r orb.Ring) int {
	t.Helper()
	b, err := wkb.Marshal(orb.LineString(r))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gc.NewGeomFromWKB(b)
	if err != nil {
		t.Fatal(err)
	}
	noded, err := wkb.Unmarshal(g.Node().ToWKB())
	if err != nil {
		t.Fatal(err)
	}
	ends := map[orb.Point]int{}
	for _, l := range noded.(orb.MultiLineString) {
		ends[l[0]]++
		ends[l[len(l)-1]]++
	}
	k := 0
	for _, c := range ends {
		if c >= 4 {
			k++
		}
	}
	return k
}

// TestCrossingsAgainstGEOS: on random rings the count equals a brute-force
// count and GEOS's noding of the same ring.
func TestCrossingsAgainstGEOS(t *testing.T) {
	gc := geos.NewContext()
	rnd := rand.New(rand.NewSource(16))
	for _, n := range []int{4, 5, 8, 13, 30, 60, 120} {
		for trial := 0; trial < 3; trial++ {
			r := randomRing(rnd, n)
			got, ok := Crossings(orb.MultiPolygon{{r}}, math.MaxInt)
			brute, fromGEOS := bruteCrossings(r), geosCrossings(t, gc, r)
			if !ok || got != brute || got != fromGEOS {
				t.Errorf("%d-vertex random ring: Crossings %d (ok %v), brute force %d, GEOS node %d", n, got, ok, brute, fromGEOS)
			}
		}
	}
}

// TestCrossingsCases: rings meeting each other count too; a vertex of one
// inside another's edge and edges overlapping with vertices apart are
// counted (GEOS must node them); rings meeting only at vertices they both
// have, or sharing an edge vertex for vertex, are not, nor are a ring's
// consecutive segments.
func TestCrossingsCases(t *testing.T) {
	square := func(x0, y0, s float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}
	}
	for _, c := range []struct {
		name string
		mp   orb.MultiPolygon
		want int
	}{
		{"square", orb.MultiPolygon{{square(0, 0, 10)}}, 0},
		{"square with a hole", orb.MultiPolygon{{square(0, 0, 10), square(2, 2, 2)}}, 0},
		{"bow tie", orb.MultiPolygon{{{{0, 0}, {10, 10}, {10, 0}, {0, 10}, {0, 0}}}}, 1},
		{"hole across the shell", orb.MultiPolygon{{square(0, 0, 10), square(8, 2, 4)}}, 2},
		{"hole touching the shell at a vertex", orb.MultiPolygon{{square(0, 0, 10), {{10, 5}, {8, 4}, {8, 6}, {10, 5}}}}, 2},
		{"two squares sharing an edge", orb.MultiPolygon{{square(0, 0, 10)}, {square(10, 0, 10)}}, 0},
		{"two squares sharing part of an edge", orb.MultiPolygon{{square(0, 0, 10)}, {square(10, 5, 10)}}, 3}, // (10,5) inside A's edge; (10,10) inside B's edge, from its two segments
		{"a hole touching the shell at a shared vertex", orb.MultiPolygon{{square(0, 0, 10), {{0, 0}, {2, 1}, {1, 2}, {0, 0}}}}, 0},
		{"a hole sharing edges with the shell vertex for vertex", orb.MultiPolygon{{{{0, 0}, {5, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{0, 0}, {5, 0}, {5, 5}, {0, 0}}}}, 0},
		{"two squares apart", orb.MultiPolygon{{square(0, 0, 10)}, {square(20, 0, 10)}}, 0},
	} {
		if got, ok := Crossings(c.mp, 100); got != c.want || !ok {
			t.Errorf("%s: %d crossings (ok %v), want %d", c.name, got, ok, c.want)
		}
	}
}

// TestCrossingsStopEarly: past the limit the count stops at once, on the
// 500-vertex random ring GEOS takes minutes to repair and on spokes whose
// boxes all overlap without crossing.
func TestCrossingsStopEarly(t *testing.T) {
	r := randomRing(rand.New(rand.NewSource(3)), 500)
	start := time.Now()
	n, ok := Crossings(orb.MultiPolygon{{r}}, 256)
	if ok || n != 257 {
		t.Errorf("500-vertex random ring, limit 256: %d crossings, ok %v; want 257, false", n, ok)
	}
	if brute := bruteCrossings(r); brute <= 256 {
		t.Fatalf("the ring crosses itself only %d times", brute)
	}
	// A star of 10,000 long thin spokes: every box holds the centre.
	var star orb.Ring
	for i := 0; i < 10000; i++ {
		a := 2 * math.Pi * float64(i) / 10000
		rad := 1.0
		if i%2 == 1 {
			rad = 1e-9
		}
		star = append(star, orb.Point{rad * math.Cos(a), rad * math.Sin(a)})
	}
	star = append(star, star[0])
	n, ok = Crossings(orb.MultiPolygon{{star}}, 256)
	if ok {
		t.Errorf("10,000 spokes: counted all (%d crossings) instead of giving up past %d pairs", n, pairBudget(len(star)-1))
	}
	// 200 thin petals through one vertex: no crossing, but 400 edges
	// meeting there, which GEOS takes long to untangle.
	var petals orb.Ring
	for i := 0; i < 200; i++ {
		a := 2 * math.Pi * float64(i) / 200
		petals = append(petals, orb.Point{0, 0}, orb.Point{math.Cos(a), math.Sin(a)}, orb.Point{math.Cos(a + 0.001), math.Sin(a + 0.001)})
	}
	petals = append(petals, orb.Point{0, 0})
	if n, ok := Crossings(orb.MultiPolygon{{petals}}, 256); ok || n != 0 {
		t.Errorf("200 petals through a vertex: %d crossings, ok %v; want 0, false (too many touches)", n, ok)
	}
	if n, ok := Crossings(orb.MultiPolygon{{petals[:3*20+1]}}, 256); !ok || n != 0 {
		t.Errorf("20 petals through a vertex: %d crossings, ok %v; want 0, true", n, ok)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("stopping early took %s", el)
	}
}

// TestFolds: the rtree finds every pair a brute-force comparison does, on
// random lines; a smooth arc has no folds, a sawtooth many.
func TestFolds(t *testing.T) {
	rnd := rand.New(rand.NewSource(7))
	for _, n := range []int{2, 5, 20, 80, 200} {
		l := make(orb.LineString, n)
		for i := range l {
			l[i] = orb.Point{1000 * rnd.Float64(), 1000 * rnd.Float64()}
		}
		at := make([]float64, n)
		for i := 1; i < n; i++ {
			at[i] = at[i-1] + math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
		}
		want := 0
		for i := 0; i+1 < n; i++ {
			for j := i + 1; j+1 < n; j++ {
				if at[j]-at[i+1] > 4*50 && segmentDistance(l[i], l[i+1], l[j], l[j+1]) < 50 {
					want++
				}
			}
		}
		if got, ok := Folds(l, 50, math.MaxInt); got != want || !ok {
			t.Errorf("random %d-vertex line: %d folds (ok %v), brute force %d", n, got, ok, want)
		}
	}
	var arc, saw orb.LineString
	for i := 0; i < 2000; i++ {
		a := float64(i) / 2000 * 6
		arc = append(arc, orb.Point{1000 * math.Cos(a), 1000 * math.Sin(a)})
		saw = append(saw, orb.Point{float64(i) * 0.5, float64(i%2) * 100})
	}
	if n, ok := Folds(arc, 50, 100); n != 0 || !ok {
		t.Errorf("an arc of radius 1 km, width 50 m: %d folds (ok %v)", n, ok)
	}
	// 20,000 vertices 10 cm apart, 100 m wide: counted, no folds; 5 cm
	// apart and 500 m wide, every segment's box holds every other, and the
	// count gives up rather than compare them all.
	var dense orb.LineString
	for i := 0; i < 20000; i++ {
		dense = append(dense, orb.Point{float64(i) * 0.1, 0})
	}
	if n, ok := Folds(dense, 100, 2048); n != 0 || !ok {
		t.Errorf("20,000 vertices 10 cm apart, width 100 m: %d folds (ok %v)", n, ok)
	}
	for i := range dense {
		dense[i][0] /= 2
	}
	start := time.Now()
	if _, ok := Folds(dense, 500, 2048); ok {
		t.Error("20,000 vertices 5 cm apart, width 500 m: all pairs compared")
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("giving up on the dense line took %s", el)
	}
	if n, ok := Folds(saw, 50, 100); n != 101 || ok {
		t.Errorf("a sawtooth, width 50 m, limit 100: %d folds (ok %v), want 101, false", n, ok)
	}
}
