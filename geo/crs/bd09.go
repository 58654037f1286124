package crs

import (
	"math"

	"github.com/paulmach/orb"
)

// BD-09 is Baidu's offset on top of GCJ-02: a published rotation and
// scaling about a shifted origin. The forward formula is closed; its
// published inverse is approximate (about 1e-6 degree), so BD09ToGCJ02
// refines it by fixed-point iteration against the forward formula.
const bdXPi = math.Pi * 3000 / 180

// GCJ02ToBD09 applies Baidu's offset to a GCJ-02 point.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bd09ToGCJ02Approx is the published inverse formula.
func bd09ToGCJ02Approx(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}

// BD09ToGCJ02 removes Baidu's offset: the GCJ-02 point whose BD-09
// position is p, to within 1e-9 degree.
func BD09ToGCJ02(p orb.Point) orb.Point { return invert(GCJ02ToBD09, p, bd09ToGCJ02Approx(p)) }

// BD09ToWGS84 converts a Baidu position to WGS84 (through GCJ-02).
func BD09ToWGS84(p orb.Point) orb.Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }

// WGS84ToBD09 converts a WGS84 position to Baidu's (through GCJ-02).
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }
