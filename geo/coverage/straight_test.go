package coverage

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// TestStraightAtFindsLess: straightAt finds a target's nearest point only
// when the target's box is near enough to matter; on the demo town,
// Chengdu and Monaco, for every rule's targets and every resident point,
// in both measures, it gives exactly what finding every candidate's nearest
// point gives (straightAtEvery, the way it was done before).
func TestStraightAtFindsLess(t *testing.T) {
	ctx := context.Background()
	mixed := 0 // the comparisons with points both within reach and not
	for name, feats := range testTowns(t) {
		snap := snapshotOf(t, feats)
		a, err := Run(ctx, snap, Default(), Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range a.Rules.Rules {
			if r.Type != WalkAccess && r.Type != RadiusCoverage {
				continue
			}
			ok := func(f *geo.Feature) (float64, bool) { return r.Meters, r.Target.Match(f) }
			limit := r.Meters
			if r.Type == RadiusCoverage {
				ok = func(f *geo.Feature) (float64, bool) { return tierRadius(&r, f) }
				limit = maxTierRadius(&r)
			}
			for _, exact := range []bool{false, true} {
				for _, groups := range [][]int32{a.starts(), nil} {
					got, err := straightAt(ctx, snap, a.pts, groups, r.Target.Layer, ok, limit, exact)
					if err != nil {
						t.Fatal(err)
					}
					want := straightAtEvery(snap, a.pts, groups, r.Target.Layer, ok, limit, exact)
					within, differ := 0, 0
					for i := range want {
						if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
							if differ++; differ <= 3 {
								t.Errorf("%s %s (exact %v): point %d at %.3f m, finding every candidate %.3f m", name, r.ID, exact, i, got[i], want[i])
							}
						}
						if !math.IsInf(want[i], 1) {
							within++
						}
					}
					if within > 0 && within < len(want) {
						mixed++
					}
					if exact && groups != nil {
						t.Logf("%s %s: %d of %d points within reach", name, r.ID, within, len(want))
					}
				}
			}
		}
	}
	if mixed < 24 {
		t.Errorf("%d comparisons had points both within reach and not, want 24 or more", mixed)
	}
}

// straightAtEvery is straightAt finding the nearest point of every target
// whose box lies within its radius (as straightAt did before it pruned).
func straightAtEvery(snap *index.Snapshot, pts []orb.Point, groups []int32, layer string, ok func(*geo.Feature) (float64, bool), limit float64, exact bool) []float64 {
	out := make([]float64, len(pts))
	l := snap.Layer(layer)
	type target struct {
		f      *geo.Feature
		b      orb.Bound
		radius float64
	}
	type cand struct {
		approx, radius float64
		q              orb.Point
	}
	var ts []target
	var cs []cand
	n := len(groups)
	if groups == nil {
		n = len(pts)
	}
	for gi := 0; gi < n; gi++ {
		start, end := gi, gi+1
		if groups != nil {
			start, end = int(groups[gi]), len(pts)
			if gi+1 < len(groups) {
				end = int(groups[gi+1])
			}
		}
		run := pts[start:end]
		if len(run) == 0 {
			continue
		}
		sb := orb.Bound{Min: run[0], Max: run[0]}
		for _, pt := range run[1:] {
			sb = sb.Extend(pt)
		}
		search := geo.RadiusBound(sb.Min, limit).Union(geo.RadiusBound(sb.Max, limit))
		ts = ts[:0]
		l.SearchBounds(search, func(f *geo.Feature, fb orb.Bound) bool {
			if radius, yes := ok(f); yes {
				ts = append(ts, target{f, fb, radius})
			}
			return true
		})
		for k, pt := range run {
			kx, ky := math.Cos(pt[1]*math.Pi/180)*111195.08, 111195.08
			cs = cs[:0]
			bestApprox := math.Inf(1)
			for _, t := range ts {
				// Candidates by their distance in the plane centred on the
				// point (none whose box is beyond the radius); only the
				// nearest few are measured geodesically.
				bx := math.Max(0, math.Max(t.b.Min[0]-pt[0], pt[0]-t.b.Max[0])) * kx
				by := math.Max(0, math.Max(t.b.Min[1]-pt[1], pt[1]-t.b.Max[1])) * ky
				if math.Hypot(bx, by) > 1.01*t.radius+1 {
					continue
				}
				var q orb.Point
				if t.b.Contains(pt) {
					q = geo.ClosestPoint(pt, t.f.Geom)
				} else {
					q = geo.ClosestOnBoundary(pt, t.f.Geom)
				}
				approx := math.Hypot((q[0]-pt[0])*kx, (q[1]-pt[1])*ky)
				if approx <= 1.01*t.radius+1 {
					cs = append(cs, cand{approx, t.radius, q})
					bestApprox = math.Min(bestApprox, approx)
				}
			}
			best := math.Inf(1)
			for _, c := range cs {
				if c.approx > 1.01*bestApprox+1 && c.approx > 1.01*best+1 {
					continue
				}
				d := localDistance(pt, c.q)
				if exact {
					d = geo.Distance(pt, c.q)
				}
				if d <= c.radius && d < best {
					best = d
				}
			}
			out[start+k] = best
		}
	}
	return out
}

// TestPointsInsideEqualsHolding: pointsInside, which searches the targets
// once per parcel, finds for every resident point of the test towns, for
// every walk rule, the target holding it that targetIndex.holding finds
// point by point (the lowest id), and none where it finds none.
func TestPointsInsideEqualsHolding(t *testing.T) {
	ctx := context.Background()
	inside, outside := 0, 0
	for name, feats := range testTowns(t) {
		snap := snapshotOf(t, feats)
		a, err := Run(ctx, snap, Default(), Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Rules.Rules {
			r := &a.Rules.Rules[i]
			if r.Type != WalkAccess {
				continue
			}
			ts := targets(snap, &r.Target)
			got, err := a.pointsInside(ctx, r, ts)
			if err != nil {
				t.Fatal(err)
			}
			ti := newTargetIndex(ts)
			for k, pt := range a.pts {
				want, ok := ti.holding(pt)
				if !ok {
					want = -1
					outside++
				} else {
					inside++
				}
				if got[k] != want {
					t.Fatalf("%s %s: point %d %v in target %d, holding finds %d", name, r.ID, k, pt, got[k], want)
				}
			}
		}
	}
	if inside < 100 || outside < 100 {
		t.Errorf("%d points inside a target, %d outside: the test needs both", inside, outside)
	}
}
