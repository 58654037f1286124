package assess

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bj is a time in Beijing: "2026-11-03 09:00".
func bj(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixture is a hand-worked November 2026: three units in two streets, with
// the default rules (start 100, 0.5 per started overdue day, 1 per re-open,
// cap 10 per case and month, floor 0). Every expected number in the tests
// below was worked out by hand from these comments, not by running the code.
//
//	U1 城东养护公司, 街道A, exists from 2026-01
//	  C1 w1.0, reported 11-03 09:00, deadline 11-05 09:00, closed 11-04 15:00:
//	     on time                                       → 1.0
//	  C2 w2.0, reported 11-10 08:00, deadline 11-12 08:00, closed 11-14 09:00,
//	     re-opened once. Overdue days start 11-12 08:00, 11-13 08:00,
//	     11-14 08:00 (before 09:00) = 3 days × 0.5 = 1.5
//	     2.0 + 1×1.0 + 1.5                             → 4.5
//	  C3 w0.5, reported 2026-11-30T16:30Z = 12-01 00:30 in Beijing: December,
//	     not November (it would be November in UTC)
//	  C4 w1.5, reported 2026-10-31T23:00Z = 11-01 07:00 in Beijing: November
//	     (October in UTC), closed in time             → 1.5
//	  November: 1.0 + 4.5 + 1.5 = 7.0 → 93.0; October: no case → 100.0
//
//	U2 绿城物业, 街道A, exists from 2026-11 (so no October)
//	  C5 w3.0, reported 11-20 10:00, deadline 11-22 10:00, still open at the
//	     clock (12-03 10:00). Overdue days starting in November: 11-22 …
//	     11-30 at 10:00 = 9 days × 0.5 = 4.5           → 3.0 + 4.5 = 7.5
//	  C6 w2.0, reported 11-05 12:00, deadline 11-07 12:00, closed 11-25 12:00,
//	     re-opened 3 times. Overdue days start 11-07 … 11-24 at 12:00 (11-25
//	     12:00 is the closing instant, not before it) = 18 days × 0.5 = 9.0
//	     2.0 + 3×1.0 + 9.0 = 14.0, capped              → 10.0
//	  C7 rejected (不予立案): not counted
//	  November: 7.5 + 10.0 = 17.5 → 82.5
//
//	U3 西园街道办, 街道B, always existed
//	  C8 w1.0, reported 10-28 09:00, deadline 10-30 09:00, closed 11-03 20:00.
//	     October: 1.0 + days 10-30, 10-31 (2 × 0.5) = 2.0 → October 98.0
//	     November, carried: days 11-01, 11-02, 11-03 at 09:00 = 3 × 0.5 = 1.5
//	  C9 w1.0, reported 11-15 09:00, deadline 12-10 09:00, handled, open: not
//	     overdue                                       → 1.0
//	  C10 only reported (上报, not dispatched): not counted
//	  November: 1.5 + 1.0 = 2.5 → 97.5
//
//	Units, November: U3 97.5 #1, U1 93.0 #2, U2 82.5 #3.
//	Streets (mean of units): 街道A (93.0 + 82.5) / 2 = 87.75 → 87.8 (half
//	up); 街道B 97.5. October: 街道A = U1 alone = 100.0, 街道B = 98.0.
func fixture(t testing.TB) (*Input, time.Time) {
	in := &Input{
		Units: []Unit{
			{ID: "U1", Name: "城东养护公司", Street: "街道A", From: Month{2026, 1}},
			{ID: "U2", Name: "绿城物业", Street: "街道A", From: Month{2026, 11}},
			{ID: "U3", Name: "西园街道办", Street: "街道B"},
		},
		Cases: []Record{
			{ID: "C1", Unit: "U1", Street: "街道A", Category: "tree-dead", Weight: 1.0, State: "closed",
				Reported: bj(t, "2026-11-03 09:00"), Deadline: bj(t, "2026-11-05 09:00"), Closed: bj(t, "2026-11-04 15:00")},
			{ID: "C2", Unit: "U1", Street: "街道A", Category: "branch", Weight: 2.0, State: "closed", Reopens: 1,
				Reported: bj(t, "2026-11-10 08:00"), Deadline: bj(t, "2026-11-12 08:00"), Closed: bj(t, "2026-11-14 09:00")},
			{ID: "C3", Unit: "U1", Street: "街道A", Category: "litter", Weight: 0.5, State: "closed",
				Reported: utc(t, "2026-11-30T16:30:00Z"), Deadline: bj(t, "2026-12-02 00:30"), Closed: bj(t, "2026-12-01 10:00")},
			{ID: "C4", Unit: "U1", Street: "街道A", Category: "litter", Weight: 1.5, State: "closed",
				Reported: utc(t, "2026-10-31T23:00:00Z"), Deadline: bj(t, "2026-11-02 07:00"), Closed: bj(t, "2026-11-01 18:00")},
			{ID: "C5", Unit: "U2", Street: "街道A", Category: "occupied", Weight: 3.0, State: "dispatched",
				Reported: bj(t, "2026-11-20 10:00"), Deadline: bj(t, "2026-11-22 10:00")},
			{ID: "C6", Unit: "U2", Street: "街道A", Category: "branch", Weight: 2.0, State: "closed", Reopens: 3,
				Reported: bj(t, "2026-11-05 12:00"), Deadline: bj(t, "2026-11-07 12:00"), Closed: bj(t, "2026-11-25 12:00")},
			{ID: "C7", Street: "街道A", Category: "branch", Weight: 2.0, State: "rejected",
				Reported: bj(t, "2026-11-06 12:00")},
			{ID: "C8", Unit: "U3", Street: "街道B", Category: "tree-dead", Weight: 1.0, State: "closed",
				Reported: bj(t, "2026-10-28 09:00"), Deadline: bj(t, "2026-10-30 09:00"), Closed: bj(t, "2026-11-03 20:00")},
			{ID: "C9", Unit: "U3", Street: "街道B", Category: "facility", Weight: 1.0, State: "handled",
				Reported: bj(t, "2026-11-15 09:00"), Deadline: bj(t, "2026-12-10 09:00")},
			{ID: "C10", Unit: "U3", Street: "街道B", Category: "litter", Weight: 2.0, State: "reported",
				Reported: bj(t, "2026-11-16 09:00"), Deadline: bj(t, "2026-11-17 09:00")},
		},
	}
	return in, bj(t, "2026-12-03 10:00")
}

func opt(p *Points) string {
	if p == nil {
		return "-"
	}
	return p.String()
}

func unitLines(us []UnitScore) string {
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s #%d %s prev=%s Δ=%s cases=%d overdue=%d reopened=%d carried=%d deducted=%s\n",
			u.Unit, u.Rank, u.Score, opt(u.Prev), opt(u.Change), u.Cases, u.Overdue, u.Reopened, u.Carried, u.Deducted)
		for _, it := range u.Items {
			fmt.Fprintf(&b, "  %s carried=%v w=%s reopens=%d r=%s days=%d o=%s capped=%v total=%s\n",
				it.Case, it.Carried, it.Weight, it.Reopens, it.Reopen, it.OverdueDays, it.Overdue, it.Capped, it.Total)
		}
	}
	return b.String()
}

func streetLines(ss []StreetScore) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%s #%d %s prev=%s Δ=%s units=%d cases=%d\n", s.Street, s.Rank, s.Score, opt(s.Prev), opt(s.Change), s.Units, s.Cases)
	}
	return b.String()
}

func TestFixtureNovember(t *testing.T) {
	in, clock := fixture(t)
	rep, err := Default().Month(context.Background(), in, Month{2026, 11}, clock)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || rep.Month.String() != "2026-11" || rep.Rules != "default" {
		t.Errorf("report %s complete=%v rules=%s", rep.Month, rep.Complete, rep.Rules)
	}
	// Worked by hand in fixture's comment; prev and Δ from October.
	want := `U3 #1 97.5 prev=98.0 Δ=-0.5 cases=1 overdue=1 reopened=0 carried=1 deducted=2.5
  C8 carried=true w=0.0 reopens=0 r=0.0 days=3 o=1.5 capped=false total=1.5
  C9 carried=false w=1.0 reopens=0 r=0.0 days=0 o=0.0 capped=false total=1.0
U1 #2 93.0 prev=100.0 Δ=-7.0 cases=3 overdue=1 reopened=1 carried=0 deducted=7.0
  C1 carried=false w=1.0 reopens=0 r=0.0 days=0 o=0.0 capped=false total=1.0
  C2 carried=false w=2.0 reopens=1 r=1.0 days=3 o=1.5 capped=false total=4.5
  C4 carried=false w=1.5 reopens=0 r=0.0 days=0 o=0.0 capped=false total=1.5
U2 #3 82.5 prev=- Δ=- cases=2 overdue=2 reopened=1 carried=0 deducted=17.5
  C5 carried=false w=3.0 reopens=0 r=0.0 days=9 o=4.5 capped=false total=7.5
  C6 carried=false w=2.0 reopens=3 r=3.0 days=18 o=9.0 capped=true total=10.0
`
	if got := unitLines(rep.Units); got != want {
		t.Errorf("units:\n%s\nwant:\n%s", got, want)
	}
	// 街道A: (93.0+82.5)/2 = 87.75 → 87.8; October U1 alone 100.0 → Δ −12.2.
	// 街道B: U3 97.5; October 98.0 → Δ −0.5.
	wantStreets := `街道B #1 97.5 prev=98.0 Δ=-0.5 units=1 cases=1
街道A #2 87.8 prev=100.0 Δ=-12.2 units=2 cases=5
`
	if got := streetLines(rep.Streets); got != wantStreets {
		t.Errorf("streets:\n%s\nwant:\n%s", got, wantStreets)
	}
	// Names come from the unit list.
	if rep.Units[0].Name != "西园街道办" || rep.Units[0].Street != "街道B" {
		t.Errorf("U3 is %q in %q", rep.Units[0].Name, rep.Units[0].Street)
	}
}

// TestFixtureDecember is the month in progress at the clock (12-03 10:00).
//
//	U1: C3 (reported 12-01 00:30 Beijing) w0.5, closed in time → 99.5
//	U2: C5 still open, carried: days start 12-01 10:00, 12-02 10:00; the one
//	    at 12-03 10:00 is the clock itself, not before it: 2 × 0.5 = 1.0 → 99.0
//	U3: no case (C9's deadline 12-10 is still ahead) → 100.0
//	Streets: 街道A (99.5 + 99.0) / 2 = 99.25 → 99.3, 街道B 100.0.
func TestFixtureDecember(t *testing.T) {
	in, clock := fixture(t)
	rep, err := Default().Month(context.Background(), in, Month{2026, 12}, clock)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete {
		t.Error("December is complete at 12-03")
	}
	want := `U3 #1 100.0 prev=97.5 Δ=2.5 cases=0 overdue=0 reopened=0 carried=0 deducted=0.0
U1 #2 99.5 prev=93.0 Δ=6.5 cases=1 overdue=0 reopened=0 carried=0 deducted=0.5
  C3 carried=false w=0.5 reopens=0 r=0.0 days=0 o=0.0 capped=false total=0.5
U2 #3 99.0 prev=82.5 Δ=16.5 cases=0 overdue=1 reopened=0 carried=1 deducted=1.0
  C5 carried=true w=0.0 reopens=0 r=0.0 days=2 o=1.0 capped=false total=1.0
`
	if got := unitLines(rep.Units); got != want {
		t.Errorf("units:\n%s\nwant:\n%s", got, want)
	}
	wantStreets := `街道B #1 100.0 prev=97.5 Δ=2.5 units=1 cases=0
街道A #2 99.3 prev=87.8 Δ=11.5 units=2 cases=1
`
	if got := streetLines(rep.Streets); got != wantStreets {
		t.Errorf("streets:\n%s\nwant:\n%s", got, wantStreets)
	}
}

// TestFixtureYear: 2026 at the clock 12-03 counts January–November.
//
//	U1 (from January): 10 months at 100.0 and November 93.0:
//	   1093.0 / 11 = 99.36… → 99.4
//	U2 (from November): November alone → 82.5
//	U3 (always): 9 × 100.0 + October 98.0 + November 97.5 = 1095.5;
//	   / 11 = 99.59… → 99.6
//	街道A: January–October 100.0 (U1 alone), November 87.8: 1087.8 / 11 =
//	   98.89… → 98.9.  街道B: as U3 → 99.6.
func TestFixtureYear(t *testing.T) {
	in, clock := fixture(t)
	rep, err := Default().Year(context.Background(), in, 2026, clock)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Months != 11 {
		t.Errorf("months %d, want 11", rep.Months)
	}
	var b strings.Builder
	for _, u := range rep.Units {
		fmt.Fprintf(&b, "%s #%d %s n=%d oct=%s nov=%s dec=%s\n", u.Unit, u.Rank, u.Score, u.N, opt(u.Months[9]), opt(u.Months[10]), opt(u.Months[11]))
	}
	for _, s := range rep.Streets {
		fmt.Fprintf(&b, "%s #%d %s n=%d oct=%s nov=%s\n", s.Street, s.Rank, s.Score, s.N, opt(s.Months[9]), opt(s.Months[10]))
	}
	want := `U3 #1 99.6 n=11 oct=98.0 nov=97.5 dec=-
U1 #2 99.4 n=11 oct=100.0 nov=93.0 dec=-
U2 #3 82.5 n=1 oct=- nov=82.5 dec=-
街道B #1 99.6 n=11 oct=98.0 nov=97.5
街道A #2 98.9 n=11 oct=100.0 nov=87.8
`
	if got := b.String(); got != want {
		t.Errorf("year:\n%s\nwant:\n%s", got, want)
	}
}

// TestFixtureCaseWeighted: streets weighted by cases. 街道A: (93.0×3 +
// 82.5×2) / 5 = 444.0 / 5 = 88.8; 街道B: U3 alone (1 case) 97.5.
func TestFixtureCaseWeighted(t *testing.T) {
	y := strings.Replace(string(DefaultYAML()), "\nstreet_score: unit_mean\n", "\nstreet_score: case_weighted\n", 1)
	if y == string(DefaultYAML()) {
		t.Fatal("rules.yaml has no street_score line to replace")
	}
	r, err := Parse("weighted", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	in, clock := fixture(t)
	rep, err := r.Month(context.Background(), in, Month{2026, 11}, clock)
	if err != nil {
		t.Fatal(err)
	}
	got := streetLines(rep.Streets)
	want := `街道B #1 97.5 prev=98.0 Δ=-0.5 units=1 cases=1
街道A #2 88.8 prev=100.0 Δ=-11.2 units=2 cases=5
`
	if got != want {
		t.Errorf("streets:\n%s\nwant:\n%s", got, want)
	}
}
