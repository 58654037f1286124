package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Crossings counts where the rings of mp meet themselves or each other in
// a way GEOS must node to repair the polygon: the pairs of segments that
// cross, or where an end of one lies inside the other. Segments meeting
// only at a vertex both have (consecutive segments, rings touching at a
// shared vertex, edges shared vertex for vertex) add no node and are not
// counted, but many of them (a vertex shared by hundreds of edges) cost
// GEOS too, and past 64×limit of them ok is false. In general position the
// count is the number of self-intersection points, which GEOS MakeValid's
// time grows with.
//
// It stops as soon as it has found more than limit crossings, or has
// compared more pairs of segments whose boxes overlap than the input's
// size allows (pairBudget: for rings whose segments nearly all overlap
// each other's boxes, such as long spokes); ok is then false, and n is
// what it had counted. Its work is thus bounded by the input and limit
// whatever the shape.
func Crossings(mp orb.MultiPolygon, limit int) (n int, ok bool) {
	type seg struct {
		a, b      orb.Point
		ring, idx int32 // the ring it is in and its place there
		last      int32 // the index of its ring's last segment
	}
	var segs []seg
	ring := int32(0)
	for _, p := range mp {
		for _, r := range p {
			m := len(r) - 1 // a closed ring of m segments
			if m < 1 {
				continue
			}
			for i := 0; i < m; i++ {
				segs = append(segs, seg{r[i], r[i+1], ring, int32(i), int32(m - 1)})
			}
			ring++
		}
	}
	var tr rtree.RTreeG[int32]
	box := func(s *seg) (lo, hi [2]float64) {
		return [2]float64{min(s.a[0], s.b[0]), min(s.a[1], s.b[1])}, [2]float64{max(s.a[0], s.b[0]), max(s.a[1], s.b[1])}
	}
	for i := range segs {
		lo, hi := box(&segs[i])
		tr.Insert(lo, hi, int32(i))
	}
	budget := pairBudget(len(segs))
	tests, touches, maxTouches := 0, 0, math.MaxInt
	if limit < math.MaxInt/64 {
		maxTouches = 64 * max(limit, 16)
	}
	ok = true
	for i := range segs {
		s := &segs[i]
		lo, hi := box(s)
		tr.Search(lo, hi, func(_, _ [2]float64, j int32) bool {
			if int(j) <= i {
				return true
			}
			t := &segs[j]
			if t.ring == s.ring && (t.idx == s.idx+1 || (s.idx == 0 && t.idx == s.last)) {
				return true // consecutive: they share a vertex
			}
			tests++
			if segmentsNode(s.a, s.b, t.a, t.b) {
				n++
			} else if s.a == t.a || s.a == t.b || s.b == t.a || s.b == t.b {
				touches++
			}
			ok = n <= limit && tests <= budget && touches <= maxTouches
			return ok
		})
		if !ok {
			return n, false
		}
	}
	return n, true
}

// pairBudget is how many pairs of segments Crossings compares for n
// segments before giving up: a few dozen per segment, as an rtree finds
// for any ordinary polygon, with room for small dense drawings.
func pairBudget(n int) int { return 64*n + 1<<16 }

// segmentsMeet reports whether the closed segments ab and cd share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}

// segmentsNode reports whether the segments ab and cd meet at a point
// that is not a vertex of both: they cross, or an end of one lies inside
// the other.
func segmentsNode(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	inside := func(p, x, y orb.Point) bool { return p != x && p != y && onSegment(x, y, p) }
	return (o1 == 0 && inside(c, a, b)) || (o2 == 0 && inside(d, a, b)) ||
		(o3 == 0 && inside(a, c, d)) || (o4 == 0 && inside(b, c, d))
}

// orient is the sign of the turn a→b→c: positive left, negative right,
// zero when they are in line.
func orient(a, b, c orb.Point) float64 {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p, in line with ab, lies within its box.
func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// Folds counts where a line (in a plane in metres) comes back within
// width of itself: the pairs of its segments less than width apart that
// lie more than 4×width apart along the line — what makes buffering it
// costly, as the offset curves of the two stretches must be noded against
// each other. A line bending no tighter than its width has none. Like
// Crossings it stops, with ok false, past limit or past a budget of
// visited pairs.
func Folds(l orb.LineString, width float64, limit int) (n int, ok bool) {
	if len(l) < 2 {
		return 0, true
	}
	at := make([]float64, len(l)) // distance along the line to each vertex
	for i := 1; i < len(l); i++ {
		at[i] = at[i-1] + math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
	}
	var tr rtree.RTreeG[int32]
	box := func(i int, grow float64) (lo, hi [2]float64) {
		a, b := l[i], l[i+1]
		return [2]float64{min(a[0], b[0]) - grow, min(a[1], b[1]) - grow}, [2]float64{max(a[0], b[0]) + grow, max(a[1], b[1]) + grow}
	}
	for i := 0; i+1 < len(l); i++ {
		lo, hi := box(i, 0)
		tr.Insert(lo, hi, int32(i))
	}
	// Each segment's neighbours along the line within the width are
	// visited too: 16 times the budget of Crossings leaves room for lines
	// with a vertex every few centimetres.
	budget := 16 * pairBudget(len(l)-1)
	tests := 0
	ok = true
	for i := 0; i+1 < len(l) && ok; i++ {
		lo, hi := box(i, width)
		tr.Search(lo, hi, func(_, _ [2]float64, j32 int32) bool {
			j := int(j32)
			if j <= i {
				return true // compared from j's side
			}
			tests++ // near along the line or not: a visit is work
			if at[j]-at[i+1] > 4*width && segmentDistance(l[i], l[i+1], l[j], l[j+1]) < width {
				n++
			}
			ok = n <= limit && tests <= budget
			return ok
		})
	}
	return n, ok
}

// segmentDistance is the least distance between the segments ab and cd.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if segmentsMeet(a, b, c, d) {
		return 0
	}
	return min(pointSegment(a, c, d), pointSegment(b, c, d), pointSegment(c, a, b), pointSegment(d, a, b))
}

func pointSegment(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}
