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

// ClosestOnLine returns the point of the polyline ps nearest to p, the index
// i of the segment (ps[i-1], ps[i]) it lies on (1 when ps is one point) and
// its fraction t along that segment. The plane is the one of ClosestPoint.
func ClosestOnLine(p orb.Point, ps []orb.Point) (q orb.Point, i int, t float64) {
	return closestScaled(p, ps, math.Cos(p[1]*math.Pi/180)*metresPerDegree, metresPerDegree)
}

// ClosestOnPlane is ClosestOnLine for coordinates already in a plane.
func ClosestOnPlane(p orb.Point, ps []orb.Point) (q orb.Point, i int, t float64) {
	return closestScaled(p, ps, 1, 1)
}

func closestScaled(p orb.Point, ps []orb.Point, kx, ky float64) (q orb.Point, i int, t float64) {
	if len(ps) == 1 {
		return ps[0], 1, 0
	}
	bestD := math.Inf(1)
	for j := 1; j < len(ps); j++ {
		a, b := ps[j-1], ps[j]
		ax, ay := (a[0]-p[0])*kx, (a[1]-p[1])*ky
		dx, dy := (b[0]-a[0])*kx, (b[1]-a[1])*ky
		s := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			s = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
		}
		x, y := ax+s*dx, ay+s*dy
		if d := x*x + y*y; d < bestD {
			bestD, i, t = d, j, s
			q = orb.Point{a[0] + s*(b[0]-a[0]), a[1] + s*(b[1]-a[1])}
		}
	}
	return q, i, t
}

// RadiusBound returns a lon/lat box that holds every point within metres of
// p (geodesically), erring on the large side: a degree of latitude is at
// least 110,574 m, and a degree of longitude at least a·π/180·cos φ
// (111,319.49 m × cos φ) at the band's largest latitude φ.
func RadiusBound(p orb.Point, metres float64) orb.Bound {
	dLat := metres / 110574
	maxLat := math.Min(90, math.Abs(p[1])+dLat)
	c := math.Cos(maxLat * math.Pi / 180)
	dLon := 360.0
	if c > 1e-9 {
		dLon = math.Min(360, metres/(111319*c))
	}
	b := orb.Bound{Min: orb.Point{p[0] - dLon, math.Max(-90, p[1]-dLat)}, Max: orb.Point{p[0] + dLon, math.Min(90, p[1]+dLat)}}
	if dLon >= 180 {
		b.Min[0], b.Max[0] = -180, 180
	}
	return b
}

// PadBound widens b by metres on every side (geodesically), erring on the
// large side as RadiusBound does at its corners.
func PadBound(b orb.Bound, metres float64) orb.Bound {
	return orb.Bound{Min: RadiusBound(b.Min, metres).Min, Max: RadiusBound(b.Max, metres).Max}
}

// ClosestPoint returns the point of g nearest to p. Points inside a polygon
// are their own closest point. The search runs in an equirectangular plane
// centred on p, which is exact at p and within a fraction of a percent over
// the tens of kilometres a city spans.
func ClosestPoint(p orb.Point, g orb.Geometry) orb.Point {
	if Contains(g, p) {
		return p
	}
	return ClosestOnBoundary(p, g)
}

// ClosestOnBoundary is ClosestPoint for a point known to lie outside g's
// polygons (say, outside its bounding box): the nearest point of its
// lines, rings and points.
func ClosestOnBoundary(p orb.Point, g orb.Geometry) orb.Point {
	// Compare candidates in the plane centred on p; measure geodesically
	// once, at the end (DistanceTo).
	kx, ky := math.Cos(p[1]*math.Pi/180)*metresPerDegree, metresPerDegree
	best, bestD := p, math.Inf(1)
	line := func(ls []orb.Point) {
		if len(ls) == 0 {
			return
		}
		q, _, _ := closestScaled(p, ls, kx, ky)
		dx, dy := (q[0]-p[0])*kx, (q[1]-p[1])*ky
		if d := dx*dx + dy*dy; d < bestD {
			best, bestD = q, d
		}
	}
	seg := func(a, _ orb.Point) { line([]orb.Point{a}) }
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
