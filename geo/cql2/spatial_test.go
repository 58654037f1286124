package cql2

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// star is a simple polygon around c (star-shaped, so never
// self-intersecting), with a hole half the time.
func star(r *rand.Rand, c orb.Point, size float64) orb.Polygon {
	n := 3 + r.IntN(12)
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * (float64(i) + r.Float64()*0.8) / float64(n)
		d := size * (0.3 + r.Float64())
		ring = append(ring, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	pg := orb.Polygon{ring}
	if r.IntN(2) == 0 {
		h := size * 0.1
		pg = append(pg, orb.Ring{{c[0] - h, c[1] - h}, {c[0] - h, c[1] + h}, {c[0] + h, c[1] + h}, {c[0] + h, c[1] - h}, {c[0] - h, c[1] - h}})
	}
	return pg
}

func randomGeom(r *rand.Rand) orb.Geometry {
	c := orb.Point{r.Float64() * 10, r.Float64() * 10}
	switch r.IntN(5) {
	case 0:
		return c
	case 1:
		return orb.MultiPoint{c, {r.Float64() * 10, r.Float64() * 10}}
	case 2:
		l := orb.LineString{c}
		for range 1 + r.IntN(5) {
			l = append(l, orb.Point{l[len(l)-1][0] + r.NormFloat64(), l[len(l)-1][1] + r.NormFloat64()})
		}
		return orb.MultiLineString{l}
	case 3:
		return star(r, c, 0.5+2*r.Float64())
	}
	return orb.MultiPolygon{star(r, c, 0.5+r.Float64()), star(r, orb.Point{c[0] + 3, c[1] + 1}, 0.5+r.Float64())}
}

// TestSpatialAgainstGEOS: Intersects and Within agree with GEOS on random
// points, lines and polygons (with holes).
func TestSpatialAgainstGEOS(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gc := geos.NewContext()
	toGEOS := func(g orb.Geometry) *geos.Geom {
		b, err := wkb.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		x, err := gc.NewGeomFromWKB(b)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var hits, withins int
	for i := range 4000 {
		a, b := randomGeom(r), randomGeom(r)
		if i%4 == 0 { // polygons nested in polygons now and then
			c := orb.Point{r.Float64() * 10, r.Float64() * 10}
			a, b = star(r, c, 0.3), star(r, c, 3)
		}
		ga, gb := toGEOS(a), toGEOS(b)
		if !ga.IsValid() || !gb.IsValid() {
			continue // a hole across its ring, parts that overlap
		}
		if got, want := Intersects(a, b), ga.Intersects(gb); got != want {
			t.Errorf("Intersects(%v, %v) = %v, GEOS %v", a, b, got, want)
		}
		if isPolygonal(b) {
			if got, want := Within(a, b), ga.Within(gb); got != want {
				t.Errorf("Within(%v, %v) = %v, GEOS %v", a, b, got, want)
			}
			if ga.Within(gb) {
				withins++
			}
		}
		if ga.Intersects(gb) {
			hits++
		}
	}
	if hits < 400 || withins < 100 {
		t.Errorf("only %d intersecting and %d within pairs: the test is too easy", hits, withins)
	}
}

// TestLike: LIKE against a regular-expression-free reference on patterns
// with %, _ and escapes.
func TestLike(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"Smithson", "Smith%", true}, {"Smith", "Smith%", true}, {"smith", "Smith%", false},
		{"abc", "a_c", true}, {"ac", "a_c", false}, {"a%c", `a\%c`, true}, {"abc", `a\%c`, false},
		{"公园路", "%园%", true}, {"公园", "__", true}, {"公园", "_", false}, {"", "%", true}, {"", "_", false},
		{"brick wall", "%brick", false}, {"red brick", "%brick", true}, {"aaa", "%a%a%a%", true}, {"aa", "%a%a%a%", false},
	} {
		if got := like(c.s, c.p); got != c.want {
			t.Errorf("%q LIKE %q = %v", c.s, c.p, got)
		}
	}
}
