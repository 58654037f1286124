package coverage

import (
	"context"
	"errors"
	"fmt"
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
		p, _ := a.Parcel(f.ID)
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
		np.Geom, np.Population = f.Geom, f.Int("population")
		np.PopSource, np.Area = popSource(f.Text("pop_source"), f.Text("kind")), f.Float("area_m2")
		u.changed = append(u.changed, &np)
	}
	slices.SortFunc(u.changed, func(p, q *Parcel) int { return cmpID(p.ID, q.ID) })
	na.Parcels = slices.Clone(a.Parcels)
	na.Sources = PopSources{}
	for _, np := range u.changed {
		na.Parcels[np.ix] = np // found by na.Parcel in next's parcels layer
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
		u.na.searchParcels(s, func(p *Parcel) bool {
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
