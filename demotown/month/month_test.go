package month

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

var end = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC) // 1 December 00:00 in Beijing

// town writes the small demo town and its units into a memory store and
// returns it with its index snapshot.
func town(t *testing.T, seed int64) (store.Store, *index.Snapshot) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	opt := demotown.Options{Seed: seed, Size: "small"}
	if _, err := demotown.Into(ctx, st, opt); err != nil {
		t.Fatal(err)
	}
	us, err := demotown.Units(opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUnits(ctx, us); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, ix.Snapshot()
}

// everything returns every case with its history.
func everything(t *testing.T, st store.Store) ([]store.Case, [][]store.CaseEvent) {
	t.Helper()
	ctx := context.Background()
	cs, err := st.ListCases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var evs [][]store.CaseEvent
	for _, c := range cs {
		e, err := st.CaseEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range e {
			e[i].ID = 0 // ids of events interleave with photos' order only
		}
		evs = append(evs, e)
	}
	return cs, evs
}

// TestMonthDeterministic: the same seed, end and town give the same
// cases and histories; another seed others.
func TestMonthDeterministic(t *testing.T) {
	ctx := context.Background()
	run := func(seed int64) ([]store.Case, [][]store.CaseEvent) {
		st, snap := town(t, 1)
		if _, err := Write(ctx, st, snap, cases.Default(), Options{Seed: seed, End: end, PerDay: 5}); err != nil {
			t.Fatal(err)
		}
		return everything(t, st)
	}
	c1, e1 := run(3)
	c2, e2 := run(3)
	if len(c1) == 0 || !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(e1, e2) {
		t.Fatalf("seed 3 twice: %d and %d cases, differ", len(c1), len(c2))
	}
	if c3, _ := run(4); reflect.DeepEqual(c1, c3) {
		t.Fatal("seeds 3 and 4 give the same month")
	}
}

// TestMonthValid: every case's unit exists and is its zone's, deadlines
// follow the categories, no step comes after the end, and the states
// spread over the workflow with overdue and re-opened cases among them.
func TestMonthValid(t *testing.T) {
	ctx := context.Background()
	st, snap := town(t, 1)
	cat := cases.Default()
	stats, err := Write(ctx, st, snap, cat, Options{Seed: 1, End: end, PerDay: 5})
	if err != nil {
		t.Fatal(err)
	}
	us, err := st.ListUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]bool{}
	for _, u := range us {
		units[u.ID] = true
	}
	finder, err := zones.New(func() *index.Snapshot { return snap }, 0)
	if err != nil {
		t.Fatal(err)
	}
	cs, evs := everything(t, st)
	if len(cs) != stats.Cases || len(cs) < 100 {
		t.Fatalf("%d cases stored, %d reported", len(cs), stats.Cases)
	}
	states := map[string]int{}
	overdue, reopened, used := 0, 0, map[string]bool{}
	for i, c := range cs {
		states[c.State]++
		if cases.Overdue(&c, end) {
			overdue++
		}
		if c.Reopens > 0 {
			reopened++
		}
		if c.Reported.Before(end.Add(-Days*24*time.Hour)) || !c.Updated.Before(end) {
			t.Errorf("case %d: reported %v, updated %v outside the month", c.ID, c.Reported, c.Updated)
		}
		for _, e := range evs[i] {
			if e.At.After(end) {
				t.Errorf("case %d: step %s at %v after the end", c.ID, e.Action, e.At)
			}
		}
		if c.Registered != nil {
			want := c.Registered.Add(time.Duration(cat.Category(c.Category).DeadlineHours) * time.Hour)
			if c.Deadline == nil || !c.Deadline.Equal(want) {
				t.Errorf("case %d (%s): deadline %v, want %v", c.ID, c.Category, c.Deadline, want)
			}
		}
		if c.Unit != "" {
			used[c.Unit] = true
			z := finder.At(c.Point)
			if !units[c.Unit] || c.Unit != z.Unit || c.Zone != z.Code {
				t.Errorf("case %d: unit %q zone %q, want a unit of the store and its zone's %q %q", c.ID, c.Unit, c.Zone, z.Unit, z.Code)
			}
		}
	}
	for _, s := range []string{cases.Reported, cases.Rejected, cases.Dispatched, cases.Closed} {
		if states[s] == 0 {
			t.Errorf("no case %s: %v", s, states)
		}
	}
	if states[cases.Handled]+states[cases.Verified] == 0 {
		t.Errorf("no case awaiting 核查 or 结案: %v", states)
	}
	if overdue == 0 || reopened == 0 || len(used) < 3 {
		t.Errorf("%d overdue, %d re-opened, %d units with cases", overdue, reopened, len(used))
	}
	if !reflect.DeepEqual(states, stats.States) {
		t.Errorf("stats %v, stored %v", stats.States, states)
	}
	t.Logf("%d cases: %v; %d overdue, %d re-opened", len(cs), states, overdue, reopened)
}
