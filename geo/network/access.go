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
	search := geo.PadBound(pb, gap)
	var out []Access
	var near, edgeNear []ringSeg
	var insides [][2]float64
	var runs []gapAt // the zone's stretches along an edge, as pairs of ends
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
		edgeNear, insides, runs = edgeNear[:0], insides[:0], runs[:0]
		open := false // whether the last run is still growing
		zone := func(p, q gapAt) {
			if n := len(runs); open && runs[n-1].off >= p.off {
				runs[n-1] = q
				return
			}
			runs = append(runs, p, q)
			open = true
		}
		for i := 1; i < len(xy); i++ {
			a, b := xy[i-1], xy[i]
			sb := orb.Bound{Min: a, Max: a}.Extend(b)
			sb = orb.Bound{Min: orb.Point{sb.Min[0] - gap, sb.Min[1] - gap}, Max: orb.Point{sb.Max[0] + gap, sb.Max[1] + gap}}
			near = near[:0]
			for _, s := range segs {
				if s.bound.Intersects(sb) && segmentDistance(a, b, s.a, s.b) <= gap {
					near = append(near, s)
				}
			}
			edgeNear = append(edgeNear, near...)
			off := func(t float64) float64 { return e.cum[i-1] + t*(e.cum[i]-e.cum[i-1]) }
			lonlat := func(t float64) orb.Point {
				p, q := e.Geom[i-1], e.Geom[i]
				return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
			}
			inside := func(t0, t1 float64) {
				insides = append(insides, [2]float64{off(t0), off(t1)})
				zone(gapAt{off(t0), 0}, gapAt{off(t1), 0})
			}
			if len(near) == 0 {
				// No boundary within gap: wholly inside, or wholly beyond gap.
				if mid := lonlat(0.5); pb.Contains(mid) && geo.Contains(poly, mid) {
					inside(0, 1)
				} else {
					open = false
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
			dist := func(t float64) float64 {
				return boundaryDist(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, near)
			}
			for k := 1; k < len(ts); k++ {
				t0, t1 := ts[k-1], ts[k]
				if t1 <= t0 {
					continue
				}
				if mid := lonlat((t0 + t1) / 2); pb.Contains(mid) && geo.Contains(poly, mid) {
					inside(t0, t1)
					continue
				}
				for _, p := range gapProfile(dist, t0, t1, planar.Distance(a, b), gap, feet(a, b, near, t0, t1)) {
					if p.in {
						zone(gapAt{off(p.t0), p.g0}, gapAt{off(p.t1), p.g1})
					} else {
						open = false
					}
				}
			}
		}
		if len(runs) == 0 {
			return true
		}
		// The gap at any offset of the edge's stretches: 0 inside, else
		// the distance to the boundary near the edge.
		nearE := append([]ringSeg(nil), edgeNear...)
		ins := append([][2]float64(nil), insides...)
		along := func(x float64) float64 {
			for _, iv := range ins {
				if x >= iv[0] && x <= iv[1] {
					return 0
				}
			}
			return boundaryDist(toXY(g.Point(Loc{ei, x})), nearE)
		}
		for k := 0; k+1 < len(runs); k += 2 {
			p, q := runs[k], runs[k+1]
			a := Access{At: Loc{ei, p.off}, End: q.off, Gap: p.gap, Rise: q.gap - p.gap, Along: along}
			if q.off <= p.off {
				a = Access{At: Loc{ei, p.off}, End: p.off, Gap: math.Min(p.gap, q.gap)}
			}
			out = append(out, a)
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
// its ends) inside the zone or beyond it.
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
// a metre of it).
func gapProfile(dist func(float64) float64, t0, t1, length, limit float64, ts []float64) []gapPiece {
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
	prevT, prevG := t0, dist(t0)
	step := func(t float64) {
		gt := dist(t)
		refine(prevT, t, prevG, gt, prevG <= limit, gt <= limit, 0)
		prevT, prevG = t, gt
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
