package coverage

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Site is a suggested place for a new target: the feature to add, the
// residents it would newly cover beyond the sites ranked before it, and
// those parcels.
type Site struct {
	Feature *geo.Feature
	Gain    int64
	Parcels []int64
}

// SuggestCell is the side (m) of the grid that groups uncovered parcels
// into candidate sites.
const SuggestCell = 250

// Suggest finds count sites where a new target for rule ruleID (a
// walk_access or radius_coverage rule; a square park of size m² for green
// rules, a collection point for waste) would newly cover the most
// residents: candidates sit at the residents' weighted centre of each grid
// cell with uncovered parcels (the `candidates` cells with most of them),
// each is measured as a what-if, and a greedy maximal covering picks them
// in turn, each by its gain beyond those already picked.
func (a *Audit) Suggest(ctx context.Context, ruleID string, size float64, count, candidates int) ([]Site, error) {
	var res *Result
	for _, r := range a.Results {
		if r.Rule.ID == ruleID {
			res = r
		}
	}
	if res == nil {
		return nil, fmt.Errorf("%w: no rule %q", ErrRules, ruleID)
	}
	r := res.Rule
	if r.Type != WalkAccess && r.Type != RadiusCoverage {
		return nil, fmt.Errorf("%w: rule %s is %s: suggestions need walk_access or radius_coverage", ErrRules, r.ID, r.Type)
	}
	cs, owner := a.uncoveredCells(res)
	if len(cs) > candidates {
		cs = cs[:candidates]
	}
	var all []candidate
	for i, c := range cs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		centre := orb.Point{c.sx / float64(c.pop), c.sy / float64(c.pop)}
		f := a.siteFeature(r, centre, size, i)
		if err := geo.Prepare(f); err != nil {
			return nil, err
		}
		if !r.Target.Match(f) {
			return nil, fmt.Errorf("%w: a %.0f m² site does not count for rule %s (its target needs more)", ErrRules, size, r.ID)
		}
		rd := &RuleDelta{Rule: r}
		if err := a.shareDelta(ctx, res, rd, []*geo.Feature{f}); err != nil {
			return nil, err
		}
		all = append(all, candidate{f, rd.points})
	}
	return pickSites(all, owner, count), nil
}

// suggestCell is a grid cell's uncovered residents, and the sums of their
// points' coordinates weighted by them.
type suggestCell struct {
	pop, sx, sy float64
}

// uncoveredCells groups the uncovered residents by their points into
// cells of SuggestCell metres, most residents first, and says which parcel
// each uncovered point is of.
func (a *Audit) uncoveredCells(res *Result) ([]*suggestCell, map[int32]*Parcel) {
	r := res.Rule
	// covered reports whether resident point i of parcel p is covered.
	covered := func(p *Parcel, i int32) bool {
		if r.Type == RadiusCoverage {
			return !math.IsInf(res.Distance.At(int(p.ix)), 1)
		}
		return res.pointDist[i] <= r.Meters
	}
	cells := map[[2]int]*suggestCell{}
	owner := map[int32]*Parcel{} // uncovered points' parcels
	for _, p := range a.Parcels {
		if p.Population <= 0 {
			continue
		}
		w := float64(p.Population) / float64(p.count)
		for i := p.first; i < p.first+p.count; i++ {
			if covered(p, i) {
				continue
			}
			owner[i] = p
			pt := a.pts[i]
			kx := 111195.08 * math.Cos(pt[1]*math.Pi/180)
			k := [2]int{int(math.Floor(pt[0] * kx / SuggestCell)), int(math.Floor(pt[1] * 111195.08 / SuggestCell))}
			c := cells[k]
			if c == nil {
				c = &suggestCell{}
				cells[k] = c
			}
			c.pop += w
			c.sx += pt[0] * w
			c.sy += pt[1] * w
		}
	}
	var cs []*suggestCell
	for _, c := range cells {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].pop != cs[j].pop {
			return cs[i].pop > cs[j].pop
		}
		return cs[i].sx < cs[j].sx
	})
	return cs, owner
}

// candidate is a site measured as a what-if: the resident points it would
// newly cover. f is nil once picked.
type candidate struct {
	f      *geo.Feature
	points []int32
}

// pickSites picks up to count candidates greedily, each by the residents
// (of the points' parcels, owner) it covers beyond those picked before it.
func pickSites(all []candidate, owner map[int32]*Parcel, count int) []Site {
	// Residents of an uncovered point.
	weight := func(i int32) float64 {
		p := owner[i]
		if p == nil {
			return 0
		}
		return float64(p.Population) / float64(p.count)
	}
	taken := map[int32]bool{}
	var out []Site
	for len(out) < count {
		best, bestGain := -1, 0.0
		for i, c := range all {
			if c.f == nil {
				continue
			}
			var gain float64
			for _, pt := range c.points {
				if !taken[pt] {
					gain += weight(pt)
				}
			}
			if gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 || math.Round(bestGain) < 1 {
			break
		}
		site := Site{Feature: all[best].f, Gain: int64(math.Round(bestGain))}
		inSite := map[int64]bool{}
		for _, pt := range all[best].points {
			if !taken[pt] {
				taken[pt] = true
				if p := owner[pt]; p != nil && !inSite[p.ID] {
					inSite[p.ID] = true
					site.Parcels = append(site.Parcels, p.ID)
				}
			}
		}
		sort.Slice(site.Parcels, func(i, j int) bool { return site.Parcels[i] < site.Parcels[j] })
		all[best].f = nil
		out = append(out, site)
	}
	return out
}

// siteFeature is a new target at centre: a square public park of size m²
// for green rules, a collection point for waste ones.
func (a *Audit) siteFeature(r *Rule, centre orb.Point, size float64, i int) *geo.Feature {
	f := &geo.Feature{Layer: r.Target.Layer, Source: "suggest", SourceID: fmt.Sprint(i + 1), Props: map[string]any{}}
	if r.Target.Layer == geo.Waste {
		f.Geom = centre
		kind := "collection_point"
		if len(r.Target.Kinds) > 0 {
			kind = r.Target.Kinds[0]
		}
		f.Props["kind"] = kind
		return f
	}
	half := math.Sqrt(size) / 2
	kx := 111195.08 * math.Cos(centre[1]*math.Pi/180)
	dx, dy := half/kx, half/110900
	f.Geom = orb.Polygon{{{centre[0] - dx, centre[1] - dy}, {centre[0] + dx, centre[1] - dy}, {centre[0] + dx, centre[1] + dy}, {centre[0] - dx, centre[1] + dy}, {centre[0] - dx, centre[1] - dy}}}
	kind := "park"
	if len(r.Target.Kinds) > 0 {
		kind = r.Target.Kinds[0]
	}
	f.Props["kind"], f.Props["public"] = kind, true
	return f
}
