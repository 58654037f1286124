package coverage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geos"
)

// Change is what a commit did to a snapshot's layers: per layer, the
// features it put (new ones and new versions) and those that left the
// snapshot (deleted, or replaced by a version in Put).
type Change struct {
	Put  map[string][]*geo.Feature
	Left map[string][]*geo.Feature
}

// size is how many features the change touches.
func (ch *Change) size() int {
	n := 0
	for _, fs := range ch.Put {
		n += len(fs)
	}
	for _, fs := range ch.Left {
		n += len(fs)
	}
	return n
}

// ChangeOf works out the change from prev to next, the snapshot an edit
// made of it, from where the edit changed the layers (d): the features of
// next inside d's bounds that prev lacks are put, and d's Left have left.
// It is false when d marks a whole layer changed (a reload, an edit too
// large to list), whose change only a full audit can follow.
func ChangeOf(prev, next *index.Snapshot, d index.Dirty) (*Change, bool) {
	if len(d.All) > 0 || len(d.Reloaded) > 0 {
		return nil, false
	}
	ch := &Change{Put: map[string][]*geo.Feature{}, Left: map[string][]*geo.Feature{}}
	for layer, fs := range d.Left {
		ch.Left[layer] = append(ch.Left[layer], fs...)
	}
	for layer, bs := range d.Bounds {
		was, now := prev.Layer(layer), next.Layer(layer)
		if was == nil || now == nil {
			return nil, false
		}
		seen := map[int64]bool{}
		for _, b := range bs {
			now.Search(b, func(f *geo.Feature) bool {
				if seen[f.ID] {
					return true
				}
				seen[f.ID] = true
				if old, ok := was.Get(f.ID); !ok || old != f {
					ch.Put[layer] = append(ch.Put[layer], f)
				}
				return true
			})
		}
	}
	return ch, true
}

// ErrWide is returned by Update when a change reaches too far for the
// audit to follow it incrementally: a full Run is the way.
var ErrWide = errors.New("coverage: change too wide for an incremental audit")

// maxIncremental bounds the features a change may touch for Update: past
// it, working each out costs more than a full audit saves.
const maxIncremental = 256

// Update returns the audit of next, the snapshot ch made of a's, derived
// from a rather than run afresh: only what the change can reach is worked
// out again (the resident points within reach of a changed target, the
// radius cells its radii touch, the units holding changed parcels or
// targets), and the rest of a's figures are shared (a is not changed). Its
// figures are a full Run's on next, but for rounding where a sum moves by
// a difference (a corridor's covered length, per_capita's city area).
//
// It handles targets (green spaces, collection points, any feature of a
// rule's target layer) added, changed and deleted, and parcels' attributes
// (population, land area, name, source of the population) changed. It
// returns ErrWide, and a full Run is needed, when the change
//   - touches the roads (the walking network and the corridors' roads) or
//     the areas (the units);
//   - adds or deletes parcels, moves one, or changes whether it has
//     residents or is residential land (its resident points, the
//     grid of every parcel's points, the residential land);
//   - changes a parcels target of some rule, or touches more than
//     maxIncremental features.
func (a *Audit) Update(ctx context.Context, next *index.Snapshot, ch *Change) (*Audit, error) {
	if ch.size() > maxIncremental {
		return nil, fmt.Errorf("%w: %d features changed (at most %d)", ErrWide, ch.size(), maxIncremental)
	}
	for _, layer := range []string{geo.Roads, geo.Areas} {
		if len(ch.Put[layer])+len(ch.Left[layer]) > 0 {
			return nil, fmt.Errorf("%w: the %s layer changed", ErrWide, layer)
		}
	}
	if !slices.IsSortedFunc(a.Parcels, func(p, q *Parcel) int { return cmpID(p.ID, q.ID) }) {
		return nil, fmt.Errorf("%w: the audit's parcels are not in id order", ErrWide)
	}
	u := &updater{ctx: ctx, a: a, next: next, ch: ch}
	na := *a
	na.Generated = time.Now().UTC()
	na.snap = next
	u.na = &na
	if err := u.parcels(); err != nil {
		return nil, err
	}
	for _, res := range a.Results {
		if res.Rule.Target.Layer == geo.Parcels && len(u.changed) > 0 {
			return nil, fmt.Errorf("%w: rule %s targets the parcels", ErrWide, res.Rule.ID)
		}
	}
	// The rules are brought up to date side by side, each worker with its
	// own GEOS context.
	na.Results = make([]*Result, len(a.Results))
	errs := make([]error, len(a.Results))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(updateWorkers, runtime.GOMAXPROCS(0), len(a.Results)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := *u
			w.gc = geos.NewContext()
			for k := range jobs {
				na.Results[k], errs[k] = w.rule(a.Results[k])
			}
		}()
	}
	for k := range a.Results {
		if ctx.Err() != nil {
			break
		}
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &na, nil
}

// updateWorkers bounds the goroutines Update brings rules up to date on.
const updateWorkers = 2

// rule brings one rule's result up to date.
func (u *updater) rule(res *Result) (*Result, error) {
	r := res.Rule
	was, now := u.targets(r)
	var out *Result
	var err error
	switch r.Type {
	case WalkAccess:
		out, err = u.walkAccess(res, was, now)
	case RadiusCoverage:
		out, err = u.radiusCoverage(res, was, now)
	case AreaRatio, PerCapita:
		out, err = u.areaShare(res, was, now)
	case ResidentsPerTarget:
		out, err = u.residentsPerTarget(res, was, now)
	case Corridor:
		out = u.corridor(res, was, now)
	default:
		return nil, fmt.Errorf("%w: rule type %s", ErrWide, r.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	return out, nil
}

// Incremental is Update, falling back to a full Run of next (with opt)
// when the change is too wide; full says which was done.
func Incremental(ctx context.Context, a *Audit, next *index.Snapshot, ch *Change, opt Options) (out *Audit, full bool, err error) {
	if ch != nil {
		out, err = a.Update(ctx, next, ch)
		if !errors.Is(err, ErrWide) {
			return out, false, err
		}
	}
	opt.Mode = a.Mode
	out, err = Run(ctx, next, a.Rules, opt)
	return out, true, err
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// updater derives one audit (na) from another (a).
type updater struct {
	ctx  context.Context
	a    *Audit
	na   *Audit
	next *index.Snapshot
	ch   *Change
	gc   *geos.Context
	// The parcels whose attributes changed, in their new version.
	changed []*Parcel
}

// parcels takes in parcels whose attributes changed: new Parcels in the
// new audit's lists, its sources of residents summed again. Anything more
// than attributes is too wide (see Update).
func (u *updater) parcels() error {
	put, left := u.ch.Put[geo.Parcels], u.ch.Left[geo.Parcels]
	if len(put) == 0 && len(left) == 0 {
		return nil
	}
	olds := map[int64]*geo.Feature{}
	for _, f := range left {
		olds[f.ID] = f
	}
	if len(olds) != len(put) {
		return fmt.Errorf("%w: parcels added or deleted", ErrWide)
	}
	a, na := u.a, u.na
	for _, f := range put {
		old, ok := olds[f.ID]
		p := a.byID[f.ID]
		switch {
		case !ok || p == nil:
			return fmt.Errorf("%w: parcels added or deleted", ErrWide)
		case !orb.Equal(old.Geom, f.Geom):
			return fmt.Errorf("%w: parcel %d moved", ErrWide, f.ID)
		case old.Source != f.Source:
			return fmt.Errorf("%w: parcel %d has another source", ErrWide, f.ID)
		case (old.Int("population") > 0) != (f.Int("population") > 0):
			return fmt.Errorf("%w: parcel %d gained or lost its residents", ErrWide, f.ID)
		case residentialLand(old) != residentialLand(f):
			return fmt.Errorf("%w: parcel %d became or left residential land", ErrWide, f.ID)
		}
		np := *p
		np.Name, np.Geom, np.Population = f.Text("name"), f.Geom, f.Int("population")
		np.PopSource, np.Area = popSource(f.Text("pop_source"), f.Text("kind")), f.Float("area_m2")
		u.changed = append(u.changed, &np)
	}
	slices.SortFunc(u.changed, func(p, q *Parcel) int { return cmpID(p.ID, q.ID) })
	na.Parcels = slices.Clone(a.Parcels)
	na.byID = maps.Clone(a.byID)
	na.ptree = *a.ptree.Copy()
	na.Sources = PopSources{}
	for _, np := range u.changed {
		old := a.byID[np.ID]
		i, _ := slices.BinarySearchFunc(na.Parcels, np.ID, func(p *Parcel, id int64) int { return cmpID(p.ID, id) })
		na.Parcels[i] = np
		na.byID[np.ID] = np
		b := old.Geom.Bound()
		na.ptree.Delete(b.Min, b.Max, old)
		na.ptree.Insert(b.Min, b.Max, np)
	}
	for i, p := range na.Parcels {
		if i%checkEvery == 0 {
			if err := u.ctx.Err(); err != nil {
				return err
			}
		}
		na.Sources.add(p)
	}
	return nil
}

// targets returns the rule's targets the change touched: those that left
// (was) and those put (now), each only if it matched the rule's filter.
func (u *updater) targets(r *Rule) (was, now []*geo.Feature) {
	match := func(f *geo.Feature) bool {
		if r.Type == RadiusCoverage {
			_, ok := tierRadius(r, f)
			return ok
		}
		return r.Target.Match(f)
	}
	for _, f := range u.ch.Left[r.Target.Layer] {
		if match(f) {
			was = append(was, f)
		}
	}
	for _, f := range u.ch.Put[r.Target.Layer] {
		if match(f) {
			now = append(now, f)
		}
	}
	return was, now
}

// bounds returns the bounds of fs.
func bounds(fs ...[]*geo.Feature) []orb.Bound {
	var out []orb.Bound
	for _, l := range fs {
		for _, f := range l {
			out = append(out, f.Bound())
		}
	}
	return out
}

// reached returns the new audit's parcels (in id order) for which near
// holds for any of bs, among those within pad metres of one.
func (u *updater) reached(bs []orb.Bound, pad float64, near func(p *Parcel, b orb.Bound) bool) []*Parcel {
	seen := map[*Parcel]bool{}
	var out []*Parcel
	for _, b := range bs {
		s := geo.PadBound(b, pad)
		u.na.ptree.Search(s.Min, s.Max, func(_, _ [2]float64, p *Parcel) bool {
			if !seen[p] && near(p, b) {
				seen[p] = true
				out = append(out, p)
			}
			return true
		})
	}
	slices.SortFunc(out, func(p, q *Parcel) int { return cmpID(p.ID, q.ID) })
	return out
}

// localTargets returns the features of the rule's target layer in next
// that ok accepts within pad metres of the parcels ps, in id order (as a
// full audit lists them).
func (u *updater) localTargets(layer string, ps []*Parcel, pad float64, ok func(*geo.Feature) bool) []*geo.Feature {
	if len(ps) == 0 {
		return nil
	}
	b := ps[0].Geom.Bound()
	for _, p := range ps[1:] {
		b = b.Union(p.Geom.Bound())
	}
	var out []*geo.Feature
	u.next.Layer(layer).Search(geo.PadBound(b, pad), func(f *geo.Feature) bool {
		if ok(f) {
			out = append(out, f)
		}
		return true
	})
	slices.SortFunc(out, func(f, g *geo.Feature) int { return cmpID(f.ID, g.ID) })
	return out
}

// reachMargin pads a rule's metres for the ways its distances differ
// from a box's in metres: a target's access points may lie AccessGap
// from it, and the plane the boxes are padded in is not the ellipsoid.
func reachMargin(meters float64) float64 { return meters*1.02 + network.AccessGap + 10 }

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
		out.Distance, out.Share, out.Straight = maps.Clone(res.Distance), maps.Clone(res.Share), maps.Clone(res.Straight)
		out.Target = maps.Clone(res.Target)
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
		for _, p := range touched {
			out.Distance[p.ID], out.Share[p.ID] = parcelFigures(p, out.pointDist, r.Meters)
			out.Straight[p.ID], _ = parcelFigures(p, out.pointStraight, r.Meters)
		}
	}
	units, err := u.shareUnits(res, append(touched, u.changed...), func(p *Parcel) float64 { return out.Share[p.ID] }, true, func(p *Parcel) float64 {
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
	var srcs []network.Source
	for i, f := range ts {
		switch t := f.Geom.(type) {
		case orb.Point:
			if at, d, ok := g.Snap(t, SnapLimit); ok {
				srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: d, Label: int32(i)})
			}
		default:
			for _, acc := range g.AccessPoints(t, network.AccessGap, false) {
				srcs = append(srcs, acc.Source(int32(i)))
			}
		}
	}
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
		if best >= 0 {
			out.Target[p.ID] = ts[bestLabel].ID
		} else {
			delete(out.Target, p.ID)
		}
	}
	return nil
}

// parcelFigures is perParcel for one parcel: its farthest point's
// distance and the share of its points within meters.
func parcelFigures(p *Parcel, dist []float64, meters float64) (far, share float64) {
	in := 0
	for _, d := range dist[p.first : p.first+p.count] {
		far = math.Max(far, d)
		if d <= meters {
			in++
		}
	}
	return far, float64(in) / float64(p.count)
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
		for _, un := range p.Units {
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
		for i, p := range na.Parcels {
			if i%checkEvery == 0 && u.ctx.Err() != nil {
				return
			}
			if slices.Contains(p.Units, un) {
				fn(p)
			}
		}
		return
	}
	b := un.Geom.Bound()
	var in []*Parcel
	na.ptree.Search(b.Min, b.Max, func(_, _ [2]float64, p *Parcel) bool {
		if slices.Contains(p.Units, un) {
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
				ur.Failing = append(ur.Failing, p.ID)
			}
			if straight != nil {
				straightCovered += float64(p.Population) * straight(p)
			}
		})
		if err := u.ctx.Err(); err != nil {
			return nil, err
		}
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
			ur.Pass = ur.Value >= r.Pass
		}
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
		out.Distance = maps.Clone(res.Distance)
		var cs []straightCand
		for _, p := range touched {
			out.Distance[p.ID], cs = straightNearest(p.Point, stp, cs, true)
		}
		st, err := u.radiusState(res.radius, was, now)
		if err != nil {
			return nil, err
		}
		out.radius = st
	}
	units, err := u.shareUnits(res, append(touched, u.changed...), func(p *Parcel) float64 {
		if math.IsInf(out.Distance[p.ID], 1) {
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
