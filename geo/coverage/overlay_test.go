package coverage

import (
	"math"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geos"
)

// TestConvexClipAreaEqualsGEOS: the part of a polygon within a convex
// radius, clipped in Go, has the area GEOS's intersection gives (cellArea
// of it) to a part in 10⁹ — for random star-shaped parcels with and
// without a hole, each way round, against the 500 m and 300 m ground
// buffers of random squares that cross them, hold them or miss them.
func TestConvexClipAreaEqualsGEOS(t *testing.T) {
	gc := geos.NewContext()
	rng := rand.New(rand.NewSource(11))
	star := func(c orb.Point, r float64, n int) orb.Ring {
		var ring orb.Ring
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			m := r * (0.4 + 0.6*rng.Float64())
			ring = append(ring, at(c[0]+m*math.Cos(a), c[1]+m*math.Sin(a)))
		}
		return append(ring, ring[0])
	}
	reverse := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, len(r))
		for i := range r {
			out[i] = r[len(r)-1-i]
		}
		return out
	}
	crossed, held, missed := 0, 0, 0
	for i := 0; i < 400; i++ {
		c := orb.Point{rng.Float64() * 1200, rng.Float64() * 1200}
		poly := orb.Polygon{star(c, 50+rng.Float64()*250, 5+rng.Intn(40))}
		if i%2 == 1 {
			poly = append(poly, reverse(star(c, 20, 8))) // a hole the other way round
		}
		if i%4 >= 2 {
			for k := range poly {
				poly[k] = reverse(poly[k])
			}
		}
		side := 20 + rng.Float64()*150
		park := square(at(c[0]+(rng.Float64()-0.5)*1400, c[1]+(rng.Float64()-0.5)*1400), side)
		buf, err := groundBuffer(gc, park, []float64{500, 300}[i%2])
		if err != nil {
			t.Fatal(err)
		}
		ring := convexRing(geo.Polygons(buf))
		if ring == nil {
			t.Fatalf("the buffer of a square is not one convex ring")
		}
		pg, err := toGEOS(gc, poly)
		if err != nil {
			t.Fatal(err)
		}
		bg, err := toGEOS(gc, buf)
		if err != nil {
			t.Fatal(err)
		}
		want := overlay{gc: gc}.cellArea(pg.Intersection(bg))
		got := convexClipArea(poly, ring)
		whole := overlay{gc: gc}.cellArea(pg)
		switch {
		case want == 0:
			missed++
		case math.Abs(want-whole) <= 1e-9*whole:
			held++
		default:
			crossed++
		}
		if math.Abs(got-want) > 1e-9*whole {
			t.Errorf("polygon %d: %.9f m² within the radius clipped in Go, GEOS %.9f (of %.3f)", i, got, want, whole)
		}
	}
	t.Logf("%d crossed, %d held, %d missed", crossed, held, missed)
	if crossed < 50 || held == 0 || missed == 0 {
		t.Errorf("%d crossed, %d held, %d missed: the test wants all three", crossed, held, missed)
	}
}
