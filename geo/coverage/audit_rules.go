package coverage

import (
	"context"
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geos"
)

// targets returns the features of the rule's target that match its filter.
func targets(snap *index.Snapshot, fl *Filter) []*geo.Feature {
	var out []*geo.Feature
	snap.Layer(fl.Layer).Scan(func(f *geo.Feature) bool {
		if fl.Match(f) {
			out = append(out, f)
		}
		return true
	})
	return out
}

// straightNearest returns, per parcel (in the order of a.Parcels), the
// straight-line distance from its inside point to the nearest feature
// accepted by ok, looking no farther than limit (beyond: +Inf).
func (a *Audit) straightNearest(ctx context.Context, snap *index.Snapshot, layer string, ok func(*geo.Feature) (float64, bool), limit float64) ([]float64, error) {
	pts := make([]orb.Point, len(a.Parcels))
	for i, p := range a.Parcels {
		pts[i] = p.Point
	}
	return straightAt(ctx, snap, pts, nil, layer, ok, limit, true)
}

// walkAccess measures every resident point (residents.go) in the audit's
// mode and in a straight line; a parcel's figure is its points'.
func (a *Audit) walkAccess(ctx context.Context, snap *index.Snapshot, g *network.Graph, r *Rule) (*Result, error) {
	ts := targets(snap, &r.Target)
	res := &Result{Rule: r}
	straight, err := a.pointStraight(ctx, snap, r)
	if err != nil {
		return nil, err
	}
	res.pointStraight = straight
	res.pointDist = straight
	if a.Mode == Walk {
		srcs := a.targetSources(g, ts)
		d, err := g.MultiContext(ctx, srcs, r.Meters)
		if err != nil {
			return nil, err
		}
		dist, labels, err := a.walked(ctx, d)
		if err != nil {
			return nil, err
		}
		// A point inside a qualifying target is at it, 0 m (inside.go).
		inside, err := a.pointsInside(ctx, r, ts)
		if err != nil {
			return nil, err
		}
		for i, k := range inside {
			if k >= 0 {
				dist[i], labels[i] = 0, k
			}
		}
		res.pointDist = dist
		nt := &nearestTargets{at: make([]int32, len(a.Parcels)), ids: make([]int64, len(ts))}
		for k, f := range ts {
			nt.ids[k] = f.ID
		}
		for k, p := range a.Parcels {
			best := -1
			for i := p.first; i < p.first+p.count; i++ {
				if labels[i] >= 0 && (best < 0 || dist[i] < dist[best]) {
					best = int(i)
				}
			}
			nt.at[k] = -1
			if best >= 0 {
				nt.at[k] = labels[best]
			}
		}
		res.target, res.Target = nt, nt.perParcel(a.pix)
	}
	a.shared.measured(r)
	var straightShare *PerParcel[float64]
	res.Distance, res.Share = a.pointFigures(res.pointDist, r.Meters)
	res.Straight, straightShare = a.pointFigures(straight, r.Meters)
	res.Units = a.shares(r, r.Pass, res.Share.At, true)
	// The straight-line share beside it.
	straightCovered := make([]float64, len(a.Units))
	a.eachUnit(res.Units, func(i int, p *Parcel, ur *UnitResult) {
		straightCovered[ur.Unit.ix] += float64(p.Population) * straightShare.At(i)
	})
	for _, ur := range res.Units {
		if ur.Residents > 0 {
			ur.Straight = straightCovered[ur.Unit.ix] / float64(ur.Residents)
		}
	}
	return res, nil
}

// targetSources are the walks' sources from the targets ts, each
// labelled with its index: a point where it snaps to g, a polygon's or a
// line's access points.
func (a *Audit) targetSources(g *network.Graph, ts []*geo.Feature) []network.Source {
	var srcs []network.Source
	for i, f := range ts {
		switch t := f.Geom.(type) {
		case orb.Point:
			if at, d, ok := g.Snap(t, SnapLimit); ok {
				srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: d, Label: int32(i)})
			}
		default:
			for _, acc := range a.accessPoints(g, f) {
				srcs = append(srcs, acc.Source(int32(i)))
			}
		}
	}
	return srcs
}

// accessPoints returns where walks join polygon target f (g.AccessPoints),
// found once for all the walk rules of Run.
func (a *Audit) accessPoints(g *network.Graph, f *geo.Feature) []network.Access {
	sh := a.shared
	if sh == nil { // outside Run (what-ifs): nothing to share
		return g.AccessPoints(f.Geom, network.AccessGap, false)
	}
	sh.mu.Lock()
	acc, ok := sh.of[f]
	sh.mu.Unlock()
	if ok {
		return acc
	}
	acc = g.AccessPoints(f.Geom, network.AccessGap, false)
	sh.mu.Lock()
	if sh.of != nil {
		sh.of[f] = acc
	}
	sh.mu.Unlock()
	return acc
}

// eachUnit calls fn for every parcel (i: its index in a.Parcels) and every
// one of urs whose unit holds it, in one pass over the parcels.
func (a *Audit) eachUnit(urs []*UnitResult, fn func(i int, p *Parcel, ur *UnitResult)) {
	byUnit := make([]*UnitResult, len(a.Units))
	for _, ur := range urs {
		byUnit[ur.Unit.ix] = ur
	}
	for i, p := range a.Parcels {
		for _, u := range p.Units() {
			if ur := byUnit[u.ix]; ur != nil {
				fn(i, p, ur)
			}
		}
	}
}

// addResidents sums each unit's residents and residential land.
func (a *Audit) addResidents(urs []*UnitResult) {
	a.eachUnit(urs, func(_ int, p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
		ur.Sources.add(p)
	})
}

// shares sums residents and land per unit and the part of each covered
// (covered gives a parcel's share, 0–1, by its index in a.Parcels); the
// value is the residents' share (byResidents) or the land's.
func (a *Audit) shares(r *Rule, pass float64, covered func(int) float64, byResidents bool) []*UnitResult {
	var out []*UnitResult
	for _, u := range a.levelUnits(r) {
		out = append(out, &UnitResult{Unit: u, Threshold: pass})
	}
	// The failing parcels are counted per unit first, so that each unit's
	// list is allocated at its size.
	fails := make([]bool, len(a.Parcels))
	nfail := make([]int, len(a.Units))
	a.eachUnit(out, func(i int, p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
		ur.Sources.add(p)
		c := covered(i)
		ur.covered += float64(p.Population) * c
		ur.LandCovered += p.Area * c
		if c < 1 {
			fails[i] = true
			nfail[ur.Unit.ix]++
		}
	})
	for _, ur := range out {
		if n := nfail[ur.Unit.ix]; n > 0 {
			ur.Failing = make(ParcelList, 0, n)
		}
	}
	a.eachUnit(out, func(i int, _ *Parcel, ur *UnitResult) {
		if fails[i] {
			ur.Failing = append(ur.Failing, int32(i))
		}
	})
	for _, ur := range out {
		ur.settleShare(pass, byResidents)
	}
	return out
}

// settleShare sets a unit's share figures from the residents and land it
// covers: the residents' share (byResidents) or the land's, passing at
// pass; a unit with neither is not applicable (and passes).
func (ur *UnitResult) settleShare(pass float64, byResidents bool) {
	ur.Covered = int64(math.Round(ur.covered))
	if byResidents {
		ur.Numerator, ur.Denominator = ur.covered, float64(ur.Residents)
	} else {
		ur.Numerator, ur.Denominator = ur.LandCovered, ur.Land
	}
	if ur.Denominator == 0 {
		ur.NA, ur.Pass = true, true
	} else {
		ur.Value = ur.Numerator / ur.Denominator
		ur.Pass = ur.Value >= pass
	}
}

// checkEvery is how many parcels a loop passes between looks at its
// context's deadline.
const checkEvery = 4096

// areaShare: area_ratio (target area inside the unit ÷ the unit's area)
// and per_capita (target area inside the unit ÷ its residents).
func (a *Audit) areaShare(snap *index.Snapshot, gc *geos.Context, r *Rule) (*Result, error) {
	res := &Result{Rule: r}
	l := snap.Layer(r.Target.Layer)
	units := a.levelUnits(r)
	urs := make([]*UnitResult, len(units))
	for i, u := range units {
		urs[i] = &UnitResult{Unit: u}
	}
	a.addResidents(urs)
	var sumNum, sumDen float64
	for _, ur := range urs[1:] {
		u := ur.Unit
		var polys []orb.Geometry
		l.Search(u.Geom.Bound(), func(f *geo.Feature) bool {
			if r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
			return true
		})
		num, err := overlapArea(gc, u.Geom, polys)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.Level, u.Name, err)
		}
		ur.Numerator = num
		a.finishShare(r, ur)
		sumNum += num
		sumDen += ur.Denominator
		res.Units = append(res.Units, ur)
	}
	city := urs[0]
	city.Numerator = sumNum
	if r.Type == PerCapita {
		// All the target area there is, whatever units exist.
		var polys []orb.Geometry
		l.Scan(func(f *geo.Feature) bool {
			if r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
			return true
		})
		num, err := overlapArea(gc, nil, polys)
		if err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		city.Numerator = num
	}
	a.finishShare(r, city)
	if r.Type == AreaRatio {
		city.Denominator = sumDen // the units' own areas, summed
		city.NA = sumDen == 0
		if !city.NA {
			city.Value = sumNum / sumDen
			city.Pass = city.Value >= r.Min
		}
	}
	res.Units = append([]*UnitResult{city}, res.Units...)
	return res, nil
}

func (a *Audit) finishShare(r *Rule, ur *UnitResult) {
	ur.Threshold = r.Min
	if r.Type == AreaRatio {
		ur.Denominator = ur.Unit.Area
	} else {
		ur.Denominator = float64(ur.Residents)
	}
	if ur.Denominator == 0 {
		ur.NA, ur.Pass = true, true
		return
	}
	ur.Value = ur.Numerator / ur.Denominator
	ur.Pass = ur.Value >= r.Min
	if r.Type == PerCapita {
		ur.Pass = ur.Value > r.Min // "more than 8 m²"
	}
}

// residentsPerTarget: residents in the unit ÷ targets in it. Each target
// is placed once in the units holding its first point.
func (a *Audit) residentsPerTarget(snap *index.Snapshot, r *Rule) *Result {
	res := &Result{Rule: r}
	ts := targets(snap, &r.Target)
	var urs []*UnitResult
	for _, u := range a.levelUnits(r) {
		urs = append(urs, &UnitResult{Unit: u, Threshold: r.Max})
	}
	a.addResidents(urs)
	count := make(map[*Unit]int, len(urs))
	for _, f := range ts {
		a.unitsHolding(firstPoint(f.Geom), func(u *Unit) { count[u]++ })
	}
	for _, ur := range urs {
		n := count[ur.Unit]
		ur.Numerator, ur.Denominator = float64(ur.Residents), float64(n)
		switch {
		case ur.Residents == 0:
			ur.NA, ur.Pass = true, true
		case n == 0:
			ur.Value, ur.Pass = math.Inf(1), false
		default:
			ur.Value = float64(ur.Residents) / float64(n)
			ur.Pass = ur.Value <= r.Max
		}
		res.Units = append(res.Units, ur)
	}
	return res
}

func firstPoint(g orb.Geometry) orb.Point {
	switch t := g.(type) {
	case orb.Point:
		return t
	}
	return g.Bound().Center()
}
