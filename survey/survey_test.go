package survey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/greenreach/greenreach/store/storetest/testenv"
)

// eachStore runs fn on a new empty store of every kind: in memory, a
// GeoPackage and PostGIS (testenv.EachStore).
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	testenv.EachStore(t, "survey", fn)
}

var (
	inspector = Actor{Name: "王监督", Role: store.RoleInspector}
	planner   = Actor{Name: "规划李", Role: store.RolePlanner}
	unitU01   = Actor{Name: "养护一队", Role: store.RoleUnit, Unit: "U01"}
	unitU02   = Actor{Name: "物业", Role: store.RoleUnit, Unit: "U02"}
)

// setup stores two units and storetest's sample features (a green space
// of 120 trees, grade 1, unit 青羊区园林局 — a name, as imported data has)
// and loads the live index over them.
func setup(t *testing.T, st store.Store) (*Service, *geo.Feature) {
	t.Helper()
	ctx := context.Background()
	if err := st.PutUnits(ctx, []*store.Unit{
		{ID: "U01", Name: "青羊绿化养护有限公司", Kind: store.UnitMaintenance},
		{ID: "U02", Name: "锦苑物业", Kind: store.UnitProperty},
	}); err != nil {
		t.Fatal(err)
	}
	fs := storetest.Sample("survey", "1", 104.06, 30.66)
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Store: st, Index: ix}, fs[0]
}

// TestStory: on every store, an inspector surveys a green space (trees,
// grade, unit), which the index follows at once, with a history of who,
// when, old → new; a stale version is refused and changes nothing; bad
// values are refused and change nothing; the green space's own unit counts
// its lawn but may not regrade it, another unit may not touch it; of
// concurrent edits from one version exactly one lands.
func TestStory(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc, g := setup(t, st)
		area := g.Float("area_m2")
		if area < 1000 {
			t.Fatalf("sample green space of %g m²: too small for the edits below", area)
		}

		// 1. The inspector's survey.
		edit := Edit{Note: "2026 年普查", Changes: []Change{{"grade", int64(2)}, {"unit", "U01"}, {"trees", int64(135)}, {"shrub_m2", 350.5}}}
		res, err := svc.Apply(ctx, inspector, g.ID, 1, edit)
		if err != nil {
			t.Fatal(err)
		}
		// shrub_m2 is unchanged (350.5): no entry for it.
		want := []struct{ field, old, new string }{{"grade", "1", "2"}, {"unit", "青羊区园林局", "U01"}, {"trees", "120", "135"}}
		if res.Feature.Version != 2 || len(res.Entries) != len(want) {
			t.Fatalf("survey: version %d, entries %+v", res.Feature.Version, res.Entries)
		}
		for i, w := range want {
			e := res.Entries[i]
			if e.Field != w.field || e.Old != w.old || e.New != w.new || e.Who != inspector.Name || e.Role != store.RoleInspector ||
				e.Note != "2026 年普查" || e.Version != 2 || !e.At.Equal(res.Feature.Updated) || e.ID == 0 {
				t.Errorf("entry %d: %+v, want %s %s → %s by %s at %v", i, e, w.field, w.old, w.new, inspector.Name, res.Feature.Updated)
			}
		}
		stored, err := st.Get(ctx, geo.Green, g.ID)
		if err != nil || stored.Version != 2 || stored.Int("trees") != 135 || stored.Int("grade") != 2 || stored.Text("unit") != "U01" ||
			stored.Float("lawn_m2") != 1200.25 || stored.Text("name") != g.Text("name") {
			t.Fatalf("stored after the survey: %+v %v", stored, err)
		}
		if f, ok := svc.Index.Snapshot().Layer(geo.Green).Get(g.ID); !ok || f.Version != 2 || f.Int("trees") != 135 {
			t.Fatalf("the index did not follow: %+v %v", f, ok)
		}

		// 2. History, newest first.
		h, err := svc.History(ctx, g.ID, 0)
		if err != nil || len(h) != 3 || h[0].Field != "trees" || h[2].Field != "grade" || h[1].Old != "青羊区园林局" {
			t.Fatalf("history: %+v %v", h, err)
		}
		if _, err := svc.History(ctx, g.ID+100, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("history of no green space: %v", err)
		}

		// 3. A stale version changes nothing.
		if _, err := svc.Apply(ctx, planner, g.ID, 1, Edit{Changes: []Change{{"trees", int64(1)}}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale edit: %v, want ErrConflict", err)
		}
		if _, err := svc.Apply(ctx, planner, g.ID+100, 1, Edit{Changes: []Change{{"trees", int64(1)}}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no such green space: %v", err)
		}
		// 4. Bad values change nothing, and name their field.
		for _, bad := range []struct {
			field string
			v     any
		}{{"lawn_m2", area + 1}, {"shrub_m2", -1.0}, {"unit", "U99"}, {"grade", int64(4)}, {"grade", int64(0)}, {"trees", int64(MaxTrees + 1)}, {"trees", int64(-1)}, {"area_m2", 5.0}, {"name", "新名"}, {"trees", 1.5}} {
			good := Change{"trees", int64(7)} // a good change beside the bad one
			if bad.field == "trees" {
				good = Change{"grade", int64(3)}
			}
			_, err := svc.Apply(ctx, planner, g.ID, 2, Edit{Changes: []Change{good, {bad.field, bad.v}}})
			var in *InputError
			if !errors.As(err, &in) || in.Field != bad.field {
				t.Errorf("%s = %v: %v, want an InputError naming it", bad.field, bad.v, err)
			}
		}
		assertUnchanged := func(version int64, entries int) {
			t.Helper()
			f, err := st.Get(ctx, geo.Green, g.ID)
			h, herr := svc.History(ctx, g.ID, 0)
			if err != nil || herr != nil || f.Version != version || len(h) != entries {
				t.Fatalf("after refusals: version %d (want %d), %d entries (want %d): %v %v", f.Version, version, len(h), entries, err, herr)
			}
		}
		assertUnchanged(2, 3)

		// 5. Units: their own green space's counts only.
		if _, err := svc.Apply(ctx, unitU02, g.ID, 2, Edit{Changes: []Change{{"trees", int64(1)}}}); !errors.Is(err, ErrForbidden) {
			t.Errorf("another unit surveyed: %v", err)
		}
		for _, role := range []string{store.RoleDispatcher, store.RoleAuditor, store.RolePublic, ""} {
			if _, err := svc.Apply(ctx, Actor{Name: "x", Role: role}, g.ID, 2, Edit{Changes: []Change{{"trees", int64(1)}}}); !errors.Is(err, ErrForbidden) {
				t.Errorf("role %q surveyed: %v", role, err)
			}
		}
		if _, err := svc.Apply(ctx, unitU01, g.ID, 2, Edit{Changes: []Change{{"grade", int64(1)}}}); !errors.Is(err, ErrForbidden) {
			t.Errorf("a unit regraded its own green space: %v", err)
		}
		assertUnchanged(2, 3)
		res, err = svc.Apply(ctx, unitU01, g.ID, 2, Edit{Changes: []Change{{"lawn_m2", area}}, Note: "实测"})
		if err != nil || res.Feature.Version != 3 || len(res.Entries) != 1 || res.Entries[0].Old != "1200.25" || res.Entries[0].Who != unitU01.Name {
			t.Fatalf("the unit's own survey: %+v %v", res, err)
		}
		// Clearing a field records it as none.
		res, err = svc.Apply(ctx, inspector, g.ID, 3, Edit{Changes: []Change{{"shrub_m2", nil}}})
		if err != nil || res.Entries[0].Old != "350.5" || res.Entries[0].New != "" {
			t.Fatalf("clear: %+v %v", res, err)
		}
		if f, _ := st.Get(ctx, geo.Green, g.ID); f.Props["shrub_m2"] != nil {
			t.Errorf("shrub_m2 not cleared: %v", f.Props)
		}
		// An edit that changes nothing writes nothing.
		res, err = svc.Apply(ctx, inspector, g.ID, 4, Edit{Changes: []Change{{"trees", int64(135)}}})
		if err != nil || res.Feature.Version != 4 || len(res.Entries) != 0 {
			t.Fatalf("no-op edit: %+v %v", res, err)
		}
		assertUnchanged(4, 5)

		// 6. Concurrent edits from version 4: exactly one lands.
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = svc.Apply(ctx, Actor{Name: fmt.Sprint("insp", i), Role: store.RoleInspector}, g.ID, 4, Edit{Changes: []Change{{"trees", int64(200 + i)}}})
			}(i)
		}
		wg.Wait()
		won := storetest.OneWinner(t, "edit", errs, store.ErrConflict)
		f, _ := st.Get(ctx, geo.Green, g.ID)
		h, _ = svc.History(ctx, g.ID, 0)
		if f.Version != 5 || f.Int("trees") != int64(200+won) || len(h) != 6 || h[0].Who != fmt.Sprint("insp", won) || h[0].Old != "135" {
			t.Fatalf("winner %d: feature %+v, history %+v", won, f, h)
		}
	})
}

// TestDecode: the JSON an edit comes as, and what it refuses, naming the
// key at fault.
func TestDecode(t *testing.T) {
	e, err := Decode([]byte(`{"lawn_m2": 10.5, "note": "复查", "trees": 12, "unit": "U01", "grade": null, "shrub_m2": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"grade", nil}, {"unit", "U01"}, {"trees", int64(12)}, {"shrub_m2", 3.0}, {"lawn_m2", 10.5}}
	if e.Note != "复查" || fmt.Sprint(e.Changes) != fmt.Sprint(want) {
		t.Fatalf("decoded %+v, want %v", e, want)
	}
	if e, err := Decode([]byte(`{"unit": ""}`)); err != nil || e.Changes[0].Value != nil {
		t.Errorf(`unit "" clears: %+v %v`, e, err)
	}
	for body, field := range map[string]string{
		`{"tress": 5}`:       "tress",
		`{"trees": "5"}`:     "trees",
		`{"trees": 1.5}`:     "trees",
		`{"trees": 1e300}`:   "trees",
		`{"trees": -1}`:      "trees",
		`{"trees": 1000001}`: "trees",
		`{"grade": 4}`:       "grade",
		`{"grade": "一级"}`:    "grade",
		`{"lawn_m2": -0.5}`:  "lawn_m2",
		`{"lawn_m2": true}`:  "lawn_m2",
		`{"unit": 5}`:        "unit",
		`{"unit": "` + strings.Repeat("U", 33) + `"}`:                    "unit",
		`{"note": 5, "trees": 1}`:                                        "note",
		`{"note": "` + strings.Repeat("注", MaxNote+1) + `", "trees": 1}`: "note",
		`{}`:                        "",
		`{"note": "only a note"}`:   "",
		`[1]`:                       "",
		`null`:                      "",
		`{"trees": 1} {"trees": 2}`: "",
		`{"trees": 1`:               "",
	} {
		_, err := Decode([]byte(body))
		var in *InputError
		if !errors.As(err, &in) || in.Field != field {
			t.Errorf("%.60s: %v, want an InputError naming %q", body, err, field)
		}
	}
	if _, err := Decode(make([]byte, MaxBody+1)); err == nil || !strings.Contains(err.Error(), fmt.Sprint(MaxBody)) {
		t.Errorf("oversized body: %v", err)
	}
}

// TestTextValue: history texts read back as the field's type.
func TestTextValue(t *testing.T) {
	for _, c := range []struct {
		field string
		v     any
		text  string
	}{{"trees", int64(1000000), "1000000"}, {"lawn_m2", 1200.25, "1200.25"}, {"lawn_m2", 1e7, "10000000"}, {"unit", "U01", "U01"}, {"grade", nil, ""}} {
		if got := Text(c.v); got != c.text {
			t.Errorf("Text(%v) = %q, want %q", c.v, got, c.text)
		}
		if got := Value(c.field, c.text); got != c.v {
			t.Errorf("Value(%s, %q) = %#v, want %#v", c.field, c.text, got, c.v)
		}
	}
}
