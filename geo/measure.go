package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/geodesic"
)

// Area returns the geodesic area in square metres of a polygonal geometry on
// the WGS84 ellipsoid (Karney's algorithm, as PostGIS ST_Area(geography)).
// Holes are subtracted; ring orientation does not matter.
func Area(g orb.Geometry) float64 {
	switch t := g.(type) {
	case orb.Polygon:
		if len(t) == 0 {
			return 0
		}
		a := ringArea(t[0])
		for _, h := range t[1:] {
			a -= ringArea(h)
		}
		return math.Max(a, 0)
	case orb.MultiPolygon:
		var a float64
		for _, p := range t {
			a += Area(p)
		}
		return a
	case orb.Collection:
		var a float64
		for _, x := range t {
			a += Area(x)
		}
		return a
	}
	return 0
}

func ringArea(r orb.Ring) float64 {
	if len(r) < 4 {
		return 0
	}
	poly := geodesic.WGS84.PolygonInit(false)
	n := len(r)
	if r[0] == r[n-1] {
		n-- // closing point is implicit
	}
	for _, p := range r[:n] {
		poly.AddPoint(p[1], p[0])
	}
	var area float64
	poly.Compute(false, true, &area, nil) // signed: a clockwise ring must not give the rest of the earth
	return math.Abs(area)
}

// Length returns the geodesic length in metres of a lineal geometry (or the
// perimeter of a polygonal one) on the WGS84 ellipsoid.
func Length(g orb.Geometry) float64 {
	switch t := g.(type) {
	case orb.LineString:
		var s float64
		for i := 1; i < len(t); i++ {
			s += Distance(t[i-1], t[i])
		}
		return s
	case orb.Ring:
		return Length(orb.LineString(t))
	case orb.MultiLineString:
		var s float64
		for _, l := range t {
			s += Length(l)
		}
		return s
	case orb.Polygon:
		var s float64
		for _, r := range t {
			s += Length(r)
		}
		return s
	case orb.MultiPolygon:
		var s float64
		for _, p := range t {
			s += Length(p)
		}
		return s
	}
	return 0
}

// Distance returns the geodesic distance in metres between two lon/lat points.
func Distance(a, b orb.Point) float64 {
	var s float64
	geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0], &s, nil, nil)
	return s
}

// Polygons keeps the polygons of a geometry, from collections too (an
// overlay such as GEOS's intersection or clip can leave lines and points
// where shapes touch).
func Polygons(g orb.Geometry) orb.MultiPolygon {
	var mp orb.MultiPolygon
	switch t := g.(type) {
	case orb.Polygon:
		mp = append(mp, t)
	case orb.MultiPolygon:
		mp = append(mp, t...)
	case orb.Collection:
		for _, c := range t {
			mp = append(mp, Polygons(c)...)
		}
	}
	return mp
}

// DegreeScale returns the length in metres of a degree of longitude (kx) and
// of latitude (ky) at latitude lat on the WGS84 ellipsoid (its prime-vertical
// and meridian radii of curvature there): the scales of a local plane.
func DegreeScale(lat float64) (kx, ky float64) {
	const a, e2 = 6378137.0, 6.69437999014e-3
	s := math.Sin(lat * math.Pi / 180)
	w := 1 - e2*s*s
	n := a / math.Sqrt(w)
	mer := a * (1 - e2) / (w * math.Sqrt(w))
	return n * math.Cos(lat*math.Pi/180) * math.Pi / 180, mer * math.Pi / 180
}
