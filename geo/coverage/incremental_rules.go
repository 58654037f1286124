package coverage

import (
	"fmt"
	"math"
	"slices"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// How Update brings each kind of rule up to date.

// walkAccess: the resident points a changed target could reach or could
// have reached (walking: within the rule's metres from where they join
// the network) are measured again, all the points of their parcels, from
// the targets within reach of those parcels: the same walk and the same
// straight lines a full audit makes for them.
func (u *updater) walkAccess(res *Result, was, now []*geo.Feature) (*Result, error) {
	a, r := u.a, res.Rule
	walk := a.Mode == Walk
	out := *res
	var touched []*Parcel
	if len(was)+len(now) > 0 {
		reach := reachMargin(r.Meters)
		pad := reach
		if walk {
			pad += SnapLimit
		}
		touched = u.reached(bounds(was, now), pad, func(p *Parcel, b orb.Bound) bool {
			for i := p.first; i < p.first+p.count; i++ {
				m := reach
				if walk && !math.IsInf(a.access[i], 1) {
					m += a.access[i]
				}
				if geo.PadBound(b, m).Contains(a.pts[i]) {
					return true
				}
			}
			return false
		})
	}
	if len(touched) > 0 {
		maxAccess := 0.0
		if walk {
			for _, p := range touched {
				for i := p.first; i < p.first+p.count; i++ {
					if !math.IsInf(a.access[i], 1) {
						maxAccess = math.Max(maxAccess, a.access[i])
					}
				}
			}
		}
		ts := u.localTargets(r.Target.Layer, touched, reachMargin(r.Meters)+maxAccess, r.Target.Match)
		out.pointStraight = slices.Clone(res.pointStraight)
		out.pointDist = out.pointStraight
		if walk {
			out.pointDist = slices.Clone(res.pointDist)
		}
		if walk {
			out.target = res.target.clone()
			out.Target = out.target.perParcel(res.Target.ix)
		}
		sts := make([]straightTarget, len(ts))
		stp := make([]*straightTarget, len(ts))
		for i, f := range ts {
			sts[i] = straightTarget{f, f.Bound(), r.Meters}
			stp[i] = &sts[i]
		}
		var cs []straightCand
		for _, p := range touched {
			for i := p.first; i < p.first+p.count; i++ {
				out.pointStraight[i], cs = straightNearest(a.pts[i], stp, cs, !walk)
			}
		}
		if walk {
			if err := u.walkPoints(&out, touched, ts); err != nil {
				return nil, err
			}
		}
		out.Distance, out.Share = u.na.pointFigures(out.pointDist, r.Meters)
		out.Straight, _ = u.na.pointFigures(out.pointStraight, r.Meters)
	}
	units, err := u.shareUnits(res, append(touched, u.changed...), func(p *Parcel) float64 { return out.Share.At(int(p.ix)) }, true, func(p *Parcel) float64 {
		return float64(p.pointsWithin(out.pointStraight, r.Meters)) / float64(p.count)
	})
	if err != nil {
		return nil, err
	}
	out.Units = units
	return &out, nil
}

// walkPoints walks from the targets ts to the points of the parcels ps,
// as walkAccess does for every point, and names each parcel's nearest
// target.
func (u *updater) walkPoints(out *Result, ps []*Parcel, ts []*geo.Feature) error {
	a, g := u.a, u.a.graph
	srcs := a.targetSources(g, ts)
	d, err := g.MultiContext(u.ctx, srcs, out.Rule.Meters)
	if err != nil {
		return err
	}
	ti := newTargetIndex(ts)
	for _, p := range ps {
		best, bestLabel := -1, int32(-1)
		for i := p.first; i < p.first+p.count; i++ {
			dist, label := math.Inf(1), int32(-1)
			if !math.IsInf(a.access[i], 1) {
				if w, l := d.To(a.at[i]); l >= 0 {
					dist, label = w+a.access[i], l
				}
			}
			if k, in := ti.holding(a.pts[i]); in {
				dist, label = 0, k
			}
			out.pointDist[i] = dist
			if label >= 0 && (best < 0 || dist < out.pointDist[best]) {
				best, bestLabel = int(i), label
			}
		}
		out.target.set(p.ix, NoTarget)
		if best >= 0 {
			out.target.set(p.ix, ts[bestLabel].ID)
		}
	}
	return nil
}

// unitsOf returns the indexes into res.Units of the units holding any of
// ps.
func unitsOf(res *Result, ps []*Parcel) []int {
	at := make(map[*Unit]int, len(res.Units))
	for i, ur := range res.Units {
		at[ur.Unit] = i
	}
	seen := map[int]bool{}
	var out []int
	for _, p := range ps {
		for _, un := range p.Units() {
			if i, ok := at[un]; ok && !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	slices.Sort(out)
	return out
}

// eachParcelIn calls fn for each of the new audit's parcels held by unit
// un, in the audit's order: every parcel for the city, else those whose
// bounds meet the unit's that list it. It stops early when u's context
// ends (the caller looks).
func (u *updater) eachParcelIn(un *Unit, fn func(*Parcel)) {
	na := u.na
	if un == na.Units[0] || un.Geom == nil {
		city := un == na.Units[0] // every parcel's first unit
		for i, p := range na.Parcels {
			if i%checkEvery == 0 && u.ctx.Err() != nil {
				return
			}
			if city || slices.Contains(p.Units(), un) {
				fn(p)
			}
		}
		return
	}
	b := un.Geom.Bound()
	var in []*Parcel
	na.searchParcels(b, func(p *Parcel) bool {
		if slices.Contains(p.Units(), un) {
			in = append(in, p)
		}
		return true
	})
	slices.SortFunc(in, func(p, q *Parcel) int { return cmpID(p.ID, q.ID) })
	for _, p := range in {
		fn(p)
	}
}

// shareUnits is shares (and walkAccess's straight-line share, when
// straight is set) again for the units holding any of ps, summed over
// their parcels in the audit's order as a full audit sums them; the other
// units' figures are res's.
func (u *updater) shareUnits(res *Result, ps []*Parcel, covered func(*Parcel) float64, byResidents bool, straight func(*Parcel) float64) ([]*UnitResult, error) {
	which := unitsOf(res, ps)
	if len(which) == 0 {
		return res.Units, nil
	}
	r := res.Rule
	out := slices.Clone(res.Units)
	for _, i := range which {
		if err := u.ctx.Err(); err != nil {
			return nil, err
		}
		ur := &UnitResult{Unit: res.Units[i].Unit, Threshold: res.Units[i].Threshold}
		var straightCovered float64
		u.eachParcelIn(ur.Unit, func(p *Parcel) {
			ur.Residents += p.Population
			ur.Land += p.Area
			ur.Sources.add(p)
			c := covered(p)
			ur.covered += float64(p.Population) * c
			ur.LandCovered += p.Area * c
			if c < 1 {
				ur.Failing = append(ur.Failing, p.ix)
			}
			if straight != nil {
				straightCovered += float64(p.Population) * straight(p)
			}
		})
		if err := u.ctx.Err(); err != nil {
			return nil, err
		}
		if cap(ur.Failing) > len(ur.Failing) {
			ur.Failing = slices.Clone(ur.Failing)
		}
		ur.settleShare(r.Pass, byResidents)
		if straight != nil && ur.Residents > 0 {
			ur.Straight = straightCovered / float64(ur.Residents)
		}
		out[i] = ur
	}
	return out, nil
}

// radiusCoverage: the parcels whose inside point a changed radius reaches
// or reached are measured again (from the targets whose radius could reach
// them), the changed radii taken off and put on the rule's radii, and the
// cells any of them touches overlaid again; the units' land figures are
// then summed from the cells as a full audit sums them.
func (u *updater) radiusCoverage(res *Result, was, now []*geo.Feature) (*Result, error) {
	r := res.Rule
	out := *res
	maxR := maxTierRadius(r)
	var touched []*Parcel
	if len(was)+len(now) > 0 {
		reach := maxR*1.02 + 10
		touched = u.reached(bounds(was, now), reach, func(p *Parcel, b orb.Bound) bool {
			return geo.PadBound(b, reach).Contains(p.Point)
		})
		ts := u.localTargets(r.Target.Layer, touched, reach, func(f *geo.Feature) bool { _, ok := tierRadius(r, f); return ok })
		sts := make([]straightTarget, len(ts))
		stp := make([]*straightTarget, len(ts))
		for i, f := range ts {
			rad, _ := tierRadius(r, f)
			sts[i] = straightTarget{f, f.Bound(), rad}
			stp[i] = &sts[i]
		}
		out.Distance = res.Distance.clone()
		var cs []straightCand
		for _, p := range touched {
			out.Distance.v[p.ix], cs = straightNearest(p.Point, stp, cs, true)
		}
		st, err := u.radiusState(res.radius, was, now)
		if err != nil {
			return nil, err
		}
		out.radius = st
	}
	units, err := u.shareUnits(res, append(touched, u.changed...), func(p *Parcel) float64 {
		if math.IsInf(out.Distance.v[p.ix], 1) {
			return 0
		}
		return 1
	}, false, nil)
	if err != nil {
		return nil, err
	}
	// The land figures of every unit, from the cells (copies: res's are
	// kept as they are).
	out.Units = make([]*UnitResult, len(units))
	for i, ur := range units {
		c := *ur
		out.Units[i] = &c
	}
	out.radius.apply(out.Units, out.radius.cells)
	return &out, nil
}

// radiusState returns st with the radii of was taken off and those of now
// put on, and the cells either reaches overlaid again; st is not changed.
func (u *updater) radiusState(st *radiusState, was, now []*geo.Feature) (*radiusState, error) {
	r := st.rule
	ns := &radiusState{rule: r}
	ns.units, ns.land = st.units, st.land
	ns.bufs = slices.Clone(st.bufs)
	ns.btree = *st.btree.Copy()
	var reach []orb.Bound
	for _, f := range was {
		rad, _ := tierRadius(r, f)
		g, err := groundBuffer(u.gc, f.Geom, rad)
		if err != nil {
			return nil, fmt.Errorf("radius of %s %d: %w", f.Layer, f.ID, err)
		}
		mp := geo.Polygons(g)
		b := mp.Bound()
		gone := -1
		ns.btree.Search(b.Min, b.Max, func(_, _ [2]float64, k int) bool {
			if ns.bufs[k] != nil && ns.bufs[k].b == b && orb.Equal(ns.bufs[k].poly, mp) {
				gone = k
				return false
			}
			return true
		})
		if gone < 0 {
			return nil, fmt.Errorf("%w: the radius of %s %d is not the audit's", ErrWide, f.Layer, f.ID)
		}
		ns.btree.Delete(b.Min, b.Max, gone)
		ns.bufs[gone] = nil
		reach = append(reach, b)
	}
	for _, f := range now {
		rad, _ := tierRadius(r, f)
		g, err := groundBuffer(u.gc, f.Geom, rad)
		if err != nil {
			return nil, fmt.Errorf("radius of %s %d: %w", f.Layer, f.ID, err)
		}
		ns.addBuffer(g)
		reach = append(reach, g.Bound())
	}
	ns.cells = slices.Clone(st.cells)
	st.freeMu.Lock() // what-ifs make free land as they need it
	ns.free = slices.Clone(st.free)
	st.freeMu.Unlock()
	var which []int
	for i := range ns.cells {
		cb := ns.cells[i].bound()
		for _, b := range reach {
			if b.Intersects(cb) {
				which = append(which, i)
				ns.free[i] = cellFree{}
				break
			}
		}
	}
	if err := ns.measure(u.ctx, ns.cells, which, nil, nil, ns.free); err != nil {
		return nil, err
	}
	return ns, nil
}

// residentUnits returns copies of res's units with the residents (and
// land, and their sources) of those holding changed parcels summed again
// as addResidents sums them; changed lists their indexes.
func (u *updater) residentUnits(res *Result) (urs []*UnitResult, changed []int, err error) {
	urs = make([]*UnitResult, len(res.Units))
	for i, ur := range res.Units {
		c := *ur
		urs[i] = &c
	}
	changed = unitsOf(res, u.changed)
	for _, i := range changed {
		if err := u.ctx.Err(); err != nil {
			return nil, nil, err
		}
		ur := urs[i]
		ur.Residents, ur.Land, ur.Sources = 0, 0, PopSources{}
		u.eachParcelIn(ur.Unit, func(p *Parcel) {
			ur.Residents += p.Population
			ur.Land += p.Area
			ur.Sources.add(p)
		})
	}
	if err := u.ctx.Err(); err != nil {
		return nil, nil, err
	}
	return urs, changed, nil
}

// areaShare: the units a changed target's bounds meet have their target
// area overlaid again as a full audit overlays it; per_capita's city (all
// the target area there is) moves by the difference the change makes to
// the union inside the changed targets' bounds.
func (u *updater) areaShare(res *Result, was, now []*geo.Feature) (*Result, error) {
	r := res.Rule
	if len(was)+len(now) == 0 && len(u.changed) == 0 {
		return res, nil
	}
	urs, resid, err := u.residentUnits(res)
	if err != nil {
		return nil, err
	}
	again := map[int]bool{}
	for _, i := range resid {
		again[i] = true
	}
	bs := bounds(was, now)
	l := u.next.Layer(r.Target.Layer)
	for i, ur := range urs {
		if i == 0 {
			continue
		}
		ub := ur.Unit.Geom.Bound()
		meets := false
		for _, b := range bs {
			meets = meets || b.Intersects(ub)
		}
		if meets {
			var polys []orb.Geometry
			l.Search(ub, func(f *geo.Feature) bool {
				if r.Target.Match(f) {
					polys = append(polys, f.Geom)
				}
				return true
			})
			num, err := overlapArea(u.gc, ur.Unit.Geom, polys)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", ur.Unit.Level, ur.Unit.Name, err)
			}
			ur.Numerator = num
			again[i] = true
		}
	}
	var sumNum, sumDen float64
	for i, ur := range urs[1:] {
		if again[i+1] {
			ur.NA, ur.Pass, ur.Value = false, false, 0
			u.a.finishShare(r, ur)
		}
		sumNum += ur.Numerator
		sumDen += ur.Denominator
	}
	city := urs[0]
	city.Numerator = sumNum
	if r.Type == PerCapita {
		city.Numerator = res.Units[0].Numerator
		if len(bs) > 0 {
			d, err := u.unionDelta(r, bs)
			if err != nil {
				return nil, fmt.Errorf("city: %w", err)
			}
			city.Numerator += d
		}
	}
	city.NA, city.Pass, city.Value = false, false, 0
	u.a.finishShare(r, city)
	if r.Type == AreaRatio {
		city.Denominator = sumDen
		city.NA = sumDen == 0
		if !city.NA {
			city.Value = sumNum / sumDen
			city.Pass = city.Value >= r.Min
		}
	}
	out := *res
	out.Units = urs
	return &out, nil
}

// unionDelta is how much the area of the union of the rule's targets grew
// from the old snapshot to the new: inside the box holding the changed
// bounds bs (outside it nothing changed), the union of the targets meeting
// it, before and after.
func (u *updater) unionDelta(r *Rule, bs []orb.Bound) (float64, error) {
	box := bs[0]
	for _, b := range bs[1:] {
		box = box.Union(b)
	}
	box = geo.PadBound(box, 1)
	area := func(snap *index.Snapshot) (float64, error) {
		var polys []orb.Geometry
		snap.Layer(r.Target.Layer).Search(box, func(f *geo.Feature) bool {
			if r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
			return true
		})
		if len(polys) == 0 {
			return 0, nil
		}
		all, err := unionGEOS(u.gc, polys)
		if err != nil {
			return 0, err
		}
		return areaWithin(u.gc, all, box.ToPolygon())
	}
	before, err := area(u.a.snap)
	if err != nil {
		return 0, err
	}
	after, err := area(u.next)
	if err != nil {
		return 0, err
	}
	return after - before, nil
}

// residentsPerTarget: each unit's count of targets moves by the changed
// targets whose point it holds; its residents are summed again where
// parcels changed.
func (u *updater) residentsPerTarget(res *Result, was, now []*geo.Feature) (*Result, error) {
	r := res.Rule
	if len(was)+len(now) == 0 && len(u.changed) == 0 {
		return res, nil
	}
	urs, _, err := u.residentUnits(res)
	if err != nil {
		return nil, err
	}
	for _, ur := range urs {
		n := int(ur.Denominator)
		for _, f := range was {
			if u.na.unitHolds(ur.Unit, firstPoint(f.Geom)) {
				n--
			}
		}
		for _, f := range now {
			if u.na.unitHolds(ur.Unit, firstPoint(f.Geom)) {
				n++
			}
		}
		ur.Numerator, ur.Denominator = float64(ur.Residents), float64(n)
		ur.NA, ur.Pass, ur.Value = false, false, 0
		switch {
		case ur.Residents == 0:
			ur.NA, ur.Pass = true, true
		case n == 0:
			ur.Value, ur.Pass = math.Inf(1), false
		default:
			ur.Value = float64(ur.Residents) / float64(n)
			ur.Pass = ur.Value <= r.Max
		}
	}
	out := *res
	out.Units = urs
	return &out, nil
}

// corridor: the roads within reach of a changed target are walked again
// on the new snapshot; their old shares are taken off the sums and their
// new ones added, and each unit's gaps listed again road by road in the
// audit's order.
func (u *updater) corridor(res *Result, was, now []*geo.Feature) *Result {
	r, st := res.Rule, res.corridor
	if len(was)+len(now) == 0 || st == nil {
		return res
	}
	bs := bounds(was, now)
	var near []int
	for i, rd := range st.roads {
		rb := rd.f.Geom.Bound()
		for _, b := range bs {
			if geo.PadBound(b, r.Meters+CorridorStep).Intersects(rb) {
				near = append(near, i)
				break
			}
		}
	}
	if len(near) == 0 {
		return res
	}
	units := make([]*Unit, len(res.Units))
	for i, ur := range res.Units {
		units[i] = ur.Unit
	}
	ct := u.na.newCorridorTally(u.next, r, units)
	ns := &corridorState{sum: slices.Clone(st.sum), roads: slices.Clone(st.roads)}
	for _, i := range near {
		old := st.roads[i]
		ct.road = &corridorRoad{f: old.f, sum: make([]corridorSum, len(units))}
		ct.sides(old.f)
		ns.roads[i] = ct.road
		for ui := range ns.sum {
			ns.sum[ui].total += ct.road.sum[ui].total - old.sum[ui].total
			ns.sum[ui].covered += ct.road.sum[ui].covered - old.sum[ui].covered
		}
	}
	gaps := make([][]Gap, len(units))
	for _, rd := range ns.roads {
		for _, g := range rd.gaps {
			gaps[g.unit] = append(gaps[g.unit], g.gap)
		}
	}
	out := &Result{Rule: r, corridor: ns}
	for i, un := range units {
		out.Units = append(out.Units, corridorUnit(r, un, ns.sum[i], gaps[i]))
	}
	return out
}
