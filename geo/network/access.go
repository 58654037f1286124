package network

import (
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Access is where a walk reaches a polygon (a park): a stretch of an edge
// (At to End metres from its From node; a point where End = At.Offset) and
// the metres between it and the polygon's boundary (0 where the edge
// crosses the boundary).
type Access struct {
	At  Loc
	End float64
	Gap float64
}

// Source returns the access as a walk's source with a label.
func (a Access) Source(label int32) Source {
	return Source{At: a.At, End: a.End, Init: a.Gap, Label: label}
}

// AccessPoints returns where walkable edges enter poly or pass within gap
// metres of its boundary: every crossing of the boundary is a point; an
// edge that runs along the boundary without crossing it gives the stretch
// of it within gap (between the outermost of its vertices and of the
// boundary's projections onto it that lie within gap, split where it bends
// away), with the nearest approach as the gap. With enterOnly (a fenced
// park) only crossings count.
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
	c := pb.Center()
	// A plane in metres centred on the polygon.
	kx, ky := math.Cos(c[1]*math.Pi/180)*111195.08, 111195.08
	toXY := func(p orb.Point) orb.Point { return orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky} }
	var xyRings [][]orb.Point
	for _, r := range rings {
		xr := make([]orb.Point, len(r))
		for i, p := range r {
			xr[i] = toXY(p)
		}
		xyRings = append(xyRings, xr)
	}
	search := orb.Bound{Min: geo.RadiusBound(pb.Min, gap).Min, Max: geo.RadiusBound(pb.Max, gap).Max}
	var out []Access
	g.tree.Search(search.Min, search.Max, func(_, _ [2]float64, ei int32) bool {
		e := &g.Edges[ei]
		if g.CompLength[g.Comp[e.From]] < g.MinComponent {
			return true
		}
		xy := make([]orb.Point, len(e.Geom))
		for i, p := range e.Geom {
			xy[i] = toXY(p)
		}
		crossed := false
		for i := 1; i < len(xy); i++ {
			for _, r := range xyRings {
				for j := 1; j < len(r); j++ {
					if t, ok := segmentCross(xy[i-1], xy[i], r[j-1], r[j]); ok {
						crossed = true
						off := e.cum[i-1] + t*(e.cum[i]-e.cum[i-1])
						out = append(out, Access{At: Loc{ei, off}, End: off})
					}
				}
			}
		}
		if crossed || enterOnly {
			return true
		}
		// Candidates within gap: edge vertices near the rings, and the
		// projections onto the edge of ring vertices near it.
		type cand struct{ off, d float64 }
		var cs []cand
		for i, p := range xy {
			for _, r := range xyRings {
				if d := planar.DistanceFrom(orb.LineString(r), p); d <= gap {
					cs = append(cs, cand{e.cum[i], d})
				}
			}
		}
		for _, r := range xyRings {
			for _, p := range r {
				q, i, t := geo.ClosestOnPlane(p, xy)
				if d := planar.Distance(p, q); d <= gap {
					cs = append(cs, cand{e.cum[i-1] + t*(e.cum[i]-e.cum[i-1]), d})
				}
			}
		}
		if len(cs) == 0 {
			return true
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].off < cs[j].off })
		within := func(off float64) bool {
			p := toXY(g.Point(Loc{ei, off}))
			for _, r := range xyRings {
				if planar.DistanceFrom(orb.LineString(r), p) <= gap {
					return true
				}
			}
			return false
		}
		cur := Access{At: Loc{ei, cs[0].off}, End: cs[0].off, Gap: cs[0].d}
		for _, c := range cs[1:] {
			if c.off-cur.End > 1 && !within((cur.End+c.off)/2) {
				out = append(out, cur)
				cur = Access{At: Loc{ei, c.off}, End: c.off, Gap: c.d}
				continue
			}
			cur.End = c.off
			cur.Gap = math.Min(cur.Gap, c.d)
		}
		out = append(out, cur)
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
