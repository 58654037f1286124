package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// radii returns the meridian (M) and prime-vertical (N) radii of curvature
// of WGS84 at lat: a short north–south step dφ is M·dφ, an east–west one
// N·cosφ·dλ.
func radii(lat float64) (m, n float64) {
	const a, e2 = 6378137, 0.0066943799901413165
	s := math.Sin(lat * math.Pi / 180)
	w := 1 - e2*s*s
	return a * (1 - e2) / (w * math.Sqrt(w)), a / math.Sqrt(w)
}

func TestDistanceTo(t *testing.T) {
	const lat = 30.66
	m, n := radii(lat)
	rad := math.Pi / 180
	ew := func(dlon float64) float64 { return n * math.Cos(lat*rad) * dlon * rad }
	ns := func(dlat float64) float64 { return m * dlat * rad }
	sq := orb.Ring{{104, 30.65}, {104.02, 30.65}, {104.02, 30.67}, {104, 30.67}, {104, 30.65}}
	hole := orb.Ring{{104.005, 30.655}, {104.005, 30.665}, {104.015, 30.665}, {104.015, 30.655}, {104.005, 30.655}}
	tests := []struct {
		name string
		p    orb.Point
		g    orb.Geometry
		want float64
	}{
		{"east of a meridian segment", orb.Point{104.01, lat}, orb.LineString{{104, 30.6}, {104, 30.7}}, ew(0.01)},
		{"west of a meridian segment", orb.Point{103.995, lat}, orb.LineString{{104, 30.6}, {104, 30.7}}, ew(0.005)},
		{"north of the segment's end", orb.Point{104, lat + 0.004}, orb.LineString{{104, 30.6}, {104, lat}}, ns(0.004)},
		{"to a point", orb.Point{104, lat}, orb.Point{104, lat - 0.002}, ns(0.002)},
		{"inside a polygon", orb.Point{104.002, 30.652}, orb.Polygon{sq}, 0},
		{"on the boundary", orb.Point{104, lat}, orb.Polygon{sq}, 0},
		{"in a hole: to its east edge", orb.Point{104.013, lat}, orb.Polygon{sq, hole}, ew(0.002)},
		{"outside, east of the square", orb.Point{104.03, lat}, orb.MultiPolygon{{sq}}, ew(0.01)},
		{"second part of a multipolygon is nearer", orb.Point{104.05, lat}, orb.MultiPolygon{{sq}, {{{104.06, 30.6}, {104.07, 30.6}, {104.07, 30.7}, {104.06, 30.7}, {104.06, 30.6}}}}, ew(0.01)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DistanceTo(tc.p, tc.g)
			if math.Abs(got-tc.want) > 1e-3+tc.want*1e-5 {
				t.Errorf("DistanceTo = %.4f m, want %.4f m", got, tc.want)
			}
		})
	}
}

func TestContains(t *testing.T) {
	sq := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, {{0.4, 0.4}, {0.4, 0.6}, {0.6, 0.6}, {0.6, 0.4}, {0.4, 0.4}}}
	tests := []struct {
		g    orb.Geometry
		p    orb.Point
		want bool
	}{
		{sq, orb.Point{0.2, 0.2}, true},
		{sq, orb.Point{0.5, 0.5}, false}, // in the hole
		{sq, orb.Point{1.5, 0.5}, false},
		{orb.MultiPolygon{sq, {{{2, 2}, {3, 2}, {3, 3}, {2, 3}, {2, 2}}}}, orb.Point{2.5, 2.5}, true},
		{orb.LineString{{0, 0}, {1, 1}}, orb.Point{0.5, 0.5}, false},
	}
	for i, tc := range tests {
		if got := Contains(tc.g, tc.p); got != tc.want {
			t.Errorf("%d: Contains(%v) = %v", i, tc.p, got)
		}
	}
}

// TestRadiusBound: every point at the given geodesic distance, in every
// direction, lies inside the box, at the equator, mid-latitudes and near a
// pole.
func TestRadiusBound(t *testing.T) {
	for _, c := range []orb.Point{{0, 0}, {104.06, 30.66}, {7.42, 43.73}, {20, 84}} {
		for _, m := range []float64{10, 500, 20000} {
			b := RadiusBound(c, m)
			for az := 0.0; az < 360; az += 5 {
				q := destination(c, az, m*0.999999)
				if !b.Contains(q) {
					t.Errorf("centre %v, %g m, azimuth %g: %v outside %v", c, m, az, q, b)
				}
			}
		}
	}
}

// destination steps from p along an azimuth on a sphere, the step length
// corrected geodesically by bisection.
func destination(p orb.Point, az, m float64) orb.Point {
	step := func(f float64) orb.Point {
		const r = 6371008.8
		lat1, lon1, th := p[1]*math.Pi/180, p[0]*math.Pi/180, az*math.Pi/180
		d := f / r
		lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(th))
		lon2 := lon1 + math.Atan2(math.Sin(th)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
		return orb.Point{lon2 * 180 / math.Pi, lat2 * 180 / math.Pi}
	}
	lo, hi := 0.0, 2*m
	for i := 0; i < 60; i++ {
		mid := (lo + hi) / 2
		if Distance(p, step(mid)) < m {
			lo = mid
		} else {
			hi = mid
		}
	}
	return step(lo)
}
