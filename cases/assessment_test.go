package cases

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestAssessInput: AssessInput keeps exactly the counted cases that
// matter from a start — reported since, still open, or closed since —
// across more than one page of ListCases, on every store; cases take
// their zone's street, units the street of most of their zones, and a
// unit met only in cases is listed from its first month.
func TestAssessInput(t *testing.T) { eachStore(t, testAssessInput) }

func testAssessInput(t *testing.T, st store.Store) {
	ctx := context.Background()
	cat := Default()
	code := cat.Categories[0].Code
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, assess.Zone)
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, assess.Zone)
	at := func(days float64) *time.Time {
		v := from.Add(time.Duration(days * 24 * float64(time.Hour))).UTC().Truncate(time.Millisecond)
		return &v
	}
	type spec struct {
		state            string
		reported, closed float64 // days from from; closed < -999: open
		unit, zone       string
		keep             bool
	}
	specs := []spec{
		{Closed, -40, -35, "U1", "Z1", false},      // closed before from
		{Closed, -40, 3, "U1", "Z1", true},         // closed since
		{Dispatched, -90, -1000, "U1", "Z2", true}, // still open
		{Handled, 5, -1000, "U2", "Z3", true},      // reported since
		{Reported, 5, -1000, "", "", false},        // not counted
		{Rejected, 6, -1000, "", "", false},        // not counted
		{Closed, 62, 63, "U1", "Z1", false},        // reported after end
		{Verified, 10, -1000, "GONE", "Z9", true},  // a unit no longer listed, in no zone
	}
	// Enough more closed cases reported since to need a second page.
	for i := 0; i < store.MaxCaseList; i++ {
		specs = append(specs, spec{Closed, 20, 21, "U2", "Z3", true})
	}
	var want []string
	for i, sp := range specs {
		c := &store.Case{Category: code, State: sp.state, Point: orb.Point{104, 30}, Source: "inspector", Reporter: "r",
			Reported: *at(sp.reported), Updated: *at(sp.reported), Unit: sp.unit, Zone: sp.zone, Reopens: i % 3}
		if sp.state != Reported && sp.state != Rejected {
			c.Registered, c.Deadline = at(sp.reported), at(sp.reported+2)
		}
		if sp.closed > -999 {
			c.Closed = at(sp.closed)
		}
		ev := &store.CaseEvent{At: c.Reported, Who: "r", Role: RoleInspector, Action: ActReport, To: sp.state}
		if err := st.CreateCase(ctx, c, ev, nil); err != nil {
			t.Fatal(err)
		}
		if sp.keep {
			want = append(want, fmt.Sprint(c.ID))
		}
	}
	units := []store.Unit{{ID: "U1", Name: "一号"}, {ID: "U2", Name: "二号"}, {ID: "U3", Name: "三号"}}
	zs := []ZoneStreet{{"Z1", "U1", "东街道"}, {"Z2", "U1", "西街道"}, {"Z4", "U1", "西街道"}, {"Z3", "U2", "南街道"}}
	in, err := AssessInput(ctx, st, units, zs, cat, assess.Default(), from, end)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	byID := map[string]assess.Record{}
	for _, r := range in.Cases {
		got = append(got, r.ID)
		byID[r.ID] = r
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("kept %d cases, want %d (first kept %v, want %v)", len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
	}
	for _, r := range byID {
		if r.Weight != cat.Categories[0].Weight || r.Deadline.Sub(r.Reported) != 48*time.Hour {
			t.Fatalf("case %s: weight %g, deadline %v after report", r.ID, r.Weight, r.Deadline.Sub(r.Reported))
		}
	}
	streets := map[string]string{}
	for _, r := range in.Cases {
		streets[r.Unit+"/"+r.Street] = r.ID
	}
	for _, k := range []string{"U1/东街道", "U1/西街道", "U2/南街道", "GONE/" + NoStreet} {
		if streets[k] == "" {
			t.Errorf("no case of unit/street %s among %v", k, streets)
		}
	}
	wantUnits := []assess.Unit{
		{ID: "U1", Name: "一号", Street: "西街道"}, {ID: "U2", Name: "二号", Street: "南街道"}, {ID: "U3", Name: "三号", Street: NoStreet},
		{ID: "GONE", Street: NoStreet, From: assess.Month{Year: 2026, Month: time.October}},
	}
	if !slices.Equal(in.Units, wantUnits) {
		t.Errorf("units %+v, want %+v", in.Units, wantUnits)
	}
}

// countingCases counts the cases ListCases hands out.
type countingCases struct {
	store.Cases
	listed int
}

func (c *countingCases) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	cs, err := c.Cases.ListCases(ctx, f)
	c.listed += len(cs)
	return cs, err
}

// TestAssessInputReadsTheMonths: assessing a month reads from the store
// only the cases that can count in it — not the year's cases closed
// before it, which once made a month's assessment after a metro town's
// year (a million cases) refuse as too large.
func TestAssessInputReadsTheMonths(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	cat := Default()
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, assess.Zone)
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, assess.Zone)
	var batch []store.NewCase
	keep := 0
	for i := 0; i < 3000; i++ {
		// A case every 3 hours of the year to end, closed a day later;
		// every tenth still open.
		rep := end.Add(-time.Duration(i) * 3 * time.Hour).UTC()
		dl, closed := rep.Add(48*time.Hour), rep.Add(24*time.Hour)
		c := &store.Case{Category: cat.Categories[0].Code, State: Closed, Point: orb.Point{104, 30}, Source: "inspector", Reporter: "r",
			Reported: rep, Updated: closed, Unit: "U1", Zone: "Z1", Registered: &rep, Deadline: &dl, Closed: &closed}
		if i%10 == 0 {
			c.State, c.Closed = Dispatched, nil
		}
		if i > 0 && (!rep.Before(from) || c.Closed == nil || !c.Closed.Before(from)) {
			keep++
		}
		batch = append(batch, store.NewCase{Case: c, Event: &store.CaseEvent{At: rep, Who: "r", Role: RoleInspector, Action: ActReport, To: c.State}})
	}
	if _, err := st.CreateCases(ctx, batch); err != nil {
		t.Fatal(err)
	}
	cs := &countingCases{Cases: st}
	in, err := AssessInput(ctx, cs, []store.Unit{{ID: "U1"}}, nil, cat, assess.Default(), from, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Cases) != keep || cs.listed != keep {
		t.Errorf("kept %d cases and read %d from the store, want %d and %d (of %d)", len(in.Cases), cs.listed, keep, keep, len(batch))
	}
}
