package scenario

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// The test town is laid out in metres east (x) and north (y) of a point in
// Chengdu.
func m(x, y float64) orb.Point {
	const ky = 110852.0
	kx := 111319.49 * math.Cos(30.66*math.Pi/180) * 1.0009
	return orb.Point{104.06 + x/kx, 30.66 + y/ky}
}

func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{m(x0, y0), m(x1, y0), m(x1, y1), m(x0, y1), m(x0, y0)}}
}

// fixFunc is a Fixer.
type fixFunc func(f *geo.Feature) (bool, string)

func (fn fixFunc) Fix(f *geo.Feature) (bool, string) { return fn(f) }

// accept passes every feature, measuring polygons' areas as an import
// does (rules filter green by area).
var accept = fixFunc(func(f *geo.Feature) (bool, string) {
	if _, ok := f.Geom.(orb.Polygon); ok {
		f.Props["area_m2"] = geo.Area(f.Geom)
	}
	return false, ""
})

// addPark is an edit adding a park over the rectangle, in metres.
func addPark(name string, x0, y0, x1, y1 float64) string {
	var pts []string
	for _, p := range rect(x0, y0, x1, y1)[0] {
		pts = append(pts, fmt.Sprintf("[%f,%f]", p[0], p[1]))
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{"op":"add","layer":"green","name":%q,"kind":"park","public":true},"geometry":{"type":"Polygon","coordinates":[[%s]]}}`, name, strings.Join(pts, ","))
}

func collection(edits ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(edits, ",") + `]}`)
}

// TestParse: adds, changes and deletes become features to put and ids to
// delete, the edit's own properties dropped and every put checked by the
// Fixer; bad edits are InvalidErrors naming the edit and the limit, a
// refused repair a RefusedError naming the edit.
func TestParse(t *testing.T) {
	raw := collection(addPark("新公园", 0, 0, 100, 100),
		`{"type":"Feature","properties":{"op":"change","layer":"waste","fid":7,"kind":"collection_point"},"geometry":{"type":"Point","coordinates":[104.06,30.66]}}`,
		`{"type":"Feature","properties":{"op":"delete","layer":"green","fid":3},"geometry":null}`,
		`{"type":"Feature","properties":{"op":"delete","layer":"green","fid":4},"geometry":null}`)
	var fixed []string
	e, err := Parse(raw, fixFunc(func(f *geo.Feature) (bool, string) {
		fixed = append(fixed, f.Layer)
		return false, ""
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Puts) != 2 || e.Puts[0].ID != 0 || e.Puts[0].Props["name"] != "新公园" || e.Puts[1].ID != 7 || e.Puts[1].Layer != geo.Waste {
		t.Fatalf("puts: %+v", e.Puts)
	}
	for _, k := range []string{"op", "layer", "fid"} {
		if _, ok := e.Puts[1].Props[k]; ok {
			t.Errorf("the edit's %q is kept as an attribute", k)
		}
	}
	if e.Puts[0].Source != "scenario" || e.Puts[0].SourceID != "1" || e.Puts[1].SourceID != "2" {
		t.Errorf("sources: %s/%s, %s", e.Puts[0].Source, e.Puts[0].SourceID, e.Puts[1].SourceID)
	}
	if fmt.Sprint(e.Dels) != "map[green:[3 4]]" || e.Deleted() != 2 || fmt.Sprint(fixed) != "[green waste]" {
		t.Errorf("deletes %v (%d), fixed %v", e.Dels, e.Deleted(), fixed)
	}
	many := make([]string, MaxEdits+1)
	for i := range many {
		many[i] = `{"type":"Feature","properties":{"op":"delete","layer":"green","fid":1},"geometry":null}`
	}
	long := make([]string, MaxVertices+1)
	for i := range long {
		long[i] = "[104.06,30.66]"
	}
	for _, bad := range []struct{ raw, want string }{
		{`{"type":"Feature"}`, "must be a GeoJSON FeatureCollection"},
		{string(collection(many...)), fmt.Sprintf("%d edits: at most %d", MaxEdits+1, MaxEdits)},
		{string(collection(`{"type":"Feature","properties":{"op":"add","layer":"lakes"},"geometry":null}`)), `edit 1: layer "lakes" is not one of`},
		{string(collection(`{"type":"Feature","properties":{"op":"paint","layer":"green"},"geometry":null}`)), `edit 1: op "paint"`},
		{string(collection(addPark("a", 0, 0, 1, 1), `{"type":"Feature","properties":{"op":"delete","layer":"green"},"geometry":null}`)), "edit 2: delete needs fid"},
		{string(collection(`{"type":"Feature","properties":{"op":"change","layer":"green"},"geometry":null}`)), "edit 1: change needs fid"},
		{string(collection(`{"type":"Feature","properties":{"op":"add","layer":"green"},"geometry":null}`)), "edit 1: add needs a geometry"},
		{string(collection(`{"type":"Feature","properties":{"op":"add","layer":"roads"},"geometry":{"type":"LineString","coordinates":[` + strings.Join(long, ",") + `]}}`)), fmt.Sprintf("edit 1 has %d vertices: at most %d", MaxVertices+1, MaxVertices)},
	} {
		_, err := Parse([]byte(bad.raw), accept)
		var inv *InvalidError
		if !errors.As(err, &inv) || !strings.Contains(inv.Detail, bad.want) {
			t.Errorf("%.60s: %v, want an InvalidError saying %q", bad.raw, err, bad.want)
		}
	}
	_, err = Parse(collection(addPark("a", 0, 0, 1, 1), addPark("b", 0, 0, 1, 1)), fixFunc(func(f *geo.Feature) (bool, string) {
		if f.Props["name"] == "b" {
			return false, "too many crossings"
		}
		return false, ""
	}))
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Which != "edit 2" || ref.Reason != "too many crossings" {
		t.Errorf("a refused repair: %v", err)
	}
}

// TestSnapshots: callers for one scenario version share one build, which
// holds the edits; a caller whose context ends while it waits leaves with
// ErrAbandoned; callers for another version do not wait; a failed build
// is not kept.
func TestSnapshots(t *testing.T) {
	base := index.Empty()
	var builds atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	fail := atomic.Bool{}
	s := NewSnapshots(func(ctx context.Context, sc *store.Scenario) (*Edits, error) {
		if sc.Version == 1 && builds.Add(1) == 1 {
			close(entered)
			<-release
		}
		if fail.Load() {
			return nil, &InvalidError{Detail: "no"}
		}
		return Parse(sc.Edits, accept)
	})
	sc := &store.Scenario{ID: 1, Version: 1, Edits: collection(addPark("p", 0, 0, 100, 100))}
	var wg sync.WaitGroup
	got := make([]*index.Snapshot, 2)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = s.Snapshot(context.Background(), base, sc) }()
		if i == 0 {
			<-entered
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Snapshot(ctx, base, sc); !errors.Is(err, ErrAbandoned) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a caller past its deadline: %v", err)
	}
	v2 := &store.Scenario{ID: 1, Version: 2, Edits: collection()}
	done := make(chan error, 1)
	go func() { _, err := s.Snapshot(context.Background(), base, v2); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(20 * time.Second):
		t.Error("another version waited for the build of the first")
	}
	close(release)
	wg.Wait()
	if got[0] == nil || got[0] != got[1] || builds.Load() != 1 || got[0].Layer(geo.Green).Len() != 1 || base.Layer(geo.Green).Len() != 0 {
		t.Errorf("%d builds, snapshots %p %p", builds.Load(), got[0], got[1])
	}
	fail.Store(true)
	v3 := &store.Scenario{ID: 1, Version: 3, Edits: collection()}
	for range 2 {
		if _, err := s.Snapshot(context.Background(), base, v3); err == nil {
			t.Error("a failed build was kept")
		}
	}
}

// town is a store and its index: a street, a residential parcel 300 m
// along it, and a park at its west end.
func town(t *testing.T) (store.Store, *live.Index) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	fs := []*geo.Feature{
		{Layer: geo.Roads, Source: "t", SourceID: "street", Geom: orb.LineString{m(0, 0), m(1500, 0)}, Props: map[string]any{"class": "residential", "walkable": true}},
		{Layer: geo.Parcels, Source: "t", SourceID: "p", Geom: rect(1200, 10, 1280, 90), Props: map[string]any{"name": "P", "kind": "compound", "population": int64(1000), "pop_source": "given"}},
		{Layer: geo.Green, Source: "t", SourceID: "park", Geom: rect(0, 10, 100, 110), Props: map[string]any{"name": "A", "kind": "park", "public": true}},
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, ix
}

// TestWhatIf: a scenario's what-if is the audit of the baseline against
// the audit of the baseline with its edits.
func TestWhatIf(t *testing.T) {
	ctx := context.Background()
	_, ix := town(t)
	base := ix.Snapshot()
	e, err := Parse(collection(addPark("new", 1300, 10, 1400, 110)), accept)
	if err != nil {
		t.Fatal(err)
	}
	d, err := WhatIf(ctx, coverage.NewCache(coverage.Default(), nil), base, e, coverage.Walk)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := coverage.Run(ctx, base, coverage.Default(), coverage.Options{})
	after, _ := coverage.Run(ctx, base.With(e.Puts, e.Dels), coverage.Default(), coverage.Options{})
	city := d.Rules[0].Units[0]
	if city.Before.Value != before.Results[0].Units[0].Value || city.After.Value != after.Results[0].Units[0].Value || city.After.Value <= city.Before.Value {
		t.Errorf("city: %v → %v, audits say %v → %v", city.Before.Value, city.After.Value, before.Results[0].Units[0].Value, after.Results[0].Units[0].Value)
	}
	if len(d.Added) != 1 || d.Rules[0].NewlyCovered != 1000 {
		t.Errorf("added %d, newly covered %d", len(d.Added), d.Rules[0].NewlyCovered)
	}
}

// TestCommit: a scenario's edits go into the baseline with the scenario
// marked committed; one that deletes a feature the baseline has lost is a
// StaleError, and nothing of it lands.
func TestCommit(t *testing.T) {
	ctx := context.Background()
	st, ix := town(t)
	var park *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return false })
	create := func(raw []byte) (*store.Scenario, *Edits) {
		sc := &store.Scenario{Name: "s", Edits: raw}
		if err := st.CreateScenario(ctx, sc); err != nil {
			t.Fatal(err)
		}
		e, err := Parse(raw, accept)
		if err != nil {
			t.Fatal(err)
		}
		return sc, e
	}
	// Stale: delete the park (the baseline loses it first) and add another.
	del := fmt.Sprintf(`{"type":"Feature","properties":{"op":"delete","layer":"green","fid":%d},"geometry":null}`, park.ID)
	sc, e := create(collection(addPark("B", 500, 10, 600, 110), del))
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Delete(ctx, geo.Green, park.ID) }); err != nil {
		t.Fatal(err)
	}
	err := Commit(ctx, ix, st, sc.ID, sc.Version, "admin", e)
	var stale *StaleError
	if !errors.As(err, &stale) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a stale commit: %v", err)
	}
	if n := ix.Snapshot().Layer(geo.Green).Len(); n != 0 {
		t.Errorf("the refused commit left %d green spaces", n)
	}
	// A good one.
	sc, e = create(collection(addPark("C", 500, 10, 600, 110)))
	if err := Commit(ctx, ix, st, sc.ID, sc.Version, "admin", e); err != nil {
		t.Fatal(err)
	}
	var added *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool { added = f; return false })
	got, err := st.GetScenario(ctx, sc.ID)
	if added == nil || added.Source != fmt.Sprintf("scenario-%d", sc.ID) || err != nil || got.Committed == nil || got.CommittedBy != "admin" {
		t.Errorf("committed: %+v, scenario %+v %v", added, got, err)
	}
	if err := Commit(ctx, ix, st, sc.ID, sc.Version, "admin", e); !errors.Is(err, store.ErrCommitted) && !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second commit: %v", err)
	}
}
