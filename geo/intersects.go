package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// IntersectsBound reports whether g shares a point with the box b, both in
// the same plane (for a bbox query in lon/lat, the plane of the query).
func IntersectsBound(g orb.Geometry, b orb.Bound) bool {
	if !g.Bound().Intersects(b) {
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
	case orb.LineString:
		return pathCrosses(g, b)
	case orb.MultiLineString:
		for _, l := range g {
			if pathCrosses(l, b) {
				return true
			}
		}
	case orb.Ring:
		return polygonMeets(orb.Polygon{g}, b)
	case orb.Polygon:
		return polygonMeets(g, b)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonMeets(p, b) {
				return true
			}
		}
	case orb.Collection:
		for _, c := range g {
			if IntersectsBound(c, b) {
				return true
			}
		}
	case orb.Bound:
		return g.Intersects(b)
	}
	return false
}

// polygonMeets: a ring crosses or lies in b, or the polygon holds all of b.
func polygonMeets(p orb.Polygon, b orb.Bound) bool {
	for _, r := range p {
		if pathCrosses(r, b) {
			return true
		}
	}
	return len(p) > 0 && planar.PolygonContains(p, b.Center())
}

// pathCrosses reports whether any segment (or the lone point) of ps lies
// partly in b.
func pathCrosses(ps []orb.Point, b orb.Bound) bool {
	if len(ps) == 1 {
		return b.Contains(ps[0])
	}
	for i := 1; i < len(ps); i++ {
		if segmentMeets(ps[i-1], ps[i], b) {
			return true
		}
	}
	return false
}

// segmentMeets clips the segment a→b to the box (Liang–Barsky).
func segmentMeets(a, c orb.Point, b orb.Bound) bool {
	dx, dy := c[0]-a[0], c[1]-a[1]
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{
		{-dx, a[0] - b.Min[0]},
		{dx, b.Max[0] - a[0]},
		{-dy, a[1] - b.Min[1]},
		{dy, b.Max[1] - a[1]},
	} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return false
			}
			if r > t0 {
				t0 = r
			}
		} else {
			if r < t0 {
				return false
			}
			if r < t1 {
				t1 = r
			}
		}
	}
	return t0 <= t1
}
