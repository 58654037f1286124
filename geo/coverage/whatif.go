package coverage

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geos"
)

// Delta is what adding features to the audited data would change, rule by
// rule, worked out incrementally from the audit: only the network within
// reach of the new features is walked, only the parcels within reach are
// looked at, only the units they touch are measured again.
type Delta struct {
	Added   []*geo.Feature
	Rules   []*RuleDelta
	Elapsed time.Duration
}

// RuleDelta is one rule before and after.
type RuleDelta struct {
	Rule  *Rule
	Units []UnitDelta // every unit the rule reports on, the city first
	// Parcels newly covered (walk_access, radius_coverage), and their
	// residents.
	// Parcels with residents newly covered (walk_access: some of their
	// resident points), and how many residents.
	Parcels      []int64
	NewlyCovered int64

	points []int32 // the resident points newly covered
}

// UnitDelta is a unit's figure before and after.
type UnitDelta struct {
	Before, After *UnitResult
}

// Changed reports whether the unit's figure moved.
func (u UnitDelta) Changed() bool {
	return u.Before.Value != u.After.Value || u.Before.Pass != u.After.Pass || u.Before.Covered != u.After.Covered
}

// WhatIf works out what adding feats (new parks, belts, collection
// points; Prepared here) would change. The audit is not changed.
func (a *Audit) WhatIf(ctx context.Context, feats []*geo.Feature) (*Delta, error) {
	start := time.Now()
	for i, f := range feats {
		if f.Source == "" {
			f.Source, f.SourceID = "whatif", fmt.Sprint(i+1)
		}
		if err := geo.Prepare(f); err != nil {
			return nil, err
		}
	}
	d := &Delta{Added: feats}
	var derived *index.Snapshot // the data with feats, made when a rule needs it
	withAdded := func() *index.Snapshot {
		if derived == nil {
			derived = a.snap.With(feats, nil)
		}
		return derived
	}
	gc := geos.NewContext()
	for _, res := range a.Results {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := res.Rule
		var added []*geo.Feature
		for _, f := range feats {
			if f.Layer == r.Target.Layer && r.Target.Match(f) {
				added = append(added, f)
			}
		}
		rd := &RuleDelta{Rule: r}
		d.Rules = append(d.Rules, rd)
		if len(added) == 0 {
			for _, u := range res.Units {
				rd.Units = append(rd.Units, UnitDelta{u, u})
			}
			continue
		}
		switch r.Type {
		case WalkAccess, RadiusCoverage:
			if err := a.shareDelta(ctx, res, rd, added); err != nil {
				return nil, err
			}
		case AreaRatio, PerCapita:
			if err := a.areaDelta(gc, res, rd, added); err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.ID, err)
			}
		case ResidentsPerTarget:
			after := a.residentsPerTarget(withAdded(), r)
			for i, u := range res.Units {
				rd.Units = append(rd.Units, UnitDelta{u, after.Units[i]})
			}
		case Corridor:
			after := a.corridorWhatIf(withAdded, res, added)
			for i, u := range res.Units {
				rd.Units = append(rd.Units, UnitDelta{u, after.Units[i]})
			}
		}
	}
	d.Elapsed = time.Since(start)
	return d, nil
}

// shareDelta: parcels within reach of the added targets whose distance
// drops to within the rule's, and the units they lie in.
func (a *Audit) shareDelta(ctx context.Context, res *Result, rd *RuleDelta, added []*geo.Feature) error {
	r := res.Rule
	sc := &shareScan{a: a, res: res, reach: r.Meters, newly: map[*Parcel][]int32{}, straightNewly: map[*Parcel]int{}, seen: map[int32]bool{}, seenStraight: map[int32]bool{}}
	if r.Type == RadiusCoverage {
		sc.reach = maxTierRadius(r)
	}
	if r.Type == WalkAccess && a.Mode == Walk {
		var err error
		if sc.walked, err = a.walkFrom(ctx, r, added); err != nil {
			return err
		}
	}
	for _, f := range added {
		sc.scan(f)
	}
	after := make(map[*Unit]*UnitResult, len(res.Units))
	copies := make([]UnitResult, len(res.Units))
	for i, u := range res.Units {
		copies[i] = *u
		copies[i].Failing = nil
		after[u.Unit] = &copies[i]
	}
	sc.count(rd, after)
	rd.Units = make([]UnitDelta, 0, len(res.Units))
	if res.radius != nil {
		// The land inside the radii, from the cells the new radii reach.
		urs := make([]*UnitResult, len(res.Units))
		for i, u := range res.Units {
			urs[i] = after[u.Unit]
			urs[i].Covered = int64(math.Round(urs[i].covered)) // residents, by inside point
		}
		if err := res.radius.whatIf(ctx, urs, added); err != nil {
			return err
		}
		for _, u := range res.Units {
			rd.Units = append(rd.Units, UnitDelta{u, after[u.Unit]})
		}
		return nil
	}
	for _, u := range res.Units {
		ur := after[u.Unit]
		ur.Covered = int64(math.Round(ur.covered))
		if r.Type == WalkAccess {
			ur.Numerator = ur.covered
		} else {
			ur.Numerator = ur.LandCovered
		}
		if !ur.NA {
			ur.Value = ur.Numerator / ur.Denominator
			ur.Pass = ur.Value >= ur.Threshold
		}
		rd.Units = append(rd.Units, UnitDelta{u, ur})
	}
	return nil
}

// walkFrom walks the network from the added targets (a point from where
// it snaps, a polygon from its access points) as far as the rule's metres.
func (a *Audit) walkFrom(ctx context.Context, r *Rule, added []*geo.Feature) (*network.Distances, error) {
	var srcs []network.Source
	for _, f := range added {
		switch t := f.Geom.(type) {
		case orb.Point:
			if at, dd, ok := a.graph.Snap(t, SnapLimit); ok {
				srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: dd})
			}
		default:
			for _, acc := range a.graph.AccessPoints(t, network.AccessGap, false) {
				srcs = append(srcs, acc.Source(0))
			}
		}
	}
	return a.graph.MultiContext(ctx, srcs, r.Meters)
}

// shareScan gathers, target by target, the resident points that a
// what-if's added targets newly cover.
type shareScan struct {
	a      *Audit
	res    *Result
	walked *network.Distances // walk_access by walking: from the added targets
	reach  float64            // how far any added target reaches

	// Points newly covered, per parcel (radius_coverage measures a parcel
	// from its inside point: all its points at once), and how many are
	// newly within the rule's metres in a straight line.
	newly         map[*Parcel][]int32
	straightNewly map[*Parcel]int
	seen          map[int32]bool // points (radius: parcels' first) newly covered
	seenStraight  map[int32]bool // points newly within in a straight line
}

// scan looks at the parcels within reach of the added target f.
func (sc *shareScan) scan(f *geo.Feature) {
	r := sc.res.Rule
	b := f.Geom.Bound()
	search := geo.PadBound(b, sc.reach)
	// A point outside near is farther than the rule's metres in a
	// straight line, by any of the measures (a margin for their
	// differences), so its straight distance need not be worked out.
	near := geo.PadBound(b, r.Meters*1.05+1)
	sc.a.searchParcels(search, func(p *Parcel) bool {
		if r.Type == RadiusCoverage {
			sc.radiusParcel(p, f)
			return true
		}
		for i := p.first; i < p.first+p.count; i++ {
			sc.point(p, i, f, b, near)
		}
		return true
	})
}

// radiusParcel: a parcel outside every radius is newly covered, all its
// points at once, when its inside point lies within f's radius.
func (sc *shareScan) radiusParcel(p *Parcel, f *geo.Feature) {
	if !math.IsInf(sc.res.Distance.At(int(p.ix)), 1) || sc.seen[p.first] {
		return
	}
	if rad, ok := tierRadius(sc.res.Rule, f); ok && geo.DistanceTo(p.Point, f.Geom) <= rad {
		sc.seen[p.first] = true
		for i := p.first; i < p.first+p.count; i++ {
			sc.newly[p] = append(sc.newly[p], i)
		}
	}
}

// point: resident point i of parcel p, newly covered by f (walking or in
// a straight line, as the audit measures), and newly within the rule's
// metres of it in a straight line. b is f's bound, near it padded as scan
// says.
func (sc *shareScan) point(p *Parcel, i int32, f *geo.Feature, b, near orb.Bound) {
	a, res, meters := sc.a, sc.res, sc.res.Rule.Meters
	wasIn := res.pointDist[i] <= meters || sc.seen[i]
	wasStraight := res.pointStraight[i] <= meters || sc.seenStraight[i]
	if wasIn && wasStraight {
		return
	}
	straight := -1.0
	switch {
	case !near.Contains(a.pts[i]):
		straight = math.Inf(1)
	case sc.walked == nil: // the figure itself: geodesic, as the audit's
		straight = geo.DistanceTo(a.pts[i], f.Geom)
	case !wasStraight: // the share beside it, measured as the audit does
		straight = localDistance(a.pts[i], geo.ClosestPoint(a.pts[i], f.Geom))
	}
	in := false
	switch {
	case wasIn:
	case sc.walked == nil:
		in = straight <= meters
	case b.Contains(a.pts[i]) && geo.Contains(f.Geom, a.pts[i]): // inside the new target
		in = true
	case !math.IsInf(a.access[i], 1):
		w, lab := sc.walked.To(a.at[i])
		in = lab >= 0 && w+a.access[i] <= meters
	}
	if in {
		sc.newly[p] = append(sc.newly[p], i)
		sc.seen[i] = true
	}
	if !wasStraight && straight <= meters {
		sc.straightNewly[p]++
		sc.seenStraight[i] = true
	}
}

// count adds the newly covered points to the rule's delta and to the
// units' figures (after, copies of the audit's): residents and land
// covered, and the straight-line share.
func (sc *shareScan) count(rd *RuleDelta, after map[*Unit]*UnitResult) {
	var newlyCovered float64
	for p, pts := range sc.newly {
		frac := float64(len(pts)) / float64(p.count)
		rd.Parcels = append(rd.Parcels, p.ID)
		rd.points = append(rd.points, pts...)
		newlyCovered += float64(p.Population) * frac
		for _, u := range p.Units() {
			if ur, ok := after[u]; ok {
				ur.covered += float64(p.Population) * frac
				ur.LandCovered += p.Area * frac
			}
		}
	}
	sort.Slice(rd.Parcels, func(i, j int) bool { return rd.Parcels[i] < rd.Parcels[j] })
	rd.NewlyCovered = int64(math.Round(newlyCovered))
	for p, k := range sc.straightNewly {
		for _, u := range p.Units() {
			if ur, ok := after[u]; ok && ur.Residents > 0 {
				ur.Straight += float64(p.Population) * float64(k) / float64(p.count) / float64(ur.Residents)
			}
		}
	}
}

// areaDelta: the new target area not already covered by targets there,
// added to each unit it falls in (and the city).
func (a *Audit) areaDelta(gc *geos.Context, res *Result, rd *RuleDelta, added []*geo.Feature) error {
	r := res.Rule
	l := a.snap.Layer(r.Target.Layer)
	var newPolys, oldPolys []orb.Geometry
	var b orb.Bound
	for i, f := range added {
		newPolys = append(newPolys, f.Geom)
		if i == 0 {
			b = f.Geom.Bound()
		}
		b = b.Union(f.Geom.Bound())
	}
	l.Search(b, func(f *geo.Feature) bool {
		if r.Target.Match(f) {
			oldPolys = append(oldPolys, f.Geom)
		}
		return true
	})
	fresh, freshG, err := newArea(gc, newPolys, oldPolys)
	if err != nil {
		return err
	}
	var sum float64
	rd.Units = make([]UnitDelta, 0, len(res.Units))
	copies := make([]UnitResult, len(res.Units))
	for i, u := range res.Units {
		copies[i] = *u
		c := &copies[i]
		if i > 0 && fresh != nil && u.Unit.Geom.Bound().Intersects(b) {
			add, err := areaWithin(gc, freshG, u.Unit.Geom)
			if err != nil {
				return err
			}
			c.Numerator += add
			sum += add
		}
		rd.Units = append(rd.Units, UnitDelta{u, c})
	}
	city := rd.Units[0].After
	if r.Type == PerCapita && fresh != nil {
		city.Numerator += geo.Area(fresh)
	} else {
		city.Numerator += sum
	}
	for _, ud := range rd.Units {
		ur := ud.After
		if ur.NA {
			continue
		}
		ur.Value = ur.Numerator / ur.Denominator
		ur.Pass = ur.Value >= r.Min
		if r.Type == PerCapita {
			ur.Pass = ur.Value > r.Min
		}
	}
	return nil
}

// newArea returns the union of add less the union of old (nil if empty),
// and the same in GEOS, for measuring it within each unit.
func newArea(gc *geos.Context, add, old []orb.Geometry) (orb.Geometry, *geos.Geom, error) {
	toUnion := func(gs []orb.Geometry) (*geos.Geom, error) {
		parts := make([]*geos.Geom, 0, len(gs))
		for _, g := range gs {
			x, err := toGEOS(gc, g)
			if err != nil {
				return nil, err
			}
			parts = append(parts, x)
		}
		return gc.NewCollection(geos.TypeIDGeometryCollection, parts).UnaryUnion(), nil
	}
	n, err := toUnion(add)
	if err != nil {
		return nil, nil, err
	}
	if len(old) > 0 {
		o, err := toUnion(old)
		if err != nil {
			return nil, nil, err
		}
		n = n.Difference(o)
	}
	if n == nil || n.IsEmpty() {
		return nil, nil, nil
	}
	out, err := wkbGeometry(n)
	if err != nil {
		return nil, nil, err
	}
	mp := geo.Polygons(out)
	if len(mp) == 0 {
		return nil, nil, nil
	}
	return mp, n, nil
}

// Compare is the delta between two audits of the same rules: for a
// scenario that changes or deletes features, which a what-if cannot do
// incrementally, the audit of the scenario's data against the baseline's.
func Compare(before, after *Audit) *Delta {
	d := &Delta{}
	// Where each of after's parcels is in before: the same index when both
	// audits have the same parcels, else found by id (-1: none).
	was := func(i int, id int64) int { return i }
	if !before.pix.same(after.pix) {
		was = func(_ int, id int64) int {
			j, _ := before.pix.of(id)
			return j
		}
	}
	for i, rb := range before.Results {
		ra := after.Results[i]
		rd := &RuleDelta{Rule: rb.Rule}
		for j, u := range rb.Units {
			a := ra.Units[min(j, len(ra.Units)-1)]
			for _, x := range ra.Units {
				if x.Unit.ID == u.Unit.ID && x.Unit.Level == u.Unit.Level {
					a = x
					break
				}
			}
			rd.Units = append(rd.Units, UnitDelta{u, a})
		}
		if rb.Rule.Type == WalkAccess || rb.Rule.Type == RadiusCoverage {
			// The share of a parcel's residents covered (i: its index in
			// the audit's parcels, -1 if not among them).
			covered := func(r *Result, i int) float64 {
				switch {
				case i < 0:
					return 0
				case r.Share != nil:
					return r.Share.At(i)
				case !math.IsInf(r.Distance.At(i), 1):
					return 1
				}
				return 0
			}
			var newly float64
			for k, p := range after.Parcels {
				if gain := covered(ra, k) - covered(rb, was(k, p.ID)); gain > 0 {
					rd.Parcels = append(rd.Parcels, p.ID)
					newly += float64(p.Population) * gain
				}
			}
			rd.NewlyCovered = int64(math.Round(newly))
		}
		d.Rules = append(d.Rules, rd)
	}
	return d
}
