package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestIntersectsBound(t *testing.T) {
	box := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	square := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	for _, c := range []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"point inside", orb.Point{0.5, 0.5}, true},
		{"point on edge", orb.Point{1, 0.5}, true},
		{"point outside", orb.Point{1.5, 0.5}, false},
		{"line through without vertex inside", orb.LineString{{-1, 0.5}, {2, 0.5}}, true},
		{"line passing the corner outside", orb.LineString{{0.5, 2}, {2, 0.5}}, false},
		{"diagonal line whose bound overlaps", orb.LineString{{1.2, -1}, {3, 1}}, false},
		{"line inside", orb.MultiLineString{{{0.2, 0.2}, {0.3, 0.3}}}, true},
		{"polygon holding the box", orb.Polygon{square(-1, -1, 2, 2)}, true},
		{"polygon with the box in its hole", orb.Polygon{square(-1, -1, 2, 2), square(-0.5, -0.5, 1.5, 1.5)}, false},
		{"L-shaped polygon around the box", orb.Polygon{{{-1, -1}, {3, -1}, {3, -0.5}, {-0.5, -0.5}, {-0.5, 3}, {-1, 3}, {-1, -1}}}, false},
		{"polygon overlapping a corner", orb.MultiPolygon{{square(0.9, 0.9, 2, 2)}}, true},
		{"polygon inside", orb.Polygon{square(0.1, 0.1, 0.2, 0.2)}, true},
	} {
		if got := IntersectsBound(c.g, box); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
