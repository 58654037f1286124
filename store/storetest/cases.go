package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// caseAt is a millisecond time on 2 March 2026 (Beijing morning), h hours
// and m minutes after 00:00 UTC.
func caseAt(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 7, 123e6, time.UTC) }

func newCase(cat string, p orb.Point, at time.Time) (*store.Case, *store.CaseEvent) {
	c := &store.Case{Category: cat, State: "reported", Point: p, Description: "东湖公园北门 断枝 " + cat, Source: "inspector",
		Reporter: "insp1", Contact: "138 0000 0000", Reported: at, Updated: at}
	return c, &store.CaseEvent{At: at, Who: "insp1", Role: "inspector", Action: "report", To: "reported", Note: "北门"}
}

func mustEvents(t *testing.T, s store.Store, id int64) []store.CaseEvent {
	t.Helper()
	evs, err := s.CaseEvents(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// testCases: a case, its first event and photo round-trip; a step writes
// the row and appends its event; a stale step changes nothing; filters
// select; everything survives a reopen.
func testCases(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	a, ev := newCase("broken_branch", orb.Point{104.0612345, 30.6712345}, caseAt(1, 0))
	jpeg := []byte("\xff\xd8\xff\xe0 not really a jpeg \x00\x01\x02")
	ph := &store.Photo{Type: "image/jpeg", Data: jpeg}
	if err := s.CreateCase(c, a, ev, []*store.Photo{ph}); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Version != 1 || ev.ID == 0 || ev.CaseID != a.ID || ph.ID == 0 || ph.EventID != ev.ID || !reflect.DeepEqual(ev.Photos, []int64{ph.ID}) {
		t.Fatalf("created %+v %+v %+v", a, ev, ph)
	}
	got, err := s.GetCase(c, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("get:\n got %+v %v\nwant %+v", got, err, a)
	}
	if p, err := s.CasePhoto(c, ph.ID); err != nil || !bytes.Equal(p.Data, jpeg) || p.Type != "image/jpeg" || p.CaseID != a.ID || p.EventID != ev.ID {
		t.Fatalf("photo: %+v %v", p, err)
	}
	if _, err := s.CasePhoto(c, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing photo: %v", err)
	}
	if _, err := s.GetCase(c, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing case: %v", err)
	}
	if _, err := s.CaseEvents(c, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("events of a missing case: %v", err)
	}

	// A step: every mutable field changes, Reported does not.
	reg, dl := caseAt(2, 0), caseAt(50, 0)
	step := *a
	step.State, step.Zone, step.Unit, step.Reason, step.Reopens, step.DuplicateOf = "registered", "Z-01", "绿化一公司", "ok", 2, 0
	step.Registered, step.Deadline, step.Updated, step.Reported = &reg, &dl, reg, caseAt(9, 9)
	sev := &store.CaseEvent{At: reg, Who: "disp1", Role: "dispatcher", Action: "register", From: "reported", To: "registered", Note: "立案"}
	two := []*store.Photo{{Type: "image/png", Data: []byte("png 1")}, {Type: "image/webp", Data: []byte("webp 2")}}
	if err := s.StepCase(c, &step, 1, sev, two); err != nil || step.Version != 2 || sev.ID <= ev.ID || len(sev.Photos) != 2 || sev.Photos[0] >= sev.Photos[1] {
		t.Fatalf("step: %v %+v %+v", err, step, sev)
	}
	for _, p := range two {
		if got, err := s.CasePhoto(c, p.ID); err != nil || got.Type != p.Type || !bytes.Equal(got.Data, p.Data) || got.EventID != sev.ID {
			t.Errorf("step photo %d: %+v %v", p.ID, got, err)
		}
	}
	want := step
	want.Reported = a.Reported
	if got, _ := s.GetCase(c, a.ID); !reflect.DeepEqual(got, &want) {
		t.Fatalf("after step:\n got %+v\nwant %+v", got, &want)
	}
	stale := want
	stale.State = "rejected"
	if err := s.StepCase(c, &stale, 1, &store.CaseEvent{At: reg, Who: "x", Action: "reject", From: "reported", To: "rejected"}, []*store.Photo{{Type: "image/png", Data: []byte("x")}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale step: %v, want ErrConflict", err)
	}
	missing := want
	missing.ID = 999999
	if err := s.StepCase(c, &missing, 1, &store.CaseEvent{At: reg, Action: "x"}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("step of a missing case: %v", err)
	}
	wantEvents := []store.CaseEvent{*ev, *sev}
	if got := mustEvents(t, s, a.ID); !reflect.DeepEqual(got, wantEvents) {
		t.Fatalf("history:\n got %+v\nwant %+v", got, wantEvents)
	}
	testCaseList(t, s, &want)
	s.Close()
	s = mustOpen(t, open)
	if got, err := s.GetCase(c, a.ID); err != nil || !reflect.DeepEqual(got, &want) {
		t.Errorf("after reopen: %+v %v", got, err)
	}
	if got := mustEvents(t, s, a.ID); !reflect.DeepEqual(got, wantEvents) {
		t.Errorf("history after reopen: %+v", got)
	}
}

// testCaseList: ListCases filters by state, category, unit, zone, bound
// and id (a page's start),
// newest first, and keeps to its limit. a is case 1, registered.
func testCaseList(t *testing.T, s store.Store, a *store.Case) {
	c := ctx(t)
	b, ev := newCase("overflowing_bin", orb.Point{104.07, 30.68}, caseAt(3, 0))
	if err := s.CreateCase(c, b, ev, nil); err != nil {
		t.Fatal(err)
	}
	d, ev := newCase("broken_branch", orb.Point{104.2, 30.9}, caseAt(4, 0))
	if err := s.CreateCase(c, d, ev, nil); err != nil {
		t.Fatal(err)
	}
	ids := func(f store.CaseFilter) string {
		t.Helper()
		cs, err := s.ListCases(c, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, x := range cs {
			out = append(out, x.ID)
		}
		return fmt.Sprint(out)
	}
	after := a.Deadline.Add(time.Millisecond)
	aAt, bAt, dAt := a.Reported, b.Reported, d.Reported
	near := orb.Bound{Min: orb.Point{104.06, 30.67}, Max: orb.Point{104.07, 30.68}} // b on its corner
	for _, tc := range []struct {
		f    store.CaseFilter
		want []int64
	}{
		{store.CaseFilter{}, []int64{d.ID, b.ID, a.ID}},
		{store.CaseFilter{States: []string{"reported"}}, []int64{d.ID, b.ID}},
		{store.CaseFilter{States: []string{"registered", "closed"}}, []int64{a.ID}},
		{store.CaseFilter{Category: "broken_branch"}, []int64{d.ID, a.ID}},
		{store.CaseFilter{Unit: "绿化一公司"}, []int64{a.ID}},
		{store.CaseFilter{Bound: &near}, []int64{b.ID, a.ID}},
		{store.CaseFilter{Bound: &near, Category: "broken_branch", States: []string{"registered"}}, []int64{a.ID}},
		{store.CaseFilter{Limit: 2}, []int64{d.ID, b.ID}},
		{store.CaseFilter{Before: d.ID}, []int64{b.ID, a.ID}},
		{store.CaseFilter{Before: b.ID, Limit: 1}, []int64{a.ID}},
		{store.CaseFilter{Zone: a.Zone}, []int64{a.ID}},
		{store.CaseFilter{Zone: "no such zone"}, nil},
		{store.CaseFilter{DueBefore: a.Deadline}, nil},
		{store.CaseFilter{DueBefore: &after}, []int64{a.ID}},
		{store.CaseFilter{DueBefore: &after, States: []string{"reported"}}, nil},
		{store.CaseFilter{ReportedFrom: &bAt}, []int64{d.ID, b.ID}},
		{store.CaseFilter{ReportedBefore: &bAt}, []int64{a.ID}},
		{store.CaseFilter{ReportedFrom: &aAt, ReportedBefore: &dAt}, []int64{b.ID, a.ID}},
		{store.CaseFilter{ReportedFrom: &bAt, ReportedBefore: &bAt}, nil},
	} {
		if got := ids(tc.f); got != fmt.Sprint(tc.want) {
			t.Errorf("list %+v: %s, want %v", tc.f, got, tc.want)
		}
	}
}

// testCaseListActive: ActiveFrom keeps the cases reported from it, open,
// or closed from it, and drops those closed before it (what an
// assessment of a month reads of a year); a bound keeps exactly the
// points inside it, not those a hair outside (PostGIS's index boxes are
// single precision).
func testCaseListActive(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	jan := func(d int) time.Time { return time.Date(2026, 1, d, 2, 0, 0, 0, time.UTC) }
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mk := func(p orb.Point, at time.Time, closed *time.Time) *store.Case {
		t.Helper()
		k, ev := newCase("broken_branch", p, at)
		k.State, k.Closed = "dispatched", closed
		if closed != nil {
			k.State = "closed"
		}
		if err := s.CreateCase(c, k, ev, nil); err != nil {
			t.Fatal(err)
		}
		return k
	}
	closedJan, closedFeb := jan(20), feb.Add(3*24*time.Hour)
	oldClosed := mk(orb.Point{104.07, 30.68}, jan(2), &closedJan)
	lateClosed := mk(orb.Point{104.07, 30.68}, jan(3), &closedFeb)
	atFrom := feb
	closedAtFrom := mk(orb.Point{104.07, 30.68}, jan(4), &atFrom)
	oldOpen := mk(orb.Point{104.07, 30.68}, jan(5), nil)
	newer := mk(orb.Point{104.07, 30.68}, feb.Add(time.Hour), nil)
	// Just outside a bound's east and north edges, by less than a float32
	// step at these coordinates; and on the edges.
	near := orb.Bound{Min: orb.Point{104.2612345, 30.8712345}, Max: orb.Point{104.2712345, 30.8812345}}
	outE := mk(orb.Point{near.Max[0] + 1e-7, 30.875}, feb, nil)
	outN := mk(orb.Point{104.265, near.Max[1] + 1e-7}, feb, nil)
	outW := mk(orb.Point{near.Min[0] - 1e-7, 30.875}, feb, nil)
	edge := mk(orb.Point{near.Max[0], near.Max[1]}, feb, nil)
	for _, tc := range []struct {
		f    store.CaseFilter
		want []*store.Case
	}{
		{store.CaseFilter{ActiveFrom: &feb, Bound: &orb.Bound{Min: orb.Point{104.07, 30.68}, Max: orb.Point{104.07, 30.68}}},
			[]*store.Case{newer, oldOpen, closedAtFrom, lateClosed}},
		{store.CaseFilter{ActiveFrom: &feb, States: []string{"closed"}}, []*store.Case{closedAtFrom, lateClosed}},
		{store.CaseFilter{Bound: &near}, []*store.Case{edge}},
		{store.CaseFilter{Bound: &near, Before: edge.ID}, nil},
	} {
		got, err := s.ListCases(c, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var g, w []int64
		for _, x := range got {
			g = append(g, x.ID)
		}
		for _, x := range tc.want {
			w = append(w, x.ID)
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("list %+v: %v, want %v (old closed %d, just outside %d %d %d)", tc.f, g, w, oldClosed.ID, outE.ID, outN.ID, outW.ID)
		}
	}
}

// testCaseRace: many steps of one case from the same version at once;
// exactly one wins, the rest get ErrConflict, and the history holds the
// winner's event only.
func testCaseRace(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	a, ev := newCase("exposed_garbage", orb.Point{104.06, 30.67}, caseAt(1, 0))
	if err := s.CreateCase(c, a, ev, nil); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			step := *a
			step.State = "registered"
			step.Reason = fmt.Sprint("writer ", i)
			errs[i] = s.StepCase(c, &step, 1, &store.CaseEvent{At: caseAt(2, i), Who: fmt.Sprint("disp", i), Role: "dispatcher", Action: "register", From: "reported", To: "registered"},
				[]*store.Photo{{Type: "image/png", Data: []byte{byte(i)}}})
		}(i)
	}
	wg.Wait()
	won := OneWinner(t, "writer", errs, store.ErrConflict)
	got, _ := s.GetCase(c, a.ID)
	evs := mustEvents(t, s, a.ID)
	if got.Version != 2 || got.Reason != fmt.Sprint("writer ", won) || len(evs) != 2 || evs[1].Who != fmt.Sprint("disp", won) || len(evs[1].Photos) != 1 {
		t.Fatalf("the winner was %d: case %+v, history %+v", won, got, evs)
	}
	if p, err := s.CasePhoto(c, evs[1].Photos[0]); err != nil || !bytes.Equal(p.Data, []byte{byte(won)}) {
		t.Errorf("the winner's photo: %+v %v", p, err)
	}
}

// testCaseBatch: CreateCases stores a batch with its events and refs; a
// second batch skips the refs already stored or repeated in it (per
// source) and stores the rest; an oversized batch stores nothing.
func testCaseBatch(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	batch := func(refs ...string) []store.NewCase {
		var out []store.NewCase
		for i, r := range refs {
			a, ev := newCase("exposed_garbage", orb.Point{104.06 + float64(i)/1000, 30.67}, caseAt(2, i))
			a.Source, a.Reporter, a.Ref = "12345", "hotline", r
			out = append(out, store.NewCase{Case: a, Event: ev})
		}
		return out
	}
	first := batch("GD2026030200001", "GD2026030200002", "")
	n, err := s.CreateCases(c, first)
	if err != nil || n != 3 {
		t.Fatalf("first batch: %d stored, %v; want 3", n, err)
	}
	for _, nc := range first {
		got, err := s.GetCase(c, nc.Case.ID)
		if err != nil || !reflect.DeepEqual(got, nc.Case) {
			t.Fatalf("get:\n got %+v %v\nwant %+v", got, err, nc.Case)
		}
		if evs := mustEvents(t, s, nc.Case.ID); len(evs) != 1 || evs[0].ID != nc.Event.ID {
			t.Fatalf("case %d events %+v", nc.Case.ID, evs)
		}
	}
	// The same ref from another source is another case.
	second := batch("GD2026030200002", "GD2026030200003", "GD2026030200003", "GD2026030200001")
	other, ev := newCase("exposed_garbage", orb.Point{104.07, 30.68}, caseAt(3, 0))
	other.Source, other.Ref = "citizen", "GD2026030200001"
	second = append(second, store.NewCase{Case: other, Event: ev})
	n, err = s.CreateCases(c, second)
	if err != nil || n != 2 {
		t.Fatalf("second batch: %d stored, %v; want 2 (ref 3 once, the citizen's)", n, err)
	}
	for i, want := range []bool{false, true, false, false, true} {
		if got := second[i].Case.ID != 0; got != want {
			t.Errorf("second batch case %d (ref %s): stored %v, want %v", i, second[i].Case.Ref, got, want)
		}
	}
	all, err := s.ListCases(c, store.CaseFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("after both batches: %d cases, %v; want 5", len(all), err)
	}
	big := make([]store.NewCase, store.MaxCaseBatch+1)
	for i := range big {
		a, ev := newCase("exposed_garbage", orb.Point{104.06, 30.67}, caseAt(4, 0))
		big[i] = store.NewCase{Case: a, Event: ev}
	}
	if n, err := s.CreateCases(c, big); err == nil || n != 0 {
		t.Errorf("oversized batch: %d stored, %v; want an error", n, err)
	}
	if after, _ := s.ListCases(c, store.CaseFilter{}); len(after) != 5 {
		t.Errorf("oversized batch stored something: %d cases", len(after))
	}
}

// testCaseRef: CreateCase keeps one case per source and ref (a second is
// ErrDuplicate and stores nothing, also when several race) and CaseByRef
// finds it; the same ref of another source is another case; a case
// without a ref is found by no ref.
func testCaseRef(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	plain, ev := newCase("broken_branch", orb.Point{104.05, 30.66}, caseAt(1, 0))
	if err := s.CreateCase(c, plain, ev, nil); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"", "insp1/k-1"} {
		if got, err := s.CaseByRef(c, "inspector", ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CaseByRef(inspector, %q) before any: %+v, %v; want ErrNotFound", ref, got, err)
		}
	}
	const n = 6
	var wg sync.WaitGroup
	made := make([]*store.Case, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, ev := newCase("broken_branch", orb.Point{104.06, 30.67}, caseAt(2, i))
			a.Ref, a.Description = "insp1/k-1", fmt.Sprint("try ", i)
			made[i], errs[i] = a, s.CreateCase(c, a, ev, []*store.Photo{{Type: "image/png", Data: []byte{byte(i)}}})
		}(i)
	}
	wg.Wait()
	won := OneWinner(t, "creation", errs, store.ErrDuplicate)
	got, err := s.CaseByRef(c, "inspector", "insp1/k-1")
	if err != nil || !reflect.DeepEqual(got, made[won]) {
		t.Fatalf("CaseByRef:\n got %+v %v\nwant %+v", got, err, made[won])
	}
	if evs := mustEvents(t, s, got.ID); len(evs) != 1 || len(evs[0].Photos) != 1 {
		t.Errorf("the stored case's history: %+v", evs)
	} else if p, err := s.CasePhoto(c, evs[0].Photos[0]); err != nil || !bytes.Equal(p.Data, []byte{byte(won)}) {
		t.Errorf("the stored case's photo: %+v %v", p, err)
	}
	if _, err := s.CaseByRef(c, "citizen", "insp1/k-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the ref from another source: %v, want ErrNotFound", err)
	}
	other, ev := newCase("broken_branch", orb.Point{104.06, 30.67}, caseAt(3, 0))
	other.Source, other.Ref = "citizen", "insp1/k-1"
	if err := s.CreateCase(c, other, ev, nil); err != nil || other.ID == 0 || other.ID == got.ID {
		t.Fatalf("the same ref from another source: id %d, %v", other.ID, err)
	}
	all, err := s.ListCases(c, store.CaseFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("%d cases stored, %v; want 3 (no ref, the ref once, the citizen's)", len(all), err)
	}
}
