package coverage

import (
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// Belt returns the polygon of a green belt drawn as a line: width metres
// wide, centred on it, with flat ends. The buffer is computed by GEOS in a
// plane in metres centred on the line.
func Belt(line orb.LineString, width float64) (orb.Geometry, error) {
	if len(line) < 2 || width <= 0 {
		return nil, fmt.Errorf("a belt needs a line of two or more points and a width > 0")
	}
	c := line.Bound().Center()
	kx, ky := math.Cos(c[1]*math.Pi/180)*111195.08, 111195.08
	plane := make(orb.LineString, len(line))
	for i, p := range line {
		plane[i] = orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky}
	}
	data, err := wkb.Marshal(plane)
	if err != nil {
		return nil, err
	}
	gc := geos.NewContext()
	g, err := gc.NewGeomFromWKB(data)
	if err != nil {
		return nil, err
	}
	buf := g.BufferWithStyle(width/2, 8, geos.BufCapStyleFlat, geos.BufJoinStyleRound, 5)
	if buf == nil || buf.IsEmpty() {
		return nil, fmt.Errorf("the belt's buffer is empty")
	}
	out, err := wkb.Unmarshal(buf.ToWKB())
	if err != nil {
		return nil, err
	}
	mp := geo.Polygons(out)
	for _, p := range mp {
		for _, r := range p {
			for i, q := range r {
				r[i] = orb.Point{c[0] + q[0]/kx, c[1] + q[1]/ky}
			}
		}
	}
	if len(mp) == 1 {
		return mp[0], nil
	}
	return mp, nil
}
