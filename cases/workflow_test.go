package cases

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest/testenv"
	"github.com/paulmach/orb"
)

var fixtures int

// inState brings a new case to a state by the ordinary steps, dispatched to
// the west zone's unit.
func inState(t *testing.T, svc *Service, clk *clock, state string) *store.Case {
	t.Helper()
	clk.Set(t0)
	fixtures++ // 0.001° apart (about 100 m), so none is another's duplicate
	c, err := svc.Report(context.Background(), inspector, Report{Category: "green_dirty", Point: orb.Point{104.01 + 0.001*float64(fixtures), 30.61}})
	if err != nil {
		t.Fatal(err)
	}
	path := map[string][]struct {
		who Actor
		st  Step
	}{
		Reported:   nil,
		Rejected:   {{dispatcher, Step{Action: ActReject, Note: "不属实"}}},
		Dispatched: {{dispatcher, Step{Action: ActRegister}}},
		Handled:    {{dispatcher, Step{Action: ActRegister}}, {unitWest, Step{Action: ActHandle, Note: "ok", Photos: []store.Photo{photo(1)}}}},
		Verified:   {{dispatcher, Step{Action: ActRegister}}, {unitWest, Step{Action: ActHandle, Note: "ok", Photos: []store.Photo{photo(1)}}}, {inspector, Step{Action: ActVerify}}},
		Closed:     {{dispatcher, Step{Action: ActRegister}}, {unitWest, Step{Action: ActHandle, Note: "ok", Photos: []store.Photo{photo(1)}}}, {inspector, Step{Action: ActVerify}}, {dispatcher, Step{Action: ActClose}}},
	}[state]
	for _, p := range path {
		c = step(t, svc, clk, t0.Add(time.Hour), p.who, c, p.st)
	}
	if c.State != state {
		t.Fatalf("fixture: case at %s, want %s", c.State, state)
	}
	return c
}

// TestRefusals: impossible steps, wrong roles, a unit acting on another
// unit's case, missing reasons and photos are refused with their typed
// error, and the case and its history stay as they were.
func TestRefusals(t *testing.T) {
	st := memstore.New()
	clk := &clock{}
	svc := newService(st, clk)
	ctx := context.Background()
	admin := Actor{Name: "root", Role: store.RoleAdmin}
	planner := Actor{Name: "pl", Role: store.RolePlanner}
	for _, tc := range []struct {
		name  string
		state string
		who   Actor
		st    Step
		want  error
	}{
		{"handle a reported case", Reported, Actor{Name: "root", Role: store.RoleAdmin}, Step{Action: ActHandle, Note: "x", Photos: []store.Photo{photo(1)}}, ErrImpossible},
		{"a unit handles a case not yet dispatched", Reported, unitWest, Step{Action: ActHandle, Note: "x", Photos: []store.Photo{photo(1)}}, ErrForbidden},
		{"close a handled case", Handled, dispatcher, Step{Action: ActClose}, ErrImpossible},
		{"register twice", Dispatched, dispatcher, Step{Action: ActRegister}, ErrImpossible},
		{"verify a rejected case", Rejected, inspector, Step{Action: ActVerify}, ErrImpossible},
		{"dispatch a closed case", Closed, admin, Step{Action: ActDispatch, Unit: "x"}, ErrImpossible},
		{"inspector registers", Reported, inspector, Step{Action: ActRegister}, ErrForbidden},
		{"unit verifies its own work", Handled, unitWest, Step{Action: ActVerify}, ErrForbidden},
		{"planner closes", Verified, planner, Step{Action: ActClose}, ErrForbidden},
		{"public rejects", Reported, Actor{Name: "c", Role: store.RolePublic}, Step{Action: ActReject, Note: "x"}, ErrForbidden},
		{"another unit handles", Dispatched, unitEast, Step{Action: ActHandle, Note: "x", Photos: []store.Photo{photo(1)}}, ErrForbidden},
		{"another unit returns", Dispatched, unitEast, Step{Action: ActReturn, Note: "not ours"}, ErrForbidden},
		{"reject without a reason", Reported, dispatcher, Step{Action: ActReject}, ErrInput},
		{"send back without a reason", Handled, inspector, Step{Action: ActSendBack}, ErrInput},
		{"handle without a photo", Dispatched, unitWest, Step{Action: ActHandle, Note: "done"}, ErrInput},
		{"unknown action", Reported, dispatcher, Step{Action: "approve"}, ErrInput},
		{"report as a step", Reported, dispatcher, Step{Action: ActReport}, ErrInput},
		{"unit without a unit", Dispatched, Actor{Name: "u", Role: RoleUnit}, Step{Action: ActReturn, Note: "x"}, ErrInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := inState(t, svc, clk, tc.state)
			before, _ := svc.History(ctx, c.ID)
			_, err := svc.Take(ctx, tc.who, c.ID, c.Version, tc.st)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
			after, _ := st.GetCase(ctx, c.ID)
			if evs, _ := svc.History(ctx, c.ID); after.Version != c.Version || after.State != tc.state || len(evs) != len(before) {
				t.Errorf("a refused step changed the case: %+v, %d events (had %d)", after, len(evs), len(before))
			}
		})
	}
	t.Run("stale version", func(t *testing.T) {
		c := inState(t, svc, clk, Reported)
		if _, err := svc.Take(ctx, dispatcher, c.ID, c.Version+1, Step{Action: ActRegister}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%v, want ErrConflict", err)
		}
		// A refused actor learns nothing of the version.
		if _, err := svc.Take(ctx, inspector, c.ID, c.Version+1, Step{Action: ActRegister}); !errors.Is(err, ErrForbidden) {
			t.Errorf("an inspector registering at a stale version: %v, want ErrForbidden", err)
		}
		if _, err := svc.Take(ctx, dispatcher, 987654, 1, Step{Action: ActRegister}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing case: %v", err)
		}
	})
}

// TestReturnAndOverride: a unit returns a case that is not its own; the
// dispatcher dispatches it by hand to another unit, which then may act
// and the first may not. A registration may name its unit outright.
func TestReturnAndOverride(t *testing.T) {
	clk := &clock{}
	svc := newService(memstore.New(), clk)
	c := inState(t, svc, clk, Dispatched)
	c = step(t, svc, clk, t0.Add(2*time.Hour), unitWest, c, Step{Action: ActReturn, Note: "属于锦江环卫所"})
	if c.State != Registered || c.Unit != zoneWest.Unit {
		t.Fatalf("returned: %+v", c)
	}
	c = step(t, svc, clk, t0.Add(3*time.Hour), dispatcher, c, Step{Action: ActDispatch, Unit: zoneEast.Unit})
	if _, err := svc.Take(context.Background(), unitWest, c.ID, c.Version, Step{Action: ActHandle, Note: "x", Photos: []store.Photo{photo(1)}}); !errors.Is(err, ErrForbidden) {
		t.Errorf("the first unit after re-dispatch: %v", err)
	}
	c = step(t, svc, clk, t0.Add(4*time.Hour), unitEast, c, Step{Action: ActHandle, Note: "ok", Photos: []store.Photo{photo(2)}})
	if c.State != Handled {
		t.Errorf("handled by the new unit: %+v", c)
	}
	// A dispatch without a unit where no zone holds the point.
	clk.Set(t0)
	out, err := svc.Report(context.Background(), inspector, Report{Category: "dirty_toilet", Point: orb.Point{103.95, 30.55}})
	if err != nil {
		t.Fatal(err)
	}
	out = step(t, svc, clk, t0.Add(time.Hour), dispatcher, out, Step{Action: ActRegister})
	if out.State != Registered || out.Unit != "" {
		t.Fatalf("registered outside every zone: %+v", out)
	}
	if _, err := svc.Take(context.Background(), dispatcher, out.ID, out.Version, Step{Action: ActDispatch}); !errors.Is(err, ErrInput) {
		t.Errorf("dispatch without a unit: %v", err)
	}
	// Override at registration, inside a zone.
	in, err := svc.Report(context.Background(), inspector, Report{Category: "dirty_toilet", Point: orb.Point{104.05, 30.65}})
	if err != nil {
		t.Fatal(err)
	}
	in = step(t, svc, clk, t0.Add(time.Hour), dispatcher, in, Step{Action: ActRegister, Unit: "市容专班"})
	if in.State != Dispatched || in.Unit != "市容专班" {
		t.Errorf("registration with an override: %+v", in)
	}
}

// TestBadReports: every bad report is refused naming its limit, and
// nothing is stored.
func TestBadReports(t *testing.T) {
	st := memstore.New()
	svc := newService(st, testenv.NewClock(t0))
	ok := Report{Category: "broken_branch", Point: orb.Point{104.06, 30.65}}
	with := func(f func(r *Report)) Report {
		r := ok
		f(&r)
		return r
	}
	big := make([]byte, DefaultLimits.PhotoBytes+1)
	for _, tc := range []struct {
		name string
		who  Actor
		r    Report
		want string
	}{
		{"unknown category", inspector, with(func(r *Report) { r.Category = "ufo" }), `"ufo" is not a case category`},
		{"outside the city", inspector, with(func(r *Report) { r.Point = orb.Point{116.4, 39.9} }), "outside the city's bounds"},
		{"NaN", inspector, with(func(r *Report) { r.Point = orb.Point{math.NaN(), 30.65} }), "finite"},
		{"infinite", inspector, with(func(r *Report) { r.Point = orb.Point{104.06, math.Inf(1)} }), "finite"},
		{"long description", inspector, with(func(r *Report) { r.Description = strings.Repeat("断", DefaultLimits.Description+1) }), "limit of 2000"},
		{"huge description", inspector, with(func(r *Report) { r.Description = strings.Repeat("x", 1<<20) }), "limit of 2000"},
		{"not UTF-8", inspector, with(func(r *Report) { r.Description = "\xff\xfe" }), "UTF-8"},
		{"long contact", inspector, with(func(r *Report) { r.Contact = strings.Repeat("1", DefaultLimits.Contact+1) }), "limit of 200"},
		{"too many photos", inspector, with(func(r *Report) { r.Photos = []store.Photo{photo(1), photo(2), photo(3), photo(4), photo(5)} }), "limit of 4 per step"},
		{"oversized photo", inspector, with(func(r *Report) { r.Photos = []store.Photo{{Type: "image/png", Data: big}} }), "limit of 8388608"},
		{"empty photo", inspector, with(func(r *Report) { r.Photos = []store.Photo{{Type: "image/png"}} }), "0 bytes"},
		{"not an image type", inspector, with(func(r *Report) { r.Photos = []store.Photo{{Type: "application/pdf", Data: []byte("%PDF")}} }), "application/pdf"},
		{"unknown source", inspector, with(func(r *Report) { r.Source = "rumour" }), "rumour"},
		{"unit reports", unitWest, ok, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Report(context.Background(), tc.who, tc.r)
			if tc.want == "" {
				if !errors.Is(err, ErrForbidden) {
					t.Errorf("%v, want ErrForbidden", err)
				}
			} else if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want an input error saying %q", err, tc.want)
			}
		})
	}
	if cs, err := st.ListCases(context.Background(), store.CaseFilter{}); err != nil || len(cs) != 0 {
		t.Errorf("bad reports stored %d cases: %v", len(cs), err)
	}
}

// TestMergeByHand: a dispatcher merges a report into an open case of its
// category; a merge that names no case, itself, a closed case or another
// category's is refused.
func TestMergeByHand(t *testing.T) {
	clk := &clock{}
	svc := newService(memstore.New(), clk)
	ctx := context.Background()
	open := inState(t, svc, clk, Dispatched)
	closed := inState(t, svc, clk, Closed)
	c := inState(t, svc, clk, Reported)
	clk.Set(t0)
	toilet, err := svc.Report(ctx, inspector, Report{Category: "dirty_toilet", Point: orb.Point{104.09, 30.69}})
	if err != nil {
		t.Fatal(err)
	}
	toilet = step(t, svc, clk, t0.Add(time.Hour), dispatcher, toilet, Step{Action: ActRegister})
	for _, dup := range []int64{0, c.ID, closed.ID, toilet.ID, 98765} {
		if _, err := svc.Take(ctx, dispatcher, c.ID, c.Version, Step{Action: ActMerge, Note: "同一处", Duplicate: dup}); !errors.Is(err, ErrInput) {
			t.Errorf("merge into %d: %v", dup, err)
		}
	}
	c = step(t, svc, clk, t0.Add(2*time.Hour), dispatcher, c, Step{Action: ActMerge, Note: "同一处", Duplicate: open.ID})
	if c.State != Rejected || c.DuplicateOf != open.ID || c.Reason != "同一处" {
		t.Errorf("merged: %+v", c)
	}
}

// barrierStore holds each duplicate search's answer until a second search
// has its own or a moment passes, so that two registrations both search
// before either writes unless something keeps them apart.
type barrierStore struct {
	store.Store
	arrived chan struct{}
}

func (b *barrierStore) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	cs, err := b.Store.ListCases(ctx, f)
	select {
	case b.arrived <- struct{}{}:
	case <-b.arrived:
	case <-time.After(300 * time.Millisecond):
	}
	return cs, err
}

// TestConcurrentDuplicates: two reports of one problem 10 m apart,
// registered at the same moment by two dispatchers: one is registered,
// the other merged into it.
func TestConcurrentDuplicates(t *testing.T) {
	st := &barrierStore{Store: memstore.New(), arrived: make(chan struct{})}
	clk := testenv.NewClock(t0)
	svc := newService(st, clk)
	ctx := context.Background()
	var reps []*store.Case
	for i := range 2 {
		// 0.00009° of latitude is 10 m.
		c, err := svc.Report(ctx, inspector, Report{Category: "construction_dumping", Point: orb.Point{104.07, 30.63 + 0.00009*float64(i)}})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, c)
	}
	done := make(chan *store.Case, 2)
	for _, c := range reps {
		go func(c *store.Case) {
			got, err := svc.Take(ctx, dispatcher, c.ID, c.Version, Step{Action: ActRegister})
			if err != nil {
				t.Error(err)
			}
			done <- got
		}(c)
	}
	a, b := <-done, <-done
	if a == nil || b == nil {
		t.FailNow()
	}
	if a.State == Rejected {
		a, b = b, a
	}
	if a.State != Dispatched || b.State != Rejected || b.DuplicateOf != a.ID {
		t.Errorf("two registrations of one problem: %+v and %+v", a, b)
	}
}
