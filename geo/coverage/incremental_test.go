package coverage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// liveTown is a town (demotown of size) in a store and a live index over
// it, with the Dirty of the index's last edit.
type liveTown struct {
	st    store.Store
	ix    *live.Index
	dirty *index.Dirty
}

func newLiveTown(t *testing.T, size string) *liveTown {
	t.Helper()
	ctx := context.Background()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: size}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	lt := &liveTown{st: st, ix: ix, dirty: &index.Dirty{}}
	ix.OnApply(func(d index.Dirty) { *lt.dirty = d })
	return lt
}

// commit writes edit through the index and returns the snapshots before
// and after and the change between them.
func (lt *liveTown) commit(t *testing.T, edit func(tx store.Tx) error) (prev, next *index.Snapshot, ch *Change) {
	t.Helper()
	ctx := context.Background()
	prev = lt.ix.Snapshot()
	if _, err := lt.ix.Write(ctx, lt.st, edit); err != nil {
		t.Fatal(err)
	}
	next = lt.ix.Snapshot()
	ch, ok := ChangeOf(prev, next, *lt.dirty)
	if !ok {
		t.Fatal("the edit's change could not be listed")
	}
	return prev, next, ch
}

// copyOf is a copy of f to edit and put (the index's own is never
// changed).
func copyOf(f *geo.Feature) *geo.Feature {
	c := *f
	c.Props = f.AttrMap() // the index keeps attributes packed
	c.Geom = orb.Clone(f.Geom)
	c.Version = 0
	return &c
}

// pick returns a random feature of layer that ok accepts (nil: none).
func pick(rng *rand.Rand, snap *index.Snapshot, layer string, ok func(*geo.Feature) bool) *geo.Feature {
	var fs []*geo.Feature
	snap.Layer(layer).Scan(func(f *geo.Feature) bool {
		if ok == nil || ok(f) {
			fs = append(fs, f)
		}
		return true
	})
	if len(fs) == 0 {
		return nil
	}
	return fs[rng.IntN(len(fs))]
}

// randomPoint is a point inside the parcels' extent.
func randomPoint(rng *rand.Rand, snap *index.Snapshot) orb.Point {
	b, _ := snap.Layer(geo.Parcels).Bound()
	return orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
}

// mbox is a w×h metre rectangle with its lower left corner at p.
func mbox(p orb.Point, w, h float64) orb.Polygon {
	kx, ky := geo.DegreeScale(p[1])
	q := orb.Point{p[0] + w/kx, p[1] + h/ky}
	return orb.Polygon{{p, {q[0], p[1]}, q, {p[0], q[1]}, p}}
}

// moved is g shifted by dx, dy metres.
func moved(g orb.Geometry, dx, dy float64) orb.Geometry {
	c := g.Bound().Center()
	kx, ky := geo.DegreeScale(c[1])
	g = orb.Clone(g)
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + dx/kx, p[1] + dy/ky} }
	switch t := g.(type) {
	case orb.Point:
		return shift(t)
	case orb.Polygon:
		for _, r := range t {
			for i := range r {
				r[i] = shift(r[i])
			}
		}
	case orb.MultiPolygon:
		for _, p := range t {
			for _, r := range p {
				for i := range r {
					r[i] = shift(r[i])
				}
			}
		}
	}
	return g
}

// editKinds is how many kinds of edit randomEdit makes.
const editKinds = 11

// randomEdit is a random commit of kind k (0 to editKinds-1) of those an
// editor or an import makes to targets and parcels, named.
func randomEdit(rng *rand.Rand, snap *index.Snapshot, k int) (string, func(tx store.Tx) error) {
	ctx := context.Background()
	put := func(fs ...*geo.Feature) func(tx store.Tx) error {
		return func(tx store.Tx) error { return tx.Put(ctx, fs) }
	}
	del := func(f *geo.Feature) func(tx store.Tx) error {
		return func(tx store.Tx) error { return tx.Delete(ctx, f.Layer, f.ID) }
	}
	park := func() *geo.Feature {
		kind := []string{"park", "garden", "playground", "belt"}[rng.IntN(4)]
		return &geo.Feature{Layer: geo.Green, Source: "test", SourceID: fmt.Sprint(rng.Int64()), Geom: mbox(randomPoint(rng, snap), 20+rng.Float64()*150, 20+rng.Float64()*150),
			Props: map[string]any{"name": "new", "kind": kind, "public": rng.IntN(3) > 0}}
	}
	isPoint := func(f *geo.Feature) bool { return f.Text("kind") == "collection_point" }
	// Half the time a large public park, whose radius and walks matter.
	green := func() *geo.Feature {
		if rng.IntN(2) == 0 {
			if f := pick(rng, snap, geo.Green, func(f *geo.Feature) bool { return f.Bool("public") && f.Float("area_m2") >= 5000 }); f != nil {
				return f
			}
		}
		return pick(rng, snap, geo.Green, nil)
	}
	switch k {
	case 0:
		return "add a park", put(park())
	case 1:
		f := copyOf(green())
		f.Geom = moved(f.Geom, rng.Float64()*200-100, rng.Float64()*200-100)
		return fmt.Sprintf("move green %d", f.ID), put(f)
	case 2:
		f := copyOf(green())
		f.Props["public"] = !f.Bool("public")
		return fmt.Sprintf("green %d public=%v", f.ID, f.Props["public"]), put(f)
	case 3:
		f := green()
		return fmt.Sprintf("delete green %d", f.ID), del(f)
	case 4:
		f := &geo.Feature{Layer: geo.Waste, Source: "test", SourceID: fmt.Sprint(rng.Int64()), Geom: randomPoint(rng, snap),
			Props: map[string]any{"name": "new", "kind": "collection_point"}}
		return "add a collection point", put(f)
	case 5:
		f := pick(rng, snap, geo.Waste, isPoint)
		return fmt.Sprintf("delete collection point %d", f.ID), del(f)
	case 6:
		f := copyOf(pick(rng, snap, geo.Waste, isPoint))
		f.Geom = moved(f.Geom, rng.Float64()*300-150, rng.Float64()*300-150)
		return fmt.Sprintf("move collection point %d", f.ID), put(f)
	case 7:
		f := copyOf(pick(rng, snap, geo.Parcels, func(f *geo.Feature) bool { return f.Int("population") > 0 }))
		f.Props["population"] = 1 + rng.Int64N(3000)
		return fmt.Sprintf("parcel %d population %d", f.ID, f.Props["population"]), put(f)
	case 8:
		// A belt along a ring or trunk road.
		road := pick(rng, snap, geo.Roads, func(f *geo.Feature) bool { return f.Bool("ring") || f.Text("class") == "trunk" })
		var ls orb.LineString
		switch g := road.Geom.(type) {
		case orb.LineString:
			ls = g
		case orb.MultiLineString:
			ls = g[rng.IntN(len(g))]
		}
		p := moved(ls[rng.IntN(len(ls))], rng.Float64()*60-30, rng.Float64()*60-30).(orb.Point)
		f := &geo.Feature{Layer: geo.Green, Source: "test", SourceID: fmt.Sprint(rng.Int64()), Geom: mbox(p, 20+rng.Float64()*200, 20+rng.Float64()*200),
			Props: map[string]any{"name": "belt", "kind": "belt", "public": true}}
		return "add a belt", put(f)
	case 9:
		// Several at once: two parks, a green deleted, a parcel's residents.
		gone := green()
		p := copyOf(pick(rng, snap, geo.Parcels, func(f *geo.Feature) bool { return f.Int("population") > 0 }))
		p.Props["population"] = p.Int("population") * 2
		return fmt.Sprintf("two parks, green %d deleted, parcel %d", gone.ID, p.ID), func(tx store.Tx) error {
			if err := tx.Put(ctx, []*geo.Feature{park(), park(), p}); err != nil {
				return err
			}
			return tx.Delete(ctx, geo.Green, gone.ID)
		}
	default:
		// A park grown or shrunk in place.
		f := copyOf(green())
		b := f.Geom.Bound()
		w, h, _ := boxMetres(b)
		s := 0.5 + rng.Float64()
		f.Geom = mbox(b.Min, w*s, h*s)
		return fmt.Sprintf("resize green %d ×%.2f", f.ID, s), put(f)
	}
}

// TestIncrementalAudit: commit after commit on the city town — parks
// added, moved, resized, deleted, made public or not, collection points
// added, moved and deleted, parcels' residents changed, belts along the
// ring roads, several at once — the audit brought up to date from the
// previous one (itself brought up to date) has every figure of a full
// audit of the new data, in both modes. Every rule's figures move in some
// step (else the test would not try its incremental path).
func TestIncrementalAudit(t *testing.T) {
	ctx := context.Background()
	lt := newLiveTown(t, "city")
	rng := rand.New(rand.NewPCG(22, 1))
	steps := editKinds + 3
	for _, mode := range []string{Walk, Straight} {
		a, err := Run(ctx, lt.ix.Snapshot(), Default(), Options{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		moved := map[string]bool{}
		for i := 0; i < steps; i++ {
			name, edit := randomEdit(rng, lt.ix.Snapshot(), i%editKinds)
			_, next, ch := lt.commit(t, edit)
			got, err := a.Update(ctx, next, ch)
			if err != nil {
				t.Fatalf("%s step %d (%s): %v", mode, i, name, err)
			}
			want, err := Run(ctx, next, Default(), Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if d := auditDiff(got, want); d != "" {
				t.Fatalf("%s step %d (%s): incremental and full audits differ: %s", mode, i, name, d)
			}
			var changed []string
			for k, res := range a.Results {
				if resultMoved(res, want.Results[k]) {
					moved[res.Rule.ID] = true
					changed = append(changed, res.Rule.ID)
				}
			}
			t.Logf("%s step %d: %s: %v", mode, i, name, changed)
			a = got
		}
		for _, r := range Default().Rules {
			if !moved[r.ID] {
				t.Errorf("%s: no step moved the figures of %s", mode, r.ID)
			}
		}
	}
}

// TestIncrementalWide: a change to the roads (the walking network), to
// the areas (the units) or that adds a parcel is too wide: Update says
// so, and Incremental runs the audit afresh.
func TestIncrementalWide(t *testing.T) {
	ctx := context.Background()
	lt := newLiveTown(t, "small")
	a, err := Run(ctx, lt.ix.Snapshot(), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(22, 2))
	edits := map[string]func(snap *index.Snapshot) func(tx store.Tx) error{
		"roads": func(snap *index.Snapshot) func(tx store.Tx) error {
			f := pick(rng, snap, geo.Roads, nil)
			return func(tx store.Tx) error { return tx.Delete(ctx, geo.Roads, f.ID) }
		},
		"areas": func(snap *index.Snapshot) func(tx store.Tx) error {
			f := copyOf(pick(rng, snap, geo.Areas, nil))
			f.Props["name"] = "renamed"
			return func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{f}) }
		},
		"a new parcel": func(snap *index.Snapshot) func(tx store.Tx) error {
			f := &geo.Feature{Layer: geo.Parcels, Source: "test", SourceID: "p1", Geom: mbox(randomPoint(rng, snap), 80, 60),
				Props: map[string]any{"name": "new", "kind": "compound", "population": int64(500)}}
			return func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{f}) }
		},
	}
	for _, name := range slices.Sorted(maps.Keys(edits)) {
		_, next, ch := lt.commit(t, edits[name](lt.ix.Snapshot()))
		if _, err := a.Update(ctx, next, ch); !errors.Is(err, ErrWide) {
			t.Fatalf("%s: Update: %v, want ErrWide", name, err)
		}
		got, full, err := Incremental(ctx, a, next, ch, Options{})
		if err != nil || !full {
			t.Fatalf("%s: Incremental: full %v, %v", name, full, err)
		}
		want, err := Run(ctx, next, Default(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := auditDiff(got, want); d != "" {
			t.Fatalf("%s: %s", name, d)
		}
		a = got
	}
}

// resultMoved reports whether any unit's figure differs between two
// results of a rule.
func resultMoved(before, after *Result) bool {
	for i, u := range before.Units {
		if unitDiff(u, after.Units[i]) != "" {
			return true
		}
	}
	return false
}

// auditDiff names the first difference between two audits of the same
// rules ("" if none): every rule's units' figures, failing parcels and
// gaps, and every parcel's distances, shares and nearest target. Figures
// are equal within a relative 1e-8: sums taken in another order, and the
// union of green space that GEOS nodes a little differently when it is
// made of part of the targets (per_capita's city).
func auditDiff(got, want *Audit) string {
	if len(got.Parcels) != len(want.Parcels) {
		return fmt.Sprintf("%d parcels, want %d", len(got.Parcels), len(want.Parcels))
	}
	if got.Sources != want.Sources {
		return fmt.Sprintf("sources %+v, want %+v", got.Sources, want.Sources)
	}
	for i, p := range got.Parcels {
		q := want.Parcels[i]
		if p.ID != q.ID || p.Population != q.Population || p.Area != q.Area || p.PopSource != q.PopSource || p.first != q.first || p.count != q.count {
			return fmt.Sprintf("parcel %d: %+v, want %+v", p.ID, *p, *q)
		}
	}
	if len(got.Results) != len(want.Results) {
		return fmt.Sprintf("%d rules, want %d", len(got.Results), len(want.Results))
	}
	for k, g := range got.Results {
		w := want.Results[k]
		id := w.Rule.ID
		if g.Rule.ID != id {
			return fmt.Sprintf("rule %d is %s, want %s", k, g.Rule.ID, id)
		}
		if len(g.Units) != len(w.Units) {
			return fmt.Sprintf("%s: %d units, want %d", id, len(g.Units), len(w.Units))
		}
		for i, gu := range g.Units {
			if d := unitDiff(gu, w.Units[i]); d != "" {
				return fmt.Sprintf("%s %s %s (%d): %s", id, gu.Unit.Level, gu.Unit.Name, gu.Unit.ID, d)
			}
		}
		for name, pair := range map[string][2]*PerParcel[float64]{"distance": {g.Distance, w.Distance}, "share": {g.Share, w.Share}, "straight": {g.Straight, w.Straight}} {
			if d := mapDiff(pair[0], pair[1], func(x, y float64) bool { return near(x, y) }); d != "" {
				return fmt.Sprintf("%s: %s %s", id, name, d)
			}
		}
		if d := mapDiff(g.Target, w.Target, func(x, y int64) bool { return x == y }); d != "" {
			return fmt.Sprintf("%s: nearest target %s", id, d)
		}
		for i := range w.pointDist {
			if !near(g.pointDist[i], w.pointDist[i]) || !near(g.pointStraight[i], w.pointStraight[i]) {
				return fmt.Sprintf("%s: resident point %d at %v: %g/%g, want %g/%g", id, i, want.pts[i], g.pointDist[i], g.pointStraight[i], w.pointDist[i], w.pointStraight[i])
			}
		}
	}
	return ""
}

func unitDiff(g, w *UnitResult) string {
	if g.Unit.ID != w.Unit.ID || g.Unit.Level != w.Unit.Level {
		return fmt.Sprintf("unit %s %d, want %s %d", g.Unit.Level, g.Unit.ID, w.Unit.Level, w.Unit.ID)
	}
	for _, f := range []struct {
		name string
		g, w float64
	}{{"value", g.Value, w.Value}, {"threshold", g.Threshold, w.Threshold}, {"land", g.Land, w.Land}, {"land covered", g.LandCovered, w.LandCovered},
		{"numerator", g.Numerator, w.Numerator}, {"denominator", g.Denominator, w.Denominator}, {"straight", g.Straight, w.Straight}} {
		if !near(f.g, f.w) {
			return fmt.Sprintf("%s %.12g, want %.12g", f.name, f.g, f.w)
		}
	}
	switch {
	case g.Pass != w.Pass || g.NA != w.NA:
		return fmt.Sprintf("pass %v na %v, want pass %v na %v", g.Pass, g.NA, w.Pass, w.NA)
	case g.Residents != w.Residents || g.Covered != w.Covered:
		return fmt.Sprintf("residents %d covered %d, want %d, %d", g.Residents, g.Covered, w.Residents, w.Covered)
	case g.Sources != w.Sources:
		return fmt.Sprintf("sources %+v, want %+v", g.Sources, w.Sources)
	case !slices.Equal(g.Failing, w.Failing):
		return fmt.Sprintf("failing %v, want %v", g.Failing, w.Failing)
	case len(g.Gaps) != len(w.Gaps):
		return fmt.Sprintf("%d gaps, want %d", len(g.Gaps), len(w.Gaps))
	}
	for i, gg := range g.Gaps {
		wg := w.Gaps[i]
		if gg.Road != wg.Road || gg.Side != wg.Side || !near(gg.Length, wg.Length) || !orb.Equal(gg.Geom, wg.Geom) {
			return fmt.Sprintf("gap %d: road %d %s %.3f m, want road %d %s %.3f m", i, gg.Road, gg.Side, gg.Length, wg.Road, wg.Side, wg.Length)
		}
	}
	return ""
}

func mapDiff[V float64 | int64](g, w *PerParcel[V], eq func(V, V) bool) string {
	if g.Len() != w.Len() {
		return fmt.Sprintf("of %d parcels, want %d", g.Len(), w.Len())
	}
	for id, y := range w.All() {
		if x, ok := g.Get(id); !ok || !eq(x, y) {
			return fmt.Sprintf("of parcel %d: %v, want %v", id, x, y)
		}
	}
	return ""
}

// near reports whether x and y are equal within a relative 1e-8.
func near(x, y float64) bool {
	if x == y || math.IsNaN(x) && math.IsNaN(y) {
		return true
	}
	return math.Abs(x-y) <= 1e-8*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// TestIncrementalCancelled: Update stops with its context.
func TestIncrementalCancelled(t *testing.T) {
	ctx := context.Background()
	lt := newLiveTown(t, "small")
	a, err := Run(ctx, lt.ix.Snapshot(), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(22, 5))
	_, next, ch := lt.commit(t, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{{Layer: geo.Green, Source: "test", SourceID: "p", Geom: mbox(randomPoint(rng, lt.ix.Snapshot()), 100, 100),
			Props: map[string]any{"name": "new", "kind": "park", "public": true}}})
	})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Update(cctx, next, ch); !errors.Is(err, context.Canceled) {
		t.Errorf("Update with its context cancelled: %v", err)
	}
	if _, err := a.Update(ctx, next, ch); err != nil {
		t.Errorf("Update: %v", err)
	}
}
