package tiles

import (
	"cmp"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// rectClipper clips polygons (tile units) to an axis-aligned box, in Go
// and into buffers it reuses: what GEOS's ClipByRect does for polygons (a
// polygon that falls into separate pieces keeps them as separate parts,
// with no slivers along the box's edge), by the same method — the parts of
// each ring inside the box are cut out, then joined along the box's
// boundary.
//
// Rings are wound first so that the polygon's inside lies to their left
// (exterior positive, holes negative, by the shoelace sum), as it lies to
// the left of the box's own boundary walked in its positive direction
// (x0,y0) → (x1,y0) → (x1,y1) → (x0,y1). A piece of a ring leaves the box at
// a point of its boundary; the clipped polygon's boundary then follows the
// box's boundary in that direction to the nearest point where a piece
// enters, and goes on along that piece, until it comes back to the piece
// it began with. Rings wholly inside the box are kept as they are; a box
// wholly inside the exterior (and clear of the holes) is a part itself.
type rectClipper struct {
	box       orb.Bound
	perimeter float64

	ring   []orb.Point // a ring, wound as wanted
	pts    []orb.Point // pieces' points, back to back
	pieces []rectPiece
	holes  []int       // ends in holePt of the holes wholly inside the box
	holePt []orb.Point // those holes' points, back to back

	extInside  bool // the exterior lies wholly inside the box
	boxInside  bool // the box lies wholly inside the exterior
	boxInHole  bool // the box lies wholly inside a hole
	extIgnored bool // the exterior is degenerate: no polygon

	// The result: the parts' rings in out (exteriors first, then holes),
	// rings where each ring lies in out, part by part, parts the end of
	// each part in rings.
	out    []orb.Point
	exts   []span
	rings  []span
	parts  []int
	placed []bool

	byIn []int // the pieces in order of where they enter
}

// rectPiece is part of a ring inside the box, from where it enters the
// box's boundary to where it leaves it (as distances along the boundary).
type rectPiece struct {
	start, end int // its points in pts
	in, out    float64
	used       bool
}

// reset starts a polygon clipped to box.
func (c *rectClipper) reset(box orb.Bound) {
	c.box = box
	c.perimeter = 2 * (box.Max[0] - box.Min[0] + box.Max[1] - box.Min[1])
	c.pts, c.pieces, c.holes, c.holePt = c.pts[:0], c.pieces[:0], c.holes[:0], c.holePt[:0]
	c.extInside, c.boxInside, c.boxInHole, c.extIgnored = false, false, false, false
	c.out, c.exts, c.rings, c.parts = c.out[:0], c.exts[:0], c.rings[:0], c.parts[:0]
}

// clip clips polygon p (tile units) to box; the parts are then read with
// numParts and part — none when nothing is left, or when the exterior lies
// wholly inside the box (extInside: the polygon is kept as it is).
func (c *rectClipper) clip(box orb.Bound, p []orb.Ring) {
	c.reset(box)
	for i, r := range p {
		c.addRing(r, i == 0)
		if c.extIgnored {
			return
		}
	}
	c.join()
}

// addRing takes in ring r, the exterior or a hole.
func (c *rectClipper) addRing(r orb.Ring, exterior bool) {
	n := len(r) - 1 // r is closed: r[n] == r[0]
	if n < 3 {
		c.extIgnored = c.extIgnored || exterior
		return
	}
	area := 0.0
	for i := 0; i < n; i++ {
		area += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if area == 0 {
		c.extIgnored = c.extIgnored || exterior
		return
	}
	c.ring = c.ring[:0]
	if (area > 0) == exterior {
		c.ring = append(c.ring, r[:n]...)
	} else {
		for i := n; i > 0; i-- {
			c.ring = append(c.ring, r[i])
		}
	}
	ring := c.ring
	// Start the walk at a vertex outside the box, so that every piece is
	// whole when the walk ends.
	s := -1
	for i, q := range ring {
		if !c.box.Contains(q) {
			s = i
			break
		}
	}
	if s < 0 { // wholly inside (or on the edge)
		if exterior {
			c.extInside = true
			return
		}
		c.holePt = append(append(c.holePt, ring...), ring[0])
		c.holes = append(c.holes, len(c.holePt))
		return
	}
	before := len(c.pieces)
	open := false
	var cur rectPiece
	for k := 0; k < n; k++ {
		a, b := ring[(s+k)%n], ring[(s+k+1)%n]
		t0, t1, e0, e1, ok := c.segment(a, b)
		if !ok {
			continue
		}
		if !open {
			open = true
			p := c.onSide(lerp(a, b, t0), e0)
			cur = rectPiece{start: len(c.pts), in: c.along(p)}
			c.pts = append(c.pts, p)
		}
		if t1 < 1 { // leaves the box
			p := c.onSide(lerp(a, b, t1), e1)
			c.pts = append(c.pts, p)
			cur.end, cur.out = len(c.pts), c.along(p)
			open = false
			if c.inner(c.pts[cur.start:cur.end]) {
				c.pieces = append(c.pieces, cur)
			} else {
				c.pts = c.pts[:cur.start]
			}
			continue
		}
		c.pts = append(c.pts, b)
	}
	if len(c.pieces) > before {
		return
	}
	// No piece: the ring and the box are clear of each other's boundary,
	// so the box is wholly inside the ring or wholly outside it.
	if planar.RingContains(r, c.box.Center()) {
		if exterior {
			c.boxInside = true
		} else {
			c.boxInHole = true
		}
	} else if exterior {
		c.extIgnored = true // the box is clear of the polygon
	}
}

// inner reports whether a piece has a point off the box's boundary: a
// piece wholly on it only touches the box, and bounds nothing inside.
func (c *rectClipper) inner(ps []orb.Point) bool {
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		if c.strictlyInside(a) || c.strictlyInside(m) {
			return true
		}
	}
	return false
}

func (c *rectClipper) strictlyInside(p orb.Point) bool {
	return p[0] > c.box.Min[0] && p[0] < c.box.Max[0] && p[1] > c.box.Min[1] && p[1] < c.box.Max[1]
}

// segment clips segment a→b to the box (Liang–Barsky): the part inside
// runs from a+t0·(b−a) to a+t1·(b−a), entering across side e0 and leaving
// across side e1 (0 left, 1 right, 2 bottom, 3 top; −1 where the segment
// ends inside); false when no part is inside.
func (c *rectClipper) segment(a, b orb.Point) (t0, t1 float64, e0, e1 int, ok bool) {
	t0, t1, e0, e1 = 0, 1, -1, -1
	dx, dy := b[0]-a[0], b[1]-a[1]
	for side, pq := range [4][2]float64{
		{-dx, a[0] - c.box.Min[0]},
		{dx, c.box.Max[0] - a[0]},
		{-dy, a[1] - c.box.Min[1]},
		{dy, c.box.Max[1] - a[1]},
	} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, 0, 0, false
			}
			if r > t0 {
				t0, e0 = r, side
			}
		} else {
			if r < t0 {
				return 0, 0, 0, 0, false
			}
			if r < t1 {
				t1, e1 = r, side
			}
		}
	}
	return t0, t1, e0, e1, true
}

func lerp(a, b orb.Point, t float64) orb.Point {
	switch t {
	case 0:
		return a
	case 1:
		return b
	}
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// onSide puts p exactly on side e of the box (and within the box: a
// crossing computed in floating point may stray by a rounding error).
func (c *rectClipper) onSide(p orb.Point, e int) orb.Point {
	switch e {
	case 0:
		p[0] = c.box.Min[0]
	case 1:
		p[0] = c.box.Max[0]
	case 2:
		p[1] = c.box.Min[1]
	case 3:
		p[1] = c.box.Max[1]
	}
	p[0] = min(max(p[0], c.box.Min[0]), c.box.Max[0])
	p[1] = min(max(p[1], c.box.Min[1]), c.box.Max[1])
	return p
}

// along is the distance of p (on the box's boundary) from (x0,y0), walking
// the boundary in its positive direction.
func (c *rectClipper) along(p orb.Point) float64 {
	b := c.box
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	switch {
	case p[1] == b.Min[1]:
		return p[0] - b.Min[0]
	case p[0] == b.Max[0]:
		return w + p[1] - b.Min[1]
	case p[1] == b.Max[1]:
		return w + h + b.Max[0] - p[0]
	}
	return 2*w + h + b.Max[1] - p[1]
}

// corner returns the box's corner i (0–3) and its distance along the
// boundary.
func (c *rectClipper) corner(i int) (orb.Point, float64) {
	b := c.box
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	switch i {
	case 0:
		return b.Min, 0
	case 1:
		return orb.Point{b.Max[0], b.Min[1]}, w
	case 2:
		return b.Max, w + h
	}
	return orb.Point{b.Min[0], b.Max[1]}, 2*w + h
}

// join builds the parts from the pieces, the rings inside the box and the
// box itself.
func (c *rectClipper) join() {
	if c.extIgnored || c.boxInHole || c.extInside {
		// Nothing is left, or the exterior (with its holes) is inside the
		// box and the caller keeps the polygon as it is.
		return
	}
	if len(c.pieces) == 0 {
		if c.boxInside { // the box, with the holes inside it
			b := c.box
			start := len(c.out)
			c.out = append(c.out, b.Min, orb.Point{b.Max[0], b.Min[1]}, b.Max, orb.Point{b.Min[0], b.Max[1]}, b.Min)
			c.exts = append(c.exts, span{start, len(c.out)})
			c.addParts()
		}
		return
	}
	c.order()
	for i := range c.pieces {
		if c.pieces[i].used {
			continue
		}
		start := len(c.out)
		for p := i; ; {
			pc := &c.pieces[p]
			pc.used = true
			c.out = append(c.out, c.pts[pc.start:pc.end]...)
			next := c.next(pc.out)
			c.walk(pc.out, c.pieces[next].in)
			if next == i || c.pieces[next].used {
				break
			}
			p = next
		}
		c.out = append(c.out, c.out[start])
		c.exts = append(c.exts, span{start, len(c.out)})
	}
	c.addParts()
}

// span is a ring in rectClipper.out.
type span struct{ start, end int }

// addParts makes a part of each exterior in c.exts with the holes inside
// the box that lie in it.
func (c *rectClipper) addParts() {
	c.placed = append(c.placed[:0], make([]bool, len(c.holes))...)
	for _, e := range c.exts {
		ext := orb.Ring(c.out[e.start:e.end])
		c.rings = append(c.rings, e)
		var eb orb.Bound
		if len(c.holes) > 0 {
			eb = ext.Bound()
		}
		hs := 0
		for h, he := range c.holes {
			hole := c.holePt[hs:he]
			hs = he
			if !c.placed[h] && eb.Contains(hole[0]) && planar.RingContains(ext, hole[0]) {
				c.placed[h] = true
				start := len(c.out)
				c.out = append(c.out, hole...)
				c.rings = append(c.rings, span{start, len(c.out)})
			}
		}
		c.parts = append(c.parts, len(c.rings))
	}
}

// order sorts the pieces by where they enter, ties by their index.
func (c *rectClipper) order() {
	c.byIn = c.byIn[:0]
	for i := range c.pieces {
		c.byIn = append(c.byIn, i)
	}
	slices.SortStableFunc(c.byIn, func(a, b int) int { return cmp.Compare(c.pieces[a].in, c.pieces[b].in) })
}

// next returns the piece that enters the box nearest after position t
// along its boundary (at t included), by binary search: a ring crossing
// the edge thousands of times is not quadratic. Between a piece's exit and
// the next entry the boundary lies inside the polygon, so for a valid
// polygon that piece is the ring's first one or one not yet used.
func (c *rectClipper) next(t float64) int {
	n := len(c.byIn)
	k := sort.Search(n, func(k int) bool { return c.pieces[c.byIn[k]].in >= t })
	if k == n { // round the corner at (x0,y0)
		k = 0
	}
	return c.byIn[k]
}

// dist is how far along the box's boundary, in its positive direction,
// position b lies from position a.
func (c *rectClipper) dist(a, b float64) float64 {
	d := b - a
	if d < 0 {
		d += c.perimeter
	}
	return d
}

// walk appends the box's corners passed walking its boundary from
// position from to position to.
func (c *rectClipper) walk(from, to float64) {
	d := c.dist(from, to)
	// The first corner after from, then on round the box.
	k := 0
	for k < 4 {
		if _, t := c.corner(k); t > from {
			break
		}
		k++
	}
	for j := 0; j < 4; j++ {
		q, t := c.corner((k + j) % 4)
		if dk := c.dist(from, t); dk > 0 && dk < d {
			c.out = append(c.out, q)
		} else {
			break
		}
	}
}

// numParts is the number of parts the clip left.
func (c *rectClipper) numParts() int { return len(c.parts) }

// part appends the rings of part i (exterior first), slices of c.out, to
// rs.
func (c *rectClipper) part(i int, rs []orb.Ring) []orb.Ring {
	from := 0
	if i > 0 {
		from = c.parts[i-1]
	}
	for _, r := range c.rings[from:c.parts[i]] {
		rs = append(rs, c.out[r.start:r.end])
	}
	return rs
}
