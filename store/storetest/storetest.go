// Package storetest is the contract every store.Store passes. Each store
// package runs it from its own tests:
//
//	storetest.Run(t, func(t *testing.T) storetest.Opener { ... })
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Opener opens the same (initially empty) store each time it is called, so
// the suite can close and reopen it. The suite closes what it opens.
type Opener func() (store.Store, error)

// Run runs the contract. fresh returns an Opener for a new empty store.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"EmptyLayers", testEmpty},
		{"PutScanGetRoundTrip", testRoundTrip},
		{"ReplaceBySourceID", testReplace},
		{"PutByIDAndConflict", testPutByID},
		{"Delete", testDelete},
		{"DeleteSource", testDeleteSource},
		{"RollbackLeavesStoreUnchanged", testRollback},
		{"InvalidFeatureRejected", testInvalid},
		{"VersionsPerTransaction", testVersions},
		{"PersistsAcrossReopen", testReopen},
		{"ConcurrentReadersSeeWholeCommits", testConcurrentReaders},
		{"BulkPut", testBulk},
		{"Scenarios", testScenarios},
		{"ScenarioRaceOneWins", testScenarioRace},
		{"ScenarioCommitAtomic", testScenarioCommit},
		{"Tokens", testTokens},
		{"Cases", testCases},
		{"CaseRaceOneWins", testCaseRace},
		{"CaseBatch", testCaseBatch},
		{"CaseArea", testCaseArea},
		{"CaseRef", testCaseRef},
		{"CaseListActiveAndExactBound", testCaseListActive},
		{"UnitsAndZones", testUnits},
		{"SurveyHistory", testSurvey},
		{"SurveyRaceOneWins", testSurveyRace},
		{"PutPacked", testPutPacked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, fresh(t)) })
	}
}

func mustOpen(t *testing.T, open Opener) store.Store {
	t.Helper()
	s, err := open()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// square returns a closed square ring of side d degrees at (x, y).
func square(x, y, d float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
}

// Sample returns one feature per layer with every attribute type set, at
// (x, y) near Chengdu. Exported for other packages' tests.
func Sample(source, id string, x, y float64) []*geo.Feature {
	hole := orb.Ring{{x + 0.0002, y + 0.0002}, {x + 0.0002, y + 0.0004}, {x + 0.0004, y + 0.0004}, {x + 0.0004, y + 0.0002}, {x + 0.0002, y + 0.0002}}
	park := square(x, y, 0.001)
	park = append(park, hole)
	return []*geo.Feature{
		{Layer: geo.Green, Source: source, SourceID: "g" + id,
			Geom:  orb.MultiPolygon{park, square(x+0.002, y, 0.0005)},
			Props: map[string]any{"name": "人民公园 " + id, "kind": "park", "public": true, "grade": int64(1), "unit": "青羊区园林局", "trees": int64(120), "shrub_m2": 350.5, "lawn_m2": 1200.25}},
		{Layer: geo.Parcels, Source: source, SourceID: "p" + id,
			Geom:  square(x, y+0.002, 0.0008),
			Props: map[string]any{"name": "锦苑小区", "kind": "compound", "population": int64(840), "households": int64(300), "pop_source": "given", "levels": int64(6)}},
		{Layer: geo.Roads, Source: source, SourceID: "r" + id,
			Geom:  orb.LineString{{x, y - 0.001}, {x + 0.003, y - 0.001}, {x + 0.003, y + 0.003}},
			Props: map[string]any{"name": "人民南路", "class": "primary", "walkable": true, "ring": false}},
		{Layer: geo.Waste, Source: source, SourceID: "w" + id,
			Geom:  orb.Point{x + 0.0015, y + 0.0015},
			Props: map[string]any{"kind": "collection_point", "capacity": 2.5}},
		{Layer: geo.Areas, Source: source, SourceID: "a" + id,
			Geom:  square(x-0.001, y-0.002, 0.006),
			Props: map[string]any{"name": "少城社区", "level": "community", "code": "510105-001", "parent": "510105"}},
		SampleZone(source, id, "U01", x, y),
	}
}

func put(t *testing.T, s store.Store, fs []*geo.Feature) *store.Changes {
	t.Helper()
	ch, err := s.Write(ctx(t), func(tx store.Tx) error { return tx.Put(ctx(t), fs) })
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return ch
}

func layers(t *testing.T, s store.Store) map[string]store.LayerInfo {
	t.Helper()
	ls, err := s.Layers(ctx(t))
	if err != nil {
		t.Fatalf("layers: %v", err)
	}
	if len(ls) != len(geo.Schemas) {
		t.Fatalf("layers: got %d, want %d", len(ls), len(geo.Schemas))
	}
	m := map[string]store.LayerInfo{}
	for i, l := range ls {
		if l.ID != geo.Schemas[i].ID || l.Title != geo.Schemas[i].Title {
			t.Fatalf("layer %d = %s %q, want %s %q", i, l.ID, l.Title, geo.Schemas[i].ID, geo.Schemas[i].Title)
		}
		m[l.ID] = l
	}
	return m
}

func scanAll(t *testing.T, s store.Store, layer string) []*geo.Feature {
	t.Helper()
	var out []*geo.Feature
	if err := s.Scan(ctx(t), layer, func(f *geo.Feature) error { out = append(out, f); return nil }); err != nil {
		t.Fatalf("scan %s: %v", layer, err)
	}
	for i := 1; i < len(out); i++ {
		if out[i].ID <= out[i-1].ID {
			t.Fatalf("scan %s not in id order: %d after %d", layer, out[i].ID, out[i-1].ID)
		}
	}
	return out
}

// Snapshot is everything observable in a store, for before/after checks.
func Snapshot(t *testing.T, s store.Store) string {
	t.Helper()
	var b []byte
	ls := layers(t, s)
	for _, sc := range geo.Schemas {
		l := ls[sc.ID]
		b = fmt.Appendf(b, "%s count=%d version=%d bbox=%v\n", l.ID, l.Count, l.Version, l.BBox)
	}
	for _, sc := range geo.Schemas {
		for _, f := range scanAll(t, s, sc.ID) {
			b = fmt.Appendf(b, "%s %d %s/%s v%d %v %v\n", f.Layer, f.ID, f.Source, f.SourceID, f.Version, f.Geom, f.Props)
		}
	}
	return string(b)
}

func sameFeature(t *testing.T, got, want *geo.Feature) {
	t.Helper()
	if got.ID != want.ID || got.Layer != want.Layer || got.Source != want.Source || got.SourceID != want.SourceID || got.Version != want.Version {
		t.Errorf("feature header: got %d %s %s/%s v%d, want %d %s %s/%s v%d", got.ID, got.Layer, got.Source, got.SourceID, got.Version, want.ID, want.Layer, want.Source, want.SourceID, want.Version)
	}
	if !got.Updated.Equal(want.Updated) {
		t.Errorf("%s %d updated: got %v, want %v", got.Layer, got.ID, got.Updated, want.Updated)
	}
	if !reflect.DeepEqual(got.Geom, want.Geom) {
		t.Errorf("%s %d geometry: got %v, want %v", got.Layer, got.ID, got.Geom, want.Geom)
	}
	if !reflect.DeepEqual(got.Props, want.Props) {
		t.Errorf("%s %d props:\n got %#v\nwant %#v", got.Layer, got.ID, got.Props, want.Props)
	}
}

func testEmpty(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	for id, l := range layers(t, s) {
		if l.Count != 0 || l.Version != 0 || l.BBox != nil {
			t.Errorf("empty %s: %+v", id, l)
		}
		if got := scanAll(t, s, id); len(got) != 0 {
			t.Errorf("empty %s scanned %d", id, len(got))
		}
	}
	if _, err := s.Get(ctx(t), geo.Green, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get on empty: %v, want ErrNotFound", err)
	}
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func testRoundTrip(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	in := Sample("test", "1", 104.06, 30.66)
	in = append(in, Sample("test", "2", 104.07, 30.67)...)
	before := time.Now().Add(-time.Second)
	ch := put(t, s, in)
	if len(ch.Put) != len(in) {
		t.Fatalf("changes list %d puts, want %d", len(ch.Put), len(in))
	}
	for _, f := range in {
		if f.ID == 0 || f.Version != 1 || f.Updated.Before(before) || f.Updated.Location() != time.UTC {
			t.Errorf("put did not set id/version/updated: %d v%d %v", f.ID, f.Version, f.Updated)
		}
		if ch.Versions[f.Layer] != 1 {
			t.Errorf("changes version %s = %d, want 1", f.Layer, ch.Versions[f.Layer])
		}
	}
	// area_m2 and length_m are computed by geo.Prepare.
	if a := in[0].Float("area_m2"); a < 10000 || a > 20000 {
		t.Errorf("park area_m2 = %v, want geodesic area of ~0.0012 deg² at 30.66N", a)
	}
	if l := in[2].Float("length_m"); math.Abs(l-(geo.Distance(orb.Point{104.06, 30.659}, orb.Point{104.063, 30.659})+geo.Distance(orb.Point{104.063, 30.659}, orb.Point{104.063, 30.663}))) > 1e-6 {
		t.Errorf("road length_m = %v", l)
	}
	ls := layers(t, s)
	for _, sc := range geo.Schemas {
		got := scanAll(t, s, sc.ID)
		var want []*geo.Feature
		var bb orb.Bound
		for _, f := range in {
			if f.Layer == sc.ID {
				want = append(want, f)
				if len(want) == 1 {
					bb = f.Bound()
				} else {
					bb = bb.Union(f.Bound())
				}
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: scanned %d, want %d", sc.ID, len(got), len(want))
		}
		for i := range got {
			sameFeature(t, got[i], want[i])
			g, err := s.Get(ctx(t), sc.ID, want[i].ID)
			if err != nil {
				t.Fatalf("get %s %d: %v", sc.ID, want[i].ID, err)
			}
			sameFeature(t, g, want[i])
		}
		l := ls[sc.ID]
		if l.Count != int64(len(want)) || l.Version != 1 || l.BBox == nil || !boundNear(*l.BBox, bb) {
			t.Errorf("layer %s: %+v bbox %v, want count %d version 1 bbox %v", sc.ID, l, l.BBox, len(want), bb)
		}
		if !l.Updated.Equal(want[0].Updated) {
			t.Errorf("layer %s updated %v, want %v", sc.ID, l.Updated, want[0].Updated)
		}
	}
}

// boundNear allows the float32 rounding some spatial indexes apply to bboxes.
func boundNear(a, b orb.Bound) bool {
	for i := 0; i < 2; i++ {
		if math.Abs(a.Min[i]-b.Min[i]) > 1e-5 || math.Abs(a.Max[i]-b.Max[i]) > 1e-5 {
			return false
		}
	}
	return true
}

func testReplace(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	first := Sample("osm", "1", 104.06, 30.66)
	put(t, s, first)
	again := Sample("osm", "1", 104.08, 30.68)
	again[0].Props["name"] = "new name"
	put(t, s, again)
	for i := range again {
		if again[i].ID != first[i].ID || again[i].Version != 2 {
			t.Errorf("%s replace: id %d v%d, want id %d v2", again[i].Layer, again[i].ID, again[i].Version, first[i].ID)
		}
	}
	for id, l := range layers(t, s) {
		if l.Count != 1 || l.Version != 2 {
			t.Errorf("%s after replace: count %d version %d, want 1, 2", id, l.Count, l.Version)
		}
	}
	got, err := s.Get(ctx(t), geo.Green, first[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sameFeature(t, got, again[0])
	// Another source with the same source id is another feature.
	other := Sample("geojson", "1", 104.06, 30.66)
	put(t, s, other)
	if other[0].ID == first[0].ID {
		t.Errorf("different source replaced feature %d", first[0].ID)
	}
}

func testPutByID(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	fs := Sample("test", "1", 104.06, 30.66)
	put(t, s, fs)
	park := fs[0]
	edit := &geo.Feature{ID: park.ID, Layer: geo.Green, Source: park.Source, SourceID: park.SourceID, Version: 1,
		Geom: square(104.1, 30.7, 0.002), Props: map[string]any{"name": "edited"}}
	put(t, s, []*geo.Feature{edit})
	if edit.Version != 2 {
		t.Errorf("edit version %d, want 2", edit.Version)
	}
	stale := &geo.Feature{ID: park.ID, Layer: geo.Green, Source: park.Source, SourceID: park.SourceID, Version: 1,
		Geom: square(104.2, 30.7, 0.002), Props: map[string]any{"name": "stale"}}
	before := Snapshot(t, s)
	_, err := s.Write(ctx(t), func(tx store.Tx) error { return tx.Put(ctx(t), []*geo.Feature{stale}) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale put: %v, want ErrConflict", err)
	}
	missing := &geo.Feature{ID: 999999, Layer: geo.Green, Source: "test", SourceID: "x", Geom: square(104.2, 30.7, 0.002)}
	_, err = s.Write(ctx(t), func(tx store.Tx) error { return tx.Put(ctx(t), []*geo.Feature{missing}) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("put to missing id: %v, want ErrNotFound", err)
	}
	if after := Snapshot(t, s); after != before {
		t.Errorf("failed puts changed the store:\n%s\n---\n%s", before, after)
	}
	got, err := s.Get(ctx(t), geo.Green, park.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text("name") != "edited" || got.Version != 2 {
		t.Errorf("after edit: %v v%d", got.Props, got.Version)
	}
}

func testDelete(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	fs := Sample("test", "1", 104.06, 30.66)
	put(t, s, fs)
	ch, err := s.Write(ctx(t), func(tx store.Tx) error { return tx.Delete(ctx(t), geo.Waste, fs[3].ID) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ch.Deleted[geo.Waste], []int64{fs[3].ID}) || ch.Versions[geo.Waste] != 2 || ch.Touched(geo.Green) {
		t.Errorf("delete changes: %+v", ch)
	}
	if _, err := s.Get(ctx(t), geo.Waste, fs[3].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	ls := layers(t, s)
	if ls[geo.Waste].Count != 0 || ls[geo.Waste].BBox != nil || ls[geo.Waste].Version != 2 {
		t.Errorf("waste after delete: %+v", ls[geo.Waste])
	}
	_, err = s.Write(ctx(t), func(tx store.Tx) error { return tx.Delete(ctx(t), geo.Waste, fs[3].ID) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// Ids are never reused.
	again := Sample("test", "1", 104.06, 30.66)
	put(t, s, again[3:4])
	if again[3].ID == fs[3].ID {
		t.Errorf("id %d reused after delete", fs[3].ID)
	}
}

func testDeleteSource(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	var fs []*geo.Feature
	for i := 0; i < 5; i++ {
		fs = append(fs, Sample("osm", fmt.Sprint(i), 104.06+float64(i)*0.01, 30.66)...)
	}
	fs = append(fs, Sample("other", "0", 104.0, 30.6)...)
	put(t, s, fs)
	var ids []int64
	ch, err := s.Write(ctx(t), func(tx store.Tx) error {
		var err error
		ids, err = tx.DeleteSource(ctx(t), geo.Green, "osm", map[string]bool{"g1": true, "g3": true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || len(ch.Deleted[geo.Green]) != 3 {
		t.Errorf("delete source removed %v (changes %v), want 3", ids, ch.Deleted)
	}
	var names []string
	for _, f := range scanAll(t, s, geo.Green) {
		names = append(names, f.Source+"/"+f.SourceID)
	}
	if want := []string{"osm/g1", "osm/g3", "other/g0"}; !reflect.DeepEqual(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
	if n := len(scanAll(t, s, geo.Parcels)); n != 6 {
		t.Errorf("other layer lost features: %d parcels", n)
	}
}

func testRollback(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	put(t, s, Sample("test", "1", 104.06, 30.66))
	before := Snapshot(t, s)
	boom := errors.New("boom")
	_, err := s.Write(ctx(t), func(tx store.Tx) error {
		if err := tx.Put(ctx(t), Sample("test", "2", 104.07, 30.67)); err != nil {
			return err
		}
		if err := tx.Put(ctx(t), Sample("test", "1", 104.08, 30.68)); err != nil {
			return err
		}
		if _, err := tx.DeleteSource(ctx(t), geo.Roads, "test", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write returned %v, want the callback's error", err)
	}
	if after := Snapshot(t, s); after != before {
		t.Errorf("rolled back write changed the store:\n%s\n---\n%s", before, after)
	}
	// A cancelled context rolls back too.
	c, cancel := context.WithCancel(context.Background())
	_, err = s.Write(c, func(tx store.Tx) error {
		if err := tx.Put(c, Sample("test", "3", 104.07, 30.67)); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if err == nil {
		t.Errorf("write with context cancelled before commit succeeded")
	}
	if after := Snapshot(t, s); after != before {
		t.Errorf("cancelled write changed the store")
	}
}

func testInvalid(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	put(t, s, Sample("test", "1", 104.06, 30.66))
	before := Snapshot(t, s)
	bad := []*geo.Feature{
		{Layer: "lakes", Source: "t", SourceID: "1", Geom: orb.Point{1, 2}},
		{Layer: geo.Waste, Source: "t", SourceID: "1", Geom: orb.Point{30.66, 104.06}},
		{Layer: geo.Waste, Source: "t", SourceID: "1", Geom: square(1, 1, 1)},
		{Layer: geo.Waste, Source: "t", SourceID: "1", Geom: orb.Point{1, 1}, Props: map[string]any{"colour": "red"}},
		{Layer: geo.Parcels, Source: "t", SourceID: "1", Geom: square(1, 1, 1), Props: map[string]any{"population": "many"}},
		{Layer: geo.Parcels, Source: "", SourceID: "", Geom: square(1, 1, 1)},
	}
	for i, b := range bad {
		good := Sample("test", "9", 104.1, 30.7)
		_, err := s.Write(ctx(t), func(tx store.Tx) error { return tx.Put(ctx(t), append(good, b)) })
		if !errors.Is(err, geo.ErrInvalid) {
			t.Errorf("bad feature %d: %v, want geo.ErrInvalid", i, err)
		}
	}
	if after := Snapshot(t, s); after != before {
		t.Errorf("rejected writes changed the store")
	}
}

func testVersions(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	ch, err := s.Write(ctx(t), func(tx store.Tx) error {
		for i := 0; i < 3; i++ {
			if err := tx.Put(ctx(t), Sample("test", fmt.Sprint(i), 104.06, 30.66)[:2]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Versions) != 2 || ch.Versions[geo.Green] != 1 || ch.Versions[geo.Parcels] != 1 {
		t.Errorf("versions after one write: %v", ch.Versions)
	}
	put(t, s, Sample("test", "x", 104.06, 30.66)[:1])
	ls := layers(t, s)
	if ls[geo.Green].Version != 2 || ls[geo.Parcels].Version != 1 || ls[geo.Roads].Version != 0 {
		t.Errorf("versions: green %d parcels %d roads %d, want 2 1 0", ls[geo.Green].Version, ls[geo.Parcels].Version, ls[geo.Roads].Version)
	}
	// An empty write touches nothing.
	ch, err = s.Write(ctx(t), func(tx store.Tx) error { return nil })
	if err != nil || len(ch.Versions) != 0 {
		t.Errorf("empty write: %v %v", ch, err)
	}
	if l := layers(t, s); l[geo.Green].Version != 2 {
		t.Errorf("empty write bumped version")
	}
}

func testReopen(t *testing.T, open Opener) {
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	fs := Sample("test", "1", 104.06, 30.66)
	put(t, s, fs)
	before := Snapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s2 := mustOpen(t, open)
	if after := Snapshot(t, s2); after != before {
		t.Errorf("reopened store differs:\n%s\n---\n%s", before, after)
	}
	// New ids continue after the old ones.
	more := Sample("test", "2", 104.06, 30.66)
	put(t, s2, more)
	if more[0].ID <= fs[0].ID {
		t.Errorf("id after reopen %d <= %d", more[0].ID, fs[0].ID)
	}
}

// testConcurrentReaders: while a large write is in flight, readers see either
// none or all of it.
func testConcurrentReaders(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	const n = 2000
	var fs []*geo.Feature
	for i := 0; i < n; i++ {
		fs = append(fs, &geo.Feature{Layer: geo.Waste, Source: "t", SourceID: fmt.Sprint(i),
			Geom: orb.Point{104 + float64(i)*1e-5, 30.6}, Props: map[string]any{"kind": "litter_bin"}})
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen sync.Map
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ls, err := s.Layers(ctx(t))
			if err != nil {
				t.Errorf("layers during write: %v", err)
				return
			}
			seen.Store(ls[3].Count, true)
		}
	}()
	put(t, s, fs)
	close(stop)
	wg.Wait()
	seen.Range(func(k, _ any) bool {
		if c := k.(int64); c != 0 && c != n {
			t.Errorf("reader saw %d of %d features", c, n)
		}
		return true
	})
}

func testBulk(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	const n = 5000
	var fs []*geo.Feature
	for i := 0; i < n; i++ {
		x, y := 104+float64(i%100)*0.001, 30.6+float64(i/100)*0.001
		fs = append(fs, &geo.Feature{Layer: geo.Parcels, Source: "bulk", SourceID: fmt.Sprint(i),
			Geom: square(x, y, 0.0008), Props: map[string]any{"population": int64(i)}})
	}
	put(t, s, fs)
	got := scanAll(t, s, geo.Parcels)
	if len(got) != n {
		t.Fatalf("bulk: %d, want %d", len(got), n)
	}
	var sum int64
	for i, f := range got {
		if f.ID != fs[i].ID || f.SourceID != fmt.Sprint(i) {
			t.Fatalf("bulk order: got %d %s at %d", f.ID, f.SourceID, i)
		}
		sum += f.Int("population")
	}
	if sum != n*(n-1)/2 {
		t.Errorf("population sum %d", sum)
	}
	l := layers(t, s)[geo.Parcels]
	if want := (orb.Bound{Min: orb.Point{104, 30.6}, Max: orb.Point{104.0998, 30.6498}}); !boundNear(*l.BBox, want) {
		t.Errorf("bulk bbox %v, want %v", l.BBox, want)
	}
}

// testPutPacked: a feature whose attributes are packed (as the index
// keeps them) is stored with every attribute, as its unpacked twin.
func testPutPacked(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	want := Sample("twin", "1", 104.06, 30.66)
	put(t, s, want)
	fs := Sample("packed", "1", 104.06, 30.66)
	for _, f := range fs {
		if !f.Pack() || f.Props != nil {
			t.Fatalf("%s %s not packed", f.Layer, f.SourceID)
		}
	}
	put(t, s, fs)
	for i, f := range fs {
		got, err := s.Get(ctx(t), f.Layer, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		twin, err := s.Get(ctx(t), f.Layer, want[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.AttrMap(), twin.AttrMap()) {
			t.Errorf("%s %d stored packed: %v, want %v", f.Layer, f.ID, got.AttrMap(), twin.AttrMap())
		}
	}
}
