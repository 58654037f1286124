package network

import (
	"context"
	"math"
	"runtime"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// SnapAll is Snap for many points in one pass, with the same answers
// (at[i], dist[i]; dist +Inf where Snap finds none): each edge near a point
// is first measured in the plane centred on it, and only the edges within
// 1% (and a metre) of the nearest in the plane are measured geodesically.
// Many points are shared out among the processors. It looks at ctx's
// deadline every few thousand points.
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
const snapShare = 4096

// snapRange is SnapAll on one processor.
func (g *Graph) snapRange(ctx context.Context, pts []orb.Point, maxDist float64, at []Loc, dist []float64) error {
	type cand struct {
		approx, off float64
		edge        int32
		q           orb.Point
	}
	var cs []cand
	for i, p := range pts {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		kx, ky := math.Cos(p[1]*math.Pi/180)*111195.08, 111195.08
		best := math.Inf(1)
		var loc Loc
		for r := math.Min(100, maxDist); ; r = math.Min(r*4, maxDist) {
			cs = cs[:0]
			bestApprox := math.Inf(1)
			b := geo.RadiusBound(p, r)
			g.tree.Search(b.Min, b.Max, func(lo, hi [2]float64, e int32) bool {
				ed := &g.Edges[e]
				if g.CompLength[g.Comp[ed.From]] < g.MinComponent {
					return true
				}
				// The edge's box, in the same plane, is no farther than its
				// nearest point: an edge whose box is beyond the nearest so
				// far (or the ring) would not be measured.
				bx := math.Max(0, math.Max(lo[0]-p[0], p[0]-hi[0])) * kx
				by := math.Max(0, math.Max(lo[1]-p[1], p[1]-hi[1])) * ky
				if bd := math.Hypot(bx, by) * (1 - 1e-12); bd > 1.01*r+1 || bd > 1.01*bestApprox+1 {
					return true
				}
				q, off := closestOnLine(p, ed)
				approx := math.Hypot((q[0]-p[0])*kx, (q[1]-p[1])*ky)
				if approx <= 1.01*r+1 {
					cs = append(cs, cand{approx, off, e, q})
					bestApprox = math.Min(bestApprox, approx)
				}
				return true
			})
			for _, c := range cs {
				if c.approx > 1.01*bestApprox+1 {
					continue
				}
				if d := geo.Distance(p, c.q); d <= r && d < best {
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
