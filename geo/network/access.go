package network

import (
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Access is where a walk reaches a polygon (a park): a stretch of an edge
// (At to End metres from its From node; a point where End ≤ At.Offset)
// and the gap between the path and the polygon along it — the metres from
// a point of the path to the polygon's boundary, 0 inside it: Gap at At,
// Gap+Rise at End, and Along(offset) in between (linear when Along is nil).
type Access struct {
	At    Loc
	End   float64
	Gap   float64
	Rise  float64
	Along func(offset float64) float64
}

// Source returns the access as a walk's source with a label.
func (a Access) Source(label int32) Source {
	return Source{At: a.At, End: a.End, Init: a.Gap, Rise: a.Rise, Along: a.Along, Label: label}
}

// gapSampleMax is the first samples' largest spacing (m) along a segment
// when AccessPoints looks for where the gap is within its limit.
const gapSampleMax = 10.0

// AccessPoints returns where walkable edges come within gap metres of
// poly: the stretches of edge inside it or within gap of its boundary (the
// zone), ending where the gap reaches gap, with each point's own gap (0
// inside). A walk to the polygon is the least, over the points of these
// stretches, of the walk to the point plus the point's gap. The gap
// changes by at most a metre a metre along a path, so that least lies at
// an end of a stretch or at the walker's own place on it (see
// Source.cost). With enterOnly (a fenced park) only the crossings of its
// boundary count, at gap 0.
func (g *Graph) AccessPoints(poly orb.Geometry, gap float64, enterOnly bool) []Access {
	return g.accessPoints(poly, gap, enterOnly, false)
}

// accessPoints is AccessPoints, measuring the gap at every sample when
// exact is set.
func (g *Graph) accessPoints(poly orb.Geometry, gap float64, enterOnly, exact bool) []Access {
	var rings []orb.Ring
	switch t := poly.(type) {
	case orb.Polygon:
		rings = append(rings, t...)
	case orb.MultiPolygon:
		for _, p := range t {
			rings = append(rings, p...)
		}
	default:
		return nil
	}
	pb := poly.Bound()
	z := &zoneFinder{g: g, poly: poly, pb: pb, gap: gap, toXY: localPlane(pb.Center()), exact: exact}
	for _, r := range rings {
		for j := 1; j < len(r); j++ {
			a, b := z.toXY(r[j-1]), z.toXY(r[j])
			z.segs = append(z.segs, ringSeg{a, b, orb.Bound{Min: a, Max: a}.Extend(b)})
		}
	}
	search := geo.PadBound(pb, gap)
	var out []Access
	var xy []orb.Point // an edge's vertices in the plane, reused
	g.tree.Search(search.Min, search.Max, func(_, _ [2]float64, ei int32) bool {
		e := &g.Edges[ei]
		if g.CompLength[g.Comp[e.From]] < g.MinComponent {
			return true
		}
		xy = xy[:0]
		for _, p := range e.Geom {
			xy = append(xy, z.toXY(p))
		}
		if enterOnly {
			out = z.crossings(out, ei, xy)
		} else {
			out = z.edge(out, ei, xy)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].At.Edge != out[j].At.Edge {
			return out[i].At.Edge < out[j].At.Edge
		}
		return out[i].At.Offset < out[j].At.Offset
	})
	return out
}

// zoneFinder finds, edge by edge, the stretches within gap metres of a
// polygon (the zone), in a plane in metres centred on it (toXY).
type zoneFinder struct {
	g    *Graph
	poly orb.Geometry
	pb   orb.Bound
	gap  float64
	toXY func(orb.Point) orb.Point
	segs []ringSeg // the polygon's boundary

	// One edge's, reused: the boundary near a segment and near any, the
	// offsets inside the polygon, and the zone's stretches as pairs of
	// ends, the last still growing while open.
	near, edgeNear []ringSeg
	insides        [][2]float64
	runs           []gapAt
	open           bool

	// exact, when set (tests), measures the gap at every sample, without
	// lower bounds to pass over stretches far beyond the zone.
	exact bool
}

// crossings appends the points where edge ei (xy, in the plane) crosses
// the polygon's boundary, at gap 0.
func (z *zoneFinder) crossings(out []Access, ei int32, xy []orb.Point) []Access {
	e := &z.g.Edges[ei]
	for i := 1; i < len(xy); i++ {
		for _, s := range z.segs {
			if t, ok := segmentCross(xy[i-1], xy[i], s.a, s.b); ok {
				off := e.cum[i-1] + t*(e.cum[i]-e.cum[i-1])
				out = append(out, Access{At: Loc{ei, off}, End: off})
			}
		}
	}
	return out
}

// edge appends the zone's stretches along edge ei (xy, in the plane),
// each with the gap at its ends and along it.
func (z *zoneFinder) edge(out []Access, ei int32, xy []orb.Point) []Access {
	z.edgeNear, z.insides, z.runs = z.edgeNear[:0], z.insides[:0], z.runs[:0]
	z.open = false
	for i := 1; i < len(xy); i++ {
		z.segment(ei, i, xy[i-1], xy[i])
	}
	if len(z.runs) == 0 {
		return out
	}
	// The gap at any offset of the edge's stretches: 0 inside, else
	// the distance to the boundary near the edge.
	nearE := append([]ringSeg(nil), z.edgeNear...)
	ins := append([][2]float64(nil), z.insides...)
	along := func(x float64) float64 {
		for _, iv := range ins {
			if x >= iv[0] && x <= iv[1] {
				return 0
			}
		}
		return boundaryDist(z.toXY(z.g.Point(Loc{ei, x})), nearE)
	}
	for k := 0; k+1 < len(z.runs); k += 2 {
		p, q := z.runs[k], z.runs[k+1]
		a := Access{At: Loc{ei, p.off}, End: q.off, Gap: p.gap, Rise: q.gap - p.gap, Along: along}
		if q.off <= p.off {
			a = Access{At: Loc{ei, p.off}, End: p.off, Gap: math.Min(p.gap, q.gap)}
		}
		out = append(out, a)
	}
	return out
}

// segment adds to the zone the parts of segment i of edge ei (from a to b
// in the plane) that lie inside the polygon or within gap of its boundary.
func (z *zoneFinder) segment(ei int32, i int, a, b orb.Point) {
	e := &z.g.Edges[ei]
	gap := z.gap
	sb := orb.Bound{Min: a, Max: a}.Extend(b)
	sb = orb.Bound{Min: orb.Point{sb.Min[0] - gap, sb.Min[1] - gap}, Max: orb.Point{sb.Max[0] + gap, sb.Max[1] + gap}}
	near := z.near[:0]
	for _, s := range z.segs {
		if s.bound.Intersects(sb) && segmentDistance(a, b, s.a, s.b) <= gap {
			near = append(near, s)
		}
	}
	z.near = near
	z.edgeNear = append(z.edgeNear, near...)
	off := func(t float64) float64 { return e.cum[i-1] + t*(e.cum[i]-e.cum[i-1]) }
	inside := func(t0, t1 float64) bool {
		p, q := e.Geom[i-1], e.Geom[i]
		t := (t0 + t1) / 2
		mid := orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
		if !z.pb.Contains(mid) || !geo.Contains(z.poly, mid) {
			return false
		}
		z.insides = append(z.insides, [2]float64{off(t0), off(t1)})
		z.zone(gapAt{off(t0), 0}, gapAt{off(t1), 0})
		return true
	}
	if len(near) == 0 {
		// No boundary within gap: wholly inside, or wholly beyond gap.
		if !inside(0, 1) {
			z.open = false
		}
		return
	}
	// Split the segment where it crosses the boundary; each part is
	// inside (gap 0) or outside (gap measured) throughout.
	ts := []float64{0, 1}
	for _, s := range near {
		if t, ok := segmentCross(a, b, s.a, s.b); ok {
			ts = append(ts, t)
		}
	}
	sort.Float64s(ts)
	dist := func(t float64) float64 {
		return boundaryDist(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, near)
	}
	// A lower bound of dist: the distance to the box of the near
	// boundary, a little less for rounding.
	var lower func(float64) float64
	if !z.exact {
		nb := near[0].bound
		for _, s := range near[1:] {
			nb = nb.Union(s.bound)
		}
		lower = func(t float64) float64 {
			x, y := a[0]+t*(b[0]-a[0]), a[1]+t*(b[1]-a[1])
			dx := math.Max(0, math.Max(nb.Min[0]-x, x-nb.Max[0]))
			dy := math.Max(0, math.Max(nb.Min[1]-y, y-nb.Max[1]))
			return math.Hypot(dx, dy)*(1-1e-9) - 1e-9
		}
	}
	for k := 1; k < len(ts); k++ {
		t0, t1 := ts[k-1], ts[k]
		if t1 <= t0 || inside(t0, t1) {
			continue
		}
		for _, p := range gapProfile(dist, lower, t0, t1, planar.Distance(a, b), gap, feet(a, b, near, t0, t1)) {
			if p.in {
				z.zone(gapAt{off(p.t0), p.g0}, gapAt{off(p.t1), p.g1})
			} else {
				z.open = false
			}
		}
	}
}

// zone adds the stretch p–q to the zone, joining it to the last stretch
// when that is still growing and reaches p.
func (z *zoneFinder) zone(p, q gapAt) {
	if n := len(z.runs); z.open && z.runs[n-1].off >= p.off {
		z.runs[n-1] = q
		return
	}
	z.runs = append(z.runs, p, q)
	z.open = true
}

// localPlane returns a projection to a plane in metres centred on c, with
// the WGS84 ellipsoid's scales there (meridian and prime-vertical radii),
// exact to a part in ten thousand across a city district.
func localPlane(c orb.Point) func(orb.Point) orb.Point {
	kx, ky := geo.DegreeScale(c[1])
	return func(p orb.Point) orb.Point { return orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky} }
}

// ringSeg is a segment of a polygon's boundary in the plane, with its
// bounds.
type ringSeg struct {
	a, b  orb.Point
	bound orb.Bound
}

// boundaryDist is the distance from p to the nearest of segs.
func boundaryDist(p orb.Point, segs []ringSeg) float64 {
	best := math.Inf(1)
	for _, s := range segs {
		best = math.Min(best, pointSegment(p, s.a, s.b))
	}
	return best
}

// segmentDistance is the least distance between segments ab and cd.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if _, ok := segmentCross(a, b, c, d); ok {
		return 0
	}
	return math.Min(math.Min(pointSegment(a, c, d), pointSegment(b, c, d)), math.Min(pointSegment(c, a, b), pointSegment(d, a, b)))
}

func pointSegment(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// gapAt is the gap at an offset of an edge.
type gapAt struct{ off, gap float64 }

// gapPiece is a part of a segment (fractions t0 to t1, gaps g0 and g1 at
// its ends) inside the zone or beyond it; beyond it, g0 and g1 may be
// lower bounds of the gaps.
type gapPiece struct {
	t0, t1, g0, g1 float64
	in             bool
}

// feet returns the fractions, strictly between t0 and t1, of segment ab
// where the boundary's vertices (of segs) project onto it: where the gap
// to a corner is least.
func feet(a, b orb.Point, segs []ringSeg, t0, t1 float64) []float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return nil
	}
	var out []float64
	for _, s := range segs {
		for _, p := range [2]orb.Point{s.a, s.b} {
			if t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l; t > t0 && t < t1 {
				out = append(out, t)
			}
		}
	}
	sort.Float64s(out)
	return out
}

// gapProfile splits fractions t0–t1 of a segment length metres long into
// the parts where the gap dist(t) is within limit (the zone) and beyond
// it: samples at most gapSampleMax apart and at the feet of the boundary's
// corners (ts, sorted), the zone's ends found between samples on either
// side of it, and halves looked at until the gap — which changes by at
// most a metre a metre — cannot cross limit between their ends, or they
// are a metre short (a dip across limit shorter than that is within half
// a metre of it). lower, when not nil, is a lower bound of dist: a
// stretch between two samples whose bounds already put it wholly beyond
// the zone is not measured, and the parts are those of measuring it.
func gapProfile(dist, lower func(float64) float64, t0, t1, length, limit float64, ts []float64) []gapPiece {
	var out []gapPiece
	add := func(ta, tb, ga, gb float64, in bool) {
		if n := len(out); n > 0 && in == out[n-1].in {
			out[n-1].t1, out[n-1].g1 = tb, gb
			return
		}
		out = append(out, gapPiece{ta, tb, ga, gb, in})
	}
	var refine func(ta, tb, ga, gb float64, ina, inb bool, depth int)
	refine = func(ta, tb, ga, gb float64, ina, inb bool, depth int) {
		span := (tb - ta) * length
		if ina != inb {
			// The zone ends in between: find where (regula falsi, Illinois
			// variant, to a millimetre), and follow each side.
			lo, hi, flo, fhi := ta, tb, ga-limit, gb-limit
			side := 0
			for k := 0; k < 60 && (hi-lo)*length > 1e-3; k++ {
				m := (lo*fhi - hi*flo) / (fhi - flo)
				if !(m > lo && m < hi) {
					m = (lo + hi) / 2
				}
				fm := dist(m) - limit
				if (fm <= 0) == ina {
					lo, flo = m, fm
					if side == -1 {
						fhi /= 2
					}
					side = -1
				} else {
					hi, fhi = m, fm
					if side == 1 {
						flo /= 2
					}
					side = 1
				}
			}
			tm := (lo + hi) / 2
			refine(ta, tm, ga, limit, ina, ina, depth+1)
			refine(tm, tb, limit, gb, inb, inb, depth+1)
			return
		}
		settled := (!ina && (ga+gb-span)/2 > limit) || (ina && (ga+gb+span)/2 <= limit)
		if settled || span <= 1 || depth >= 60 {
			add(ta, tb, ga, gb, ina)
			return
		}
		tm := (ta + tb) / 2
		gm := dist(tm)
		inm := gm <= limit
		refine(ta, tm, ga, gm, ina, inm, depth+1)
		refine(tm, tb, gm, gb, inm, inb, depth+1)
	}
	n := int(math.Ceil((t1 - t0) * length / gapSampleMax))
	if n < 1 {
		n = 1
	}
	// The last sample: its gap, or (not exact) a lower bound of it.
	prevT, prevG, exact := t0, 0.0, false
	if lower != nil {
		prevG = lower(t0)
	}
	if lower == nil || prevG <= limit {
		prevG, exact = dist(t0), true
	}
	step := func(t float64) {
		if lower != nil {
			// (ga+gb-span)/2 > limit, with the gaps at most span apart,
			// puts both ends and all between beyond limit: the stretch is
			// settled as refine would settle it, with bounds for gaps.
			lb := lower(t)
			if (prevG+lb-(t-prevT)*length)/2 > limit {
				add(prevT, t, prevG, lb, false)
				prevT, prevG, exact = t, lb, false
				return
			}
			if !exact {
				prevG = dist(prevT)
			}
		}
		gt := dist(t)
		refine(prevT, t, prevG, gt, prevG <= limit, gt <= limit, 0)
		prevT, prevG, exact = t, gt, true
	}
	for k := 1; k <= n; k++ {
		t := t0 + (t1-t0)*float64(k)/float64(n)
		for len(ts) > 0 && ts[0] < t {
			if ts[0] > prevT {
				step(ts[0])
			}
			ts = ts[1:]
		}
		step(t)
	}
	return out
}

// segmentCross returns where segment ab meets segment cd, as a fraction of
// ab, when they do.
func segmentCross(a, b, c, d orb.Point) (float64, bool) {
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, false // parallel (a path along the boundary is caught as nearby)
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

// Inside returns a point inside polygonal g for a walk to start from: its
// area centroid when that lies inside, else the middle of the widest
// stretch of the horizontal line through the centroid that lies inside.
func Inside(g orb.Geometry) orb.Point {
	c, _ := planar.CentroidArea(g)
	if geo.Contains(g, c) {
		return c
	}
	var xs []float64
	var rings []orb.Ring
	switch t := g.(type) {
	case orb.Polygon:
		rings = t
	case orb.MultiPolygon:
		for _, p := range t {
			rings = append(rings, p...)
		}
	default:
		return c
	}
	for _, r := range rings {
		for j := 1; j < len(r); j++ {
			a, b := r[j-1], r[j]
			if (a[1] <= c[1]) != (b[1] <= c[1]) {
				xs = append(xs, a[0]+(c[1]-a[1])/(b[1]-a[1])*(b[0]-a[0]))
			}
		}
	}
	sort.Float64s(xs)
	best, bw := c, -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bw {
			best, bw = orb.Point{(xs[i] + xs[i+1]) / 2, c[1]}, w
		}
	}
	return best
}
