package network

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Stretch is the part of an edge from Start to End metres from its From
// node.
type Stretch struct {
	Edge       int32
	Start, End float64
}

// Reach is what a walk of up to Meters from a point covers.
type Reach struct {
	g      *Graph
	Origin orb.Point
	At     Loc     // where the origin joins the network
	Access float64 // metres from the origin to At
	Meters float64
	Dist   *Distances // from At, limited to Meters − Access
	// Stretches walked, per edge merged, in edge order.
	Stretches []Stretch
}

// Reach walks up to meters from p (including the walk from p to the
// nearest path). ok is false when no path is within meters of p.
func (g *Graph) Reach(p orb.Point, meters float64) (r *Reach, ok bool) {
	r, ok, _ = g.ReachContext(context.Background(), p, meters)
	return r, ok
}

// ReachContext is Reach stopping with ctx's error once ctx is done.
func (g *Graph) ReachContext(ctx context.Context, p orb.Point, meters float64) (r *Reach, ok bool, err error) {
	at, access, ok := g.Snap(p, meters)
	if !ok {
		return nil, false, nil
	}
	left := meters - access
	d, err := g.MultiContext(ctx, []Source{{At: at, End: at.Offset}}, left)
	if err != nil {
		return nil, false, err
	}
	r = &Reach{g: g, Origin: p, At: at, Access: access, Meters: meters, Dist: d}
	byEdge := map[int32][]Stretch{}
	add := func(e int32, a, b float64) {
		if b > a || (b == a && b >= 0) {
			byEdge[e] = append(byEdge[e], Stretch{e, a, b})
		}
	}
	for i, e := range g.Edges {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
		}
		ei := int32(i)
		if rem := left - d.Node[e.From]; rem >= 0 {
			add(ei, 0, math.Min(e.Length, rem))
		}
		if rem := left - d.Node[e.To]; rem >= 0 {
			add(ei, math.Max(0, e.Length-rem), e.Length)
		}
	}
	add(at.Edge, math.Max(0, at.Offset-left), math.Min(g.Edges[at.Edge].Length, at.Offset+left))
	edges := make([]int32, 0, len(byEdge))
	for e := range byEdge {
		edges = append(edges, e)
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i] < edges[j] })
	for _, e := range edges {
		ss := byEdge[e]
		sort.Slice(ss, func(i, j int) bool { return ss[i].Start < ss[j].Start })
		cur := ss[0]
		for _, s := range ss[1:] {
			if s.Start <= cur.End {
				cur.End = math.Max(cur.End, s.End)
				continue
			}
			r.Stretches = append(r.Stretches, cur)
			cur = s
		}
		r.Stretches = append(r.Stretches, cur)
	}
	return r, true, nil
}

// To returns the walking distance from the origin to a polygon through
// an access stretch, including the origin's own access, or +Inf beyond
// reach: the least, over the stretch's points, of the walk to the point
// plus its gap. The walk to a point changes by a metre a metre, falling
// only towards the origin's own place, and the gap by at most that, so
// the least lies at an end of the stretch or at the origin's place on it.
func (r *Reach) To(a Access) float64 {
	src := a.Source(0)
	d := math.Min(r.distAt(a.At)+a.Gap, r.distAt(Loc{a.At.Edge, src.end()})+a.Gap+a.Rise)
	if r.At.Edge == a.At.Edge && r.At.Offset >= a.At.Offset && r.At.Offset <= src.end() {
		d = math.Min(d, src.initAt(r.At.Offset))
	}
	if d+r.Access > r.Meters {
		return math.Inf(1)
	}
	return d + r.Access
}

func (r *Reach) distAt(l Loc) float64 {
	d, _ := r.Dist.To(l)
	return d
}

// Lines returns the walked stretches as lines.
func (r *Reach) Lines() orb.MultiLineString {
	out := make(orb.MultiLineString, 0, len(r.Stretches))
	for _, s := range r.Stretches {
		if l := r.g.sub(s); len(l) >= 2 {
			out = append(out, l)
		}
	}
	return out
}

// sub returns the part of an edge's line between two offsets.
func (g *Graph) sub(s Stretch) orb.LineString {
	e := &g.Edges[s.Edge]
	l := orb.LineString{g.Point(Loc{s.Edge, s.Start})}
	for i, c := range e.cum {
		if c > s.Start && c < s.End {
			l = append(l, e.Geom[i])
		}
	}
	return append(l, g.Point(Loc{s.Edge, s.End}))
}

// Polygon returns the area within buffer metres of the walked stretches
// (and of the walk from the origin to the path): what the walk reaches,
// built from the network rather than a convex hull, which would claim
// blocks no path enters. It is computed with GEOS in a plane in metres
// centred on the origin, freeing GEOS's memory before it returns.
func (r *Reach) Polygon(buffer float64) (orb.Geometry, error) {
	lines := r.Lines()
	lines = append(lines, orb.LineString{r.Origin, r.g.Point(r.At)})
	c := r.Origin
	kx, ky := math.Cos(c[1]*math.Pi/180)*111195.08, 111195.08
	plane := make(orb.MultiLineString, len(lines))
	for i, l := range lines {
		pl := make(orb.LineString, len(l))
		for j, p := range l {
			pl[j] = orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky}
		}
		plane[i] = pl
	}
	// Each line is buffered alone and the buffers are unioned (cascaded):
	// buffering the whole network at once nodes every segment's offset
	// curve against every other's, several times slower and larger.
	out, err := bufferUnion(plane, buffer, 4, 1)
	if err != nil {
		return nil, fmt.Errorf("reach polygon: %w", err)
	}
	unproject := func(ps []orb.Point) {
		for i, p := range ps {
			ps[i] = orb.Point{c[0] + p[0]/kx, c[1] + p[1]/ky}
		}
	}
	switch t := out.(type) {
	case orb.Polygon:
		for _, ring := range t {
			unproject(ring)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			for _, ring := range p {
				unproject(ring)
			}
		}
	default:
		return nil, fmt.Errorf("reach polygon: GEOS gave a %s", out.GeoJSONType())
	}
	return out, nil
}
