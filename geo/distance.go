package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// metresPerDegree is the length of a degree of latitude on the WGS84
// authalic sphere, used only to find the closest point; the distance itself
// is geodesic.
const metresPerDegree = 6371008.8 * math.Pi / 180

// ClosestPoint returns the point of g nearest to p. Points inside a polygon
// are their own closest point. The search runs in an equirectangular plane
// centred on p, which is exact at p and within a fraction of a percent over
// the tens of kilometres a city spans.
func ClosestPoint(p orb.Point, g orb.Geometry) orb.Point {
	if Contains(g, p) {
		return p
	}
	kx := math.Cos(p[1]*math.Pi/180) * metresPerDegree
	ky := metresPerDegree
	best, bestD := p, math.Inf(1)
	seg := func(a, b orb.Point) {
		ax, ay := (a[0]-p[0])*kx, (a[1]-p[1])*ky
		bx, by := (b[0]-p[0])*kx, (b[1]-p[1])*ky
		dx, dy := bx-ax, by-ay
		t := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
		}
		x, y := ax+t*dx, ay+t*dy
		if d := x*x + y*y; d < bestD {
			bestD = d
			best = orb.Point{p[0] + x/kx, p[1] + y/ky}
		}
	}
	line := func(ls []orb.Point) {
		if len(ls) == 1 {
			seg(ls[0], ls[0])
		}
		for i := 1; i < len(ls); i++ {
			seg(ls[i-1], ls[i])
		}
	}
	var walk func(orb.Geometry)
	walk = func(g orb.Geometry) {
		switch t := g.(type) {
		case orb.Point:
			seg(t, t)
		case orb.MultiPoint:
			line(t)
			for _, q := range t {
				seg(q, q)
			}
		case orb.LineString:
			line(t)
		case orb.MultiLineString:
			for _, l := range t {
				line(l)
			}
		case orb.Ring:
			line(t)
		case orb.Polygon:
			for _, r := range t {
				line(r)
			}
		case orb.MultiPolygon:
			for _, pg := range t {
				walk(pg)
			}
		case orb.Collection:
			for _, c := range t {
				walk(c)
			}
		case orb.Bound:
			walk(t.ToPolygon())
		}
	}
	walk(g)
	return best
}

// DistanceTo returns the geodesic distance in metres from p to the nearest
// point of g: 0 when p lies inside a polygon of g.
func DistanceTo(p orb.Point, g orb.Geometry) float64 {
	return Distance(p, ClosestPoint(p, g))
}

// Contains reports whether polygonal g contains p (on the boundary counts).
// Lines and points contain nothing.
func Contains(g orb.Geometry, p orb.Point) bool {
	switch t := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(t, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(t, p)
	case orb.Collection:
		for _, c := range t {
			if Contains(c, p) {
				return true
			}
		}
	case orb.Bound:
		return t.Contains(p)
	}
	return false
}
