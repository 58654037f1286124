package tiles

import (
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	orbclip "github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geos"
)

// geosPool holds GEOS contexts: a context serialises its calls, so each
// goroutine cutting a tile takes its own.
var geosPool = sync.Pool{New: func() any { return geos.NewContext() }}

// How a ring lies against clipBound.
const (
	ringInside  = iota // every vertex in the box (or on its edge)
	ringClear          // every edge wholly beyond one side of the box
	ringCrosses        // crosses the box's edge twice, staying near one side or corner
	ringComplex        // anything else
)

// classify says how r lies against box. A ring that crosses the edge
// exactly twice, with every vertex outside beyond one side or one corner's
// two sides, meets the box in one piece, which Sutherland–Hodgman
// clipping finds exactly; rings that cross more often, could cut a corner
// of the box between two outside vertices, or wrap around it are left to
// GEOS (clipping those would join separate pieces with slivers).
func classify(box orb.Bound, r orb.Ring) int {
	crossings, all, in := 0, 0, 0
	prev := bitCode(box, r[len(r)-1])
	for _, p := range r {
		c := bitCode(box, p)
		all |= c
		if c == 0 {
			in++
		}
		switch {
		case (c == 0) != (prev == 0):
			crossings++
		case c != 0 && c&prev == 0: // outside to outside past the box
			return ringComplex
		}
		prev = c
	}
	switch {
	case in == len(r):
		return ringInside
	case in == 0 && crossings == 0:
		return ringClear
	case crossings == 2 && all&3 != 3 && all&12 != 12:
		return ringCrosses
	}
	return ringComplex
}

// clipSimple clips polygons (tile units) to clipBound in Go when every
// ring is simple to clip (see classify) and holes lie wholly inside or
// clear of the box; false: it could not.
func clipSimple(g orb.Geometry) (orb.Geometry, bool) {
	switch t := g.(type) {
	case orb.Polygon:
		p, ok := clipPolygonSimple(t)
		if !ok || p == nil {
			return nil, ok
		}
		return p, true
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range t {
			c, ok := clipPolygonSimple(p)
			if !ok {
				return nil, false
			}
			if c != nil {
				out = append(out, c)
			}
		}
		switch len(out) {
		case 0:
			return nil, true
		case 1:
			return out[0], true
		}
		return out, true
	}
	return nil, false
}

func clipPolygonSimple(p orb.Polygon) (orb.Polygon, bool) {
	if len(p) == 0 || len(p[0]) < 4 {
		return nil, true
	}
	// Classify every ring before clipping any: orb's ring clip uses its
	// input as scratch, and GEOS must get the polygon whole.
	kinds := make([]int, len(p))
	for i, r := range p {
		if len(r) < 4 {
			kinds[i] = ringClear
			continue
		}
		kinds[i] = classify(clipBound, r)
		if kinds[i] == ringComplex || i > 0 && kinds[i] == ringCrosses {
			return nil, false
		}
	}
	centre := clipBound.Center()
	var ext orb.Ring
	switch kinds[0] {
	case ringInside:
		ext = p[0]
	case ringClear: // the box is wholly inside the ring, or clear of it
		if !planar.RingContains(p[0], centre) {
			return nil, true
		}
		b := clipBound
		ext = orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	case ringCrosses:
		if ext = orbclip.Ring(clipBound, p[0]); len(ext) < 4 {
			return nil, true
		}
	}
	out := orb.Polygon{ext}
	for i, h := range p[1:] {
		switch {
		case kinds[i+1] == ringInside:
			out = append(out, h)
		case len(h) >= 4 && planar.RingContains(h, centre): // the box is in the hole
			return nil, true
		}
	}
	return out, true
}

// cut projects a polygonal or multipoint geometry g (lon/lat) that crosses
// the edge of the tile with its buffer into tile units and clips it to
// them; nil when nothing is left. Polygons go to clipPolygonal. (Lines are
// cut by the cutter as it goes; a point the search found is inside.)
func cut(g orb.Geometry, p *projection) (orb.Geometry, error) {
	switch t := g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return clipPolygonal(projectPolygonal(g, p))
	case orb.MultiPoint:
		if mp := orbclip.MultiPoint(clipBound, orb.MultiPoint(p.points(t))); len(mp) > 0 {
			return mp, nil
		}
	}
	return nil, nil
}

// clipLine appends the pieces of the line in that lie in box to out, back
// to back, and the end of each piece to ends. It is mapbox/lineclip's
// algorithm as orb's clip package has it (same pieces, same points),
// writing into buffers the caller reuses instead of new slices.
func clipLine(box orb.Bound, in, out []orb.Point, ends []int) ([]orb.Point, []int) {
	if len(in) == 0 {
		return out, ends
	}
	pieceStart := len(out)
	last := len(in) - 1
	codeA := bitCode(box, in[0])
	for i := 1; i <= last; i++ {
		a, b := in[i-1], in[i]
		codeB := bitCode(box, b)
		endCode := codeB
		for { // every crossing of the segment with the box, e.g. two across a corner
			if codeA|codeB == 0 { // both in the box
				out = append(out, a)
				if codeB != endCode { // the segment leaves the box: the piece ends
					out = append(out, b)
					if i < last {
						ends = append(ends, len(out))
						pieceStart = len(out)
					}
				} else if i == last {
					out = append(out, b)
				}
				break
			} else if codeA&codeB != 0 { // both beyond one side
				break
			} else if codeA != 0 {
				a = intersect(box, codeA, a, b)
				codeA = bitCode(box, a)
			} else {
				b = intersect(box, codeB, a, b)
				codeB = bitCode(box, b)
			}
		}
		codeA = endCode
	}
	if len(out) > pieceStart {
		ends = append(ends, len(out))
	}
	return out, ends
}

// bitCode says where p lies around box: 1 left, 2 right, 4 below, 8 above.
func bitCode(box orb.Bound, p orb.Point) int {
	code := 0
	if p[0] < box.Min[0] {
		code |= 1
	} else if p[0] > box.Max[0] {
		code |= 2
	}
	if p[1] < box.Min[1] {
		code |= 4
	} else if p[1] > box.Max[1] {
		code |= 8
	}
	return code
}

// intersect returns where segment ab crosses the side of box named by edge.
func intersect(box orb.Bound, edge int, a, b orb.Point) orb.Point {
	switch {
	case edge&8 != 0:
		return orb.Point{a[0] + (b[0]-a[0])*(box.Max[1]-a[1])/(b[1]-a[1]), box.Max[1]}
	case edge&4 != 0:
		return orb.Point{a[0] + (b[0]-a[0])*(box.Min[1]-a[1])/(b[1]-a[1]), box.Min[1]}
	case edge&2 != 0:
		return orb.Point{box.Max[0], a[1] + (b[1]-a[1])*(box.Max[0]-a[0])/(b[0]-a[0])}
	default:
		return orb.Point{box.Min[0], a[1] + (b[1]-a[1])*(box.Min[0]-a[0])/(b[0]-a[0])}
	}
}

// onEdge reports whether every point of l lies on one side of clipBound: a
// line running outside that touches the buffer's edge leaves such a piece,
// with nothing of it inside.
func onEdge(l []orb.Point) bool {
	left, right, bottom, top := true, true, true, true
	for _, p := range l {
		left = left && p[0] == clipBound.Min[0]
		right = right && p[0] == clipBound.Max[0]
		bottom = bottom && p[1] == clipBound.Min[1]
		top = top && p[1] == clipBound.Max[1]
	}
	return left || right || bottom || top
}

// clipPolygonal clips polygons (tile units) to clipBound: in Go when
// clipSimple can, else by GEOS ClipByRect, so a polygon that falls into
// separate pieces keeps them as separate parts (orb's ring clip would join
// them with slivers along the edge).
func clipPolygonal(g orb.Geometry) (orb.Geometry, error) {
	if out, ok := clipSimple(g); ok {
		return out, nil
	}
	return clipGEOS(g)
}

// clipGEOS clips polygons (tile units) to clipBound with GEOS ClipByRect.
func clipGEOS(g orb.Geometry) (orb.Geometry, error) {
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
