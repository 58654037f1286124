package crs

import (
	"math"

	"github.com/paulmach/orb"
)

// GCJ-02 ("Mars coordinates") is WGS84 plus a published, deliberately
// irregular offset applied inside China, on the Krasovsky ellipsoid
// constants below. The forward offset is a closed formula; its inverse is
// found by fixed-point iteration to far below a millimetre.
const (
	gcjA  = 6378245.0            // Krasovsky 1940 semi-major axis
	gcjEE = 0.006693421622965943 // its first eccentricity squared
)

// InChina reports whether the GCJ-02 offset applies at a WGS84 point (the
// rectangle every published implementation uses).
func InChina(p orb.Point) bool {
	return p[0] >= 72.004 && p[0] <= 137.8347 && p[1] >= 0.8293 && p[1] <= 55.8271
}

// offset returns the GCJ-02 offset in degrees (dlon, dlat) at a WGS84 point.
func offset(p orb.Point) (float64, float64) {
	x, y := p[0]-105, p[1]-35
	s := func(v float64) float64 { return math.Sin(v * math.Pi) }
	common := (20*s(6*x) + 20*s(2*x)) * 2 / 3
	dLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) +
		common + (20*s(y)+40*s(y/3))*2/3 + (160*s(y/12)+320*s(y/30))*2/3
	dLon := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) +
		common + (20*s(x)+40*s(x/3))*2/3 + (150*s(x/12)+300*s(x/30))*2/3
	lat := p[1] * math.Pi / 180
	w := 1 - gcjEE*math.Sin(lat)*math.Sin(lat)
	dLat = dLat * 180 / (gcjA * (1 - gcjEE) / (w * math.Sqrt(w)) * math.Pi)
	dLon = dLon * 180 / (gcjA / math.Sqrt(w) * math.Cos(lat) * math.Pi)
	return dLon, dLat
}

// WGS84ToGCJ02 applies the GCJ-02 offset.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	dx, dy := offset(p)
	return orb.Point{p[0] + dx, p[1] + dy}
}

// GCJ02ToWGS84 removes the GCJ-02 offset: the WGS84 point whose GCJ-02
// position is p, to within 1e-9 degree.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return invert(WGS84ToGCJ02, p, p)
}

// invert is the point q with f(q) = p, from q = start by fixed-point
// iteration until f(q) is within 1e-10 degree of p (30 steps at most).
func invert(f func(orb.Point) orb.Point, p, start orb.Point) orb.Point {
	q := start
	for i := 0; i < 30; i++ {
		fq := f(q)
		ex, ey := fq[0]-p[0], fq[1]-p[1]
		q = orb.Point{q[0] - ex, q[1] - ey}
		if math.Abs(ex) < 1e-10 && math.Abs(ey) < 1e-10 {
			break
		}
	}
	return q
}
