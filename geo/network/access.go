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
// along which the gap between the path and the polygon — the metres from a
// point of the path to the polygon's boundary, 0 inside it — runs linearly
// from Gap at At to Gap+Rise at End.
type Access struct {
	At   Loc
	End  float64
	Gap  float64
	Rise float64
}

// Source returns the access as a walk's source with a label.
func (a Access) Source(label int32) Source {
	return Source{At: a.At, End: a.End, Init: a.Gap, Rise: a.Rise, Label: label}
}

// Tolerances of AccessPoints' piecewise-linear gaps: how far (m) the gap
// between two kept points may stray from the straight line between them,
// and the shortest stretch (m) split further to find out.
const (
	gapTolerance = 0.01
	gapSampleMin = 0.05
	gapSampleMax = 2.0 // the first samples' spacing along a segment
)

// AccessPoints returns where walkable edges come within gap metres of
// poly: the stretches of edge inside it or within gap of its boundary,
// each point charged its own gap (0 inside), in linear pieces that follow
// the gap within a centimetre; the zone ends where the gap reaches gap. A
// walk to the polygon is then the least, over the points of these
// stretches, of the walk to the point plus the point's gap. With enterOnly
// (a fenced park) only the crossings of its boundary count, at gap 0.
func (g *Graph) AccessPoints(poly orb.Geometry, gap float64, enterOnly bool) []Access {
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
	toXY := localPlane(pb.Center())
	var segs []ringSeg
	for _, r := range rings {
		for j := 1; j < len(r); j++ {
			a, b := toXY(r[j-1]), toXY(r[j])
			segs = append(segs, ringSeg{a, b, orb.Bound{Min: a, Max: a}.Extend(b)})
		}
	}
	search := orb.Bound{Min: geo.RadiusBound(pb.Min, gap).Min, Max: geo.RadiusBound(pb.Max, gap).Max}
	var out []Access
	var near []ringSeg
	g.tree.Search(search.Min, search.Max, func(_, _ [2]float64, ei int32) bool {
		e := &g.Edges[ei]
		if g.CompLength[g.Comp[e.From]] < g.MinComponent {
			return true
		}
		xy := make([]orb.Point, len(e.Geom))
		for i, p := range e.Geom {
			xy[i] = toXY(p)
		}
		if enterOnly {
			for i := 1; i < len(xy); i++ {
				for _, s := range segs {
					if t, ok := segmentCross(xy[i-1], xy[i], s.a, s.b); ok {
						off := e.cum[i-1] + t*(e.cum[i]-e.cum[i-1])
						out = append(out, Access{At: Loc{ei, off}, End: off})
					}
				}
			}
			return true
		}
		var run []gapAt // the zone's current stretch
		flush := func() {
			out = appendPieces(out, ei, run)
			run = run[:0]
		}
		for i := 1; i < len(xy); i++ {
			a, b := xy[i-1], xy[i]
			sb := orb.Bound{Min: a, Max: a}.Extend(b)
			sb = orb.Bound{Min: orb.Point{sb.Min[0] - gap, sb.Min[1] - gap}, Max: orb.Point{sb.Max[0] + gap, sb.Max[1] + gap}}
			near = near[:0]
			for _, s := range segs {
				if s.bound.Intersects(sb) {
					near = append(near, s)
				}
			}
			off := func(t float64) float64 { return e.cum[i-1] + t*(e.cum[i]-e.cum[i-1]) }
			lonlat := func(t float64) orb.Point {
				p, q := e.Geom[i-1], e.Geom[i]
				return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
			}
			if len(near) == 0 {
				// Wholly inside (no boundary within gap) or wholly beyond gap.
				if pb.Contains(lonlat(0.5)) && geo.Contains(poly, lonlat(0.5)) {
					run = extend(run, gapAt{off(0), 0}, gapAt{off(1), 0})
				} else {
					flush()
				}
				continue
			}
			// Split the segment where it crosses the boundary; each part
			// is inside (gap 0) or outside (gap measured) throughout.
			ts := []float64{0, 1}
			for _, s := range near {
				if t, ok := segmentCross(a, b, s.a, s.b); ok {
					ts = append(ts, t)
				}
			}
			sort.Float64s(ts)
			at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
			dist := func(t float64) float64 { return boundaryDist(at(t), near) }
			for k := 1; k < len(ts); k++ {
				t0, t1 := ts[k-1], ts[k]
				if t1 <= t0 {
					continue
				}
				if geo.Contains(poly, lonlat((t0+t1)/2)) {
					run = extend(run, gapAt{off(t0), 0}, gapAt{off(t1), 0})
					continue
				}
				for _, p := range gapProfile(dist, t0, t1, planar.Distance(a, b), gap) {
					if p.in {
						run = extend(run, gapAt{off(p.t0), p.g0}, gapAt{off(p.t1), p.g1})
					} else {
						flush()
					}
				}
			}
		}
		flush()
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

// localPlane returns a projection to a plane in metres centred on c, with
// the WGS84 ellipsoid's scales there (meridian and prime-vertical radii),
// exact to a part in ten thousand across a city district.
func localPlane(c orb.Point) func(orb.Point) orb.Point {
	const a, e2 = 6378137.0, 6.69437999014e-3
	s := math.Sin(c[1] * math.Pi / 180)
	w := 1 - e2*s*s
	ky := a * (1 - e2) / (w * math.Sqrt(w)) * math.Pi / 180
	kx := a / math.Sqrt(w) * math.Cos(c[1]*math.Pi/180) * math.Pi / 180
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

// extend appends the stretch from p to q to a run of the zone.
func extend(run []gapAt, p, q gapAt) []gapAt {
	if n := len(run); n == 0 || run[n-1].off < p.off {
		run = append(run, p)
	}
	return append(run, q)
}

// gapPiece is a part of a segment (fractions t0 to t1) where the gap runs
// linearly from g0 to g1, inside the zone or not.
type gapPiece struct {
	t0, t1, g0, g1 float64
	in             bool
}

// gapProfile follows the gap dist(t) over fractions t0–t1 of a segment
// length metres long: samples at most gapSampleMax apart, halved where the
// middle strays from the straight line by more than gapTolerance or where
// the gap (which changes by at most a metre a metre) could dip into the
// zone (gap ≤ limit) unseen, and the zone's ends found by bisection.
func gapProfile(dist func(float64) float64, t0, t1, length, limit float64) []gapPiece {
	var out []gapPiece
	add := func(ta, tb, ga, gb float64, in bool) {
		if n := len(out); n > 0 && !in && !out[n-1].in {
			out[n-1].t1, out[n-1].g1 = tb, gb
			return
		}
		out = append(out, gapPiece{ta, tb, ga, gb, in})
	}
	minDT := gapSampleMin / math.Max(length, gapSampleMin)
	var refine func(ta, tb, ga, gb float64, ina, inb bool, depth int)
	refine = func(ta, tb, ga, gb float64, ina, inb bool, depth int) {
		span := (tb - ta) * length
		if ina != inb {
			// The zone ends in between: find where, and follow each side.
			lo, hi := ta, tb
			for k := 0; k < 60 && (hi-lo)*length > 1e-4; k++ {
				m := (lo + hi) / 2
				if (dist(m) <= limit) == ina {
					lo = m
				} else {
					hi = m
				}
			}
			tm := (lo + hi) / 2
			refine(ta, tm, ga, limit, ina, ina, depth+1)
			refine(tm, tb, limit, gb, inb, inb, depth+1)
			return
		}
		if !ina && (ga+gb-span)/2 > limit {
			add(ta, tb, ga, gb, false) // no point between can be within limit
			return
		}
		tm := (ta + tb) / 2
		gm := dist(tm)
		if depth < 60 && tb-ta > minDT && (!ina || math.Abs(gm-(ga+gb)/2) > gapTolerance || (gm <= limit) != ina) {
			inm := gm <= limit
			refine(ta, tm, ga, gm, ina, inm, depth+1)
			refine(tm, tb, gm, gb, inm, inb, depth+1)
			return
		}
		add(ta, tb, ga, gb, ina)
	}
	n := int(math.Ceil((t1 - t0) * length / gapSampleMax))
	if n < 1 {
		n = 1
	}
	prevT, prevG := t0, dist(t0)
	for k := 1; k <= n; k++ {
		t := t0 + (t1-t0)*float64(k)/float64(n)
		gt := dist(t)
		refine(prevT, t, prevG, gt, prevG <= limit, gt <= limit, 0)
		prevT, prevG = t, gt
	}
	return out
}

// appendPieces appends a run of the zone along an edge as accesses: its
// points thinned to those the gap bends at (beyond gapTolerance), each
// pair a linear piece; a run of one point is a point.
func appendPieces(out []Access, ei int32, run []gapAt) []Access {
	if len(run) == 0 {
		return out
	}
	if len(run) == 1 || run[len(run)-1].off <= run[0].off {
		return append(out, Access{At: Loc{ei, run[0].off}, End: run[0].off, Gap: run[0].gap})
	}
	keep := thin(run)
	for i := 1; i < len(keep); i++ {
		p, q := keep[i-1], keep[i]
		if q.off <= p.off {
			continue
		}
		out = append(out, Access{At: Loc{ei, p.off}, End: q.off, Gap: p.gap, Rise: q.gap - p.gap})
	}
	return out
}

// thin keeps the points of a run the gap bends at: Douglas–Peucker on
// (offset, gap) with gapTolerance as the vertical tolerance.
func thin(run []gapAt) []gapAt {
	keep := make([]bool, len(run))
	keep[0], keep[len(run)-1] = true, true
	var rec func(i, j int)
	rec = func(i, j int) {
		if j-i < 2 {
			return
		}
		p, q := run[i], run[j]
		worst, at := 0.0, -1
		for k := i + 1; k < j; k++ {
			r := run[k]
			line := p.gap
			if q.off > p.off {
				line += (q.gap - p.gap) * (r.off - p.off) / (q.off - p.off)
			}
			if d := math.Abs(r.gap - line); d > worst {
				worst, at = d, k
			}
		}
		if worst > gapTolerance {
			keep[at] = true
			rec(i, at)
			rec(at, j)
		}
	}
	rec(0, len(run)-1)
	var out []gapAt
	for i, k := range keep {
		if k {
			out = append(out, run[i])
		}
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
