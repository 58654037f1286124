package network

import (
	"context"
	"math"
	"runtime"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// SnapAll is Snap for many points in one pass, with the same answers
// (at[i], dist[i]; dist +Inf where Snap finds none): each edge near a point
// is first measured in a plane centred on it with the ellipsoid's scales
// there, and only the edges whose nearest point in the plane is within the
// plane's error (snapSlack) of the nearest are measured geodesically, each
// such point once. Many points are shared out among the processors. It
// looks at ctx's deadline every few thousand points.
func (g *Graph) SnapAll(ctx context.Context, pts []orb.Point, maxDist float64, at []Loc, dist []float64) error {
	workers := min(runtime.GOMAXPROCS(0), len(pts)/snapShare)
	if workers <= 1 {
		return g.snapRange(ctx, pts, maxDist, at, dist)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(pts)*w/workers, len(pts)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = g.snapRange(ctx, pts[lo:hi], maxDist, at[lo:hi], dist[lo:hi])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// snapShare is the fewest points SnapAll gives a processor of its own.
const snapShare = 512

// snapRange is SnapAll on one processor.
func (g *Graph) snapRange(ctx context.Context, pts []orb.Point, maxDist float64, at []Loc, dist []float64) error {
	type cand struct {
		approx, off float64
		edge        int32
		q           orb.Point
	}
	type measured struct {
		q orb.Point
		d float64
	}
	var cs []cand
	var done []measured
	first := math.Min(100, maxDist)
	near := edgeCache{tree: &g.tree}
	// The plane's scales and slack in the first ring, kept while the
	// points keep their latitude (a parcel's come in rows).
	lat, kx, ky, slack := math.NaN(), 0.0, 0.0, 0.0
	for i, p := range pts {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if p[1] != lat {
			lat = p[1]
			kx, ky = geo.DegreeScale(lat)
			slack = snapSlack(lat, first)
		}
		best := math.Inf(1)
		var loc Loc
		for r := first; ; r = math.Min(r*4, maxDist) {
			cs, done = cs[:0], done[:0]
			f := slack
			if r != first {
				f = snapSlack(p[1], r)
			}
			bestApprox := math.Inf(1)
			b := geo.RadiusBound(p, r)
			visit := func(lo, hi [2]float64, e int32) bool {
				ed := &g.Edges[e]
				if g.CompLength[g.Comp[ed.From]] < g.MinComponent {
					return true
				}
				// The edge's box, in the same plane, is no farther than its
				// nearest point: an edge whose box is beyond the nearest so
				// far (or the ring) would not be measured.
				bx := math.Max(0, math.Max(lo[0]-p[0], p[0]-hi[0])) * kx
				by := math.Max(0, math.Max(lo[1]-p[1], p[1]-hi[1])) * ky
				if lim := math.Min(f*r+snapAbs, f*bestApprox+snapAbs); beyondBox(bx, by, lim) {
					return true
				}
				q, off := closestOnLine(p, ed)
				approx := math.Hypot((q[0]-p[0])*kx, (q[1]-p[1])*ky)
				if approx <= f*r+snapAbs {
					cs = append(cs, cand{approx, off, e, q})
					bestApprox = math.Min(bestApprox, approx)
				}
				return true
			}
			if r == first {
				near.search(b.Min, b.Max, visit)
			} else {
				g.tree.Search(b.Min, b.Max, visit)
			}
		next:
			for _, c := range cs {
				if c.approx > f*bestApprox+snapAbs {
					continue
				}
				// Edges meeting at a node share their nearest point: its
				// distance is measured once.
				for _, m := range done {
					if m.q == c.q {
						continue next
					}
				}
				d := geo.Distance(p, c.q)
				done = append(done, measured{c.q, d})
				if d <= r && d < best {
					best, loc = d, Loc{c.edge, c.off}
				}
			}
			if best <= r || r >= maxDist {
				break
			}
		}
		at[i], dist[i] = loc, math.Inf(1)
		if best <= maxDist {
			dist[i] = best
		}
	}
	return nil
}

// beyondBox reports whether a box dx, dy away (in metres) is beyond lim:
// math.Hypot(dx, dy)·(1−1e-12) > lim, its squares telling first when they
// can (a box's distance is a floor of its edge's, with a margin for
// rounding).
func beyondBox(dx, dy, lim float64) bool {
	d2, l2 := dx*dx+dy*dy, lim*lim
	if d2 > l2*(1+1e-9) {
		return true
	}
	if d2 < l2*(1-1e-9) {
		return false
	}
	return math.Hypot(dx, dy)*(1-1e-12) > lim
}

// snapAbs (m) is what SnapAll adds to the plane's error for rounding.
const snapAbs = 1e-3

// snapSlack bounds the ratio between distances in SnapAll's plane around a
// point at latitude lat and geodesic distances, both ways, for points up
// to about r metres apart: the plane has the ellipsoid's scales at lat, and
// they change by a part in tan(lat)·d/(2·6,335 km) (the east scale; the
// north one by less) over a walk of d metres north or south; with a
// fourfold margin and a part in ten million for the terms of second order.
func snapSlack(lat, r float64) float64 {
	t := math.Tan(math.Min(math.Abs(lat)+0.5, 89.9) * math.Pi / 180)
	eps := 1e-7 + 4*(t+1)*(1.01*r+1)/(2*6.335e6)
	return (1 + eps) * (1 + eps)
}

// edgeCache answers searches of the graph's tree within a box it holds
// the edges of: points snapped one after the other mostly lie close
// together (a parcel's, then its neighbour's), and a list of a dozen edges
// is looked through faster than the tree. It finds the same edges in the
// same order as the tree: those whose box meets the one searched (edges
// touching it too), in the tree's own order, which the edges of a larger
// box keep.
type edgeCache struct {
	tree  *rtree.RTreeG[int32]
	box   orb.Bound
	valid bool
	edges []cachedEdge
}

type cachedEdge struct {
	lo, hi [2]float64
	e      int32
}

// search is the tree's Search, from the edges of a box three times as wide and
// high as the one searched when the box held does not hold it.
func (c *edgeCache) search(lo, hi [2]float64, fn func(lo, hi [2]float64, e int32) bool) {
	if !c.valid || lo[0] < c.box.Min[0] || lo[1] < c.box.Min[1] || hi[0] > c.box.Max[0] || hi[1] > c.box.Max[1] {
		w, h := hi[0]-lo[0], hi[1]-lo[1]
		c.box = orb.Bound{Min: orb.Point{lo[0] - w, lo[1] - h}, Max: orb.Point{hi[0] + w, hi[1] + h}}
		c.valid = true
		c.edges = c.edges[:0]
		c.tree.Search(c.box.Min, c.box.Max, func(lo, hi [2]float64, e int32) bool {
			c.edges = append(c.edges, cachedEdge{lo, hi, e})
			return true
		})
	}
	for _, ce := range c.edges {
		if lo[0] > ce.hi[0] || hi[0] < ce.lo[0] || lo[1] > ce.hi[1] || hi[1] < ce.lo[1] {
			continue
		}
		if !fn(ce.lo, ce.hi, ce.e) {
			return
		}
	}
}
