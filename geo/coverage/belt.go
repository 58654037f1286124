package coverage

import (
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// MaxBeltFolds bounds the GEOS buffer of a belt by its input: the places
// where its line comes back within the belt's width of itself (geo.Folds),
// which the buffer's time grows with faster than quadratically.
const MaxBeltFolds = 2048

// Belt returns the polygon of a green belt drawn as a line: width metres
// wide, centred on it, with flat ends. The buffer is computed by GEOS in a
// plane in metres centred on the line; a line folding on itself at more
// than MaxBeltFolds places is refused before GEOS is asked.
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
	if n, ok := geo.Folds(plane, width, MaxBeltFolds); !ok {
		if n > MaxBeltFolds {
			return nil, fmt.Errorf("the line comes back within the belt's width of itself at more than %d places; buffering it is refused: simplify it", MaxBeltFolds)
		}
		return nil, fmt.Errorf("the line's segments lie too close together to count where it folds; buffering it is refused: simplify it")
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
