package tiles

import (
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	orbclip "github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// geosPool holds GEOS contexts: a context serialises its calls, so each
// goroutine cutting a tile takes its own.
var geosPool = sync.Pool{New: func() any { return geos.NewContext() }}

// cut projects a feature's geometry g (lon/lat, with bound gb) into tile
// units and clips it to the tile and its buffer; nil when nothing is left.
// wide is the tile with twice the buffer, in lon/lat.
//
// A geometry wholly inside is projected as it is. Lines crossing the edge
// are first cut in lon/lat to the wider box, so only the vertices near the
// tile are projected, then clipped exactly in tile units by orb (a line
// leaving and re-entering becomes several). A polygon crossing the edge is
// clipped by GEOS, so one that falls into separate pieces keeps them as
// separate parts (orb's ring clip would join them with slivers along the
// edge).
func cut(g orb.Geometry, gb orb.Bound, p projection, wide orb.Bound) (orb.Geometry, error) {
	b := p.bound(gb)
	if !b.Intersects(clipBound) {
		return nil, nil
	}
	inside := b.Min[0] >= clipBound.Min[0] && b.Min[1] >= clipBound.Min[1] && b.Max[0] <= clipBound.Max[0] && b.Max[1] <= clipBound.Max[1]
	if inside {
		return project(g, p), nil
	}
	switch t := g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return clipPolygonal(project(g, p))
	case orb.LineString: // orb's line clipping leaves its input alone
		if g = orbclip.LineString(wide, t); isEmpty(g) {
			return nil, nil
		}
	case orb.MultiLineString:
		if g = orbclip.MultiLineString(wide, t); isEmpty(g) {
			return nil, nil
		}
	}
	c := orbclip.Geometry(clipBound, project(g, p))
	if c == nil || isEmpty(c) {
		return nil, nil
	}
	return c, nil
}

// onEdge reports whether every point of l lies on one side of clipBound: a
// line running outside that touches the buffer's edge leaves such a piece,
// with nothing of it inside.
func onEdge(l orb.LineString) bool {
	same := func(v func(orb.Point) float64, edge float64) bool {
		for _, p := range l {
			if v(p) != edge {
				return false
			}
		}
		return true
	}
	x := func(p orb.Point) float64 { return p[0] }
	y := func(p orb.Point) float64 { return p[1] }
	return same(x, clipBound.Min[0]) || same(x, clipBound.Max[0]) || same(y, clipBound.Min[1]) || same(y, clipBound.Max[1])
}

func clipPolygonal(g orb.Geometry) (orb.Geometry, error) {
	data, err := wkb.Marshal(g)
	if err != nil {
		return nil, err
	}
	gc := geosPool.Get().(*geos.Context)
	defer geosPool.Put(gc)
	gg, err := gc.NewGeomFromWKB(data)
	if err != nil {
		return nil, fmt.Errorf("to GEOS: %w", err)
	}
	cut := gg.ClipByRect(clipBound.Min[0], clipBound.Min[1], clipBound.Max[0], clipBound.Max[1])
	if cut == nil {
		return nil, fmt.Errorf("GEOS ClipByRect failed")
	}
	if cut.IsEmpty() {
		return nil, nil
	}
	out, err := wkb.Unmarshal(cut.ToWKB())
	if err != nil {
		return nil, fmt.Errorf("from GEOS: %w", err)
	}
	// Keep the polygonal pieces (a clip can also leave lines or points
	// where a polygon only touches the edge).
	var mp orb.MultiPolygon
	var collect func(orb.Geometry)
	collect = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		case orb.Collection:
			for _, c := range g {
				collect(c)
			}
		}
	}
	collect(out)
	switch len(mp) {
	case 0:
		return nil, nil
	case 1:
		return mp[0], nil
	}
	return mp, nil
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case nil:
		return true
	case orb.MultiLineString:
		return len(g) == 0
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	}
	return false
}
