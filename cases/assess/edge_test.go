package assess

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func month(t *testing.T, r *Rules, in *Input, m Month, clock time.Time) *MonthReport {
	t.Helper()
	rep, err := r.Month(context.Background(), in, m, clock)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func score(t *testing.T, rep *MonthReport, unit string) UnitScore {
	t.Helper()
	for _, u := range rep.Units {
		if u.Unit == unit {
			return u
		}
	}
	t.Fatalf("%s: no unit %s", rep.Month, unit)
	return UnitScore{}
}

func TestNoCases(t *testing.T) {
	in := &Input{Units: []Unit{{ID: "U1", Street: "S"}, {ID: "U2", Street: "S", From: Month{2027, 1}}}}
	rep := month(t, Default(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00"))
	if len(rep.Units) != 1 {
		t.Fatalf("units %+v: U2 does not exist yet", rep.Units)
	}
	u := rep.Units[0]
	if u.Score != 1000 || u.Rank != 1 || u.Deducted != 0 || u.Cases != 0 || u.Items != nil {
		t.Errorf("no cases: %+v, want 100.0 ranked 1", u)
	}
	if len(rep.Streets) != 1 || rep.Streets[0].Score != 1000 {
		t.Errorf("streets %+v", rep.Streets)
	}
	// No units and no cases: an empty month, not an error.
	rep = month(t, Default(), &Input{}, Month{2026, 11}, bj(t, "2026-12-01 00:00"))
	if len(rep.Units) != 0 || len(rep.Streets) != 0 {
		t.Errorf("empty input: %+v", rep)
	}
}

// TestFloor: 12 cases of weight 10 deduct 120 points; the score stops at 0.
func TestFloor(t *testing.T) {
	in := &Input{}
	for i := range 12 {
		r := bj(t, "2026-11-02 08:00").Add(time.Duration(i) * time.Hour)
		in.Cases = append(in.Cases, Record{ID: fmt.Sprint("C", i), Unit: "U", Street: "S", Weight: 10, State: "closed",
			Reported: r, Deadline: r.Add(48 * time.Hour), Closed: r.Add(time.Hour)})
	}
	u := score(t, month(t, Default(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00")), "U")
	if u.Score != 0 || u.Deducted != 1200 || u.Cases != 12 {
		t.Errorf("score %s deducted %s cases %d, want 0.0, 120.0, 12", u.Score, u.Deducted, u.Cases)
	}
}

// TestMonthBoundaryBeijing: months begin at midnight in Beijing, 16:00 UTC
// the day before.
func TestMonthBoundaryBeijing(t *testing.T) {
	rec := func(id, reported string) Record {
		r := utc(t, reported)
		return Record{ID: id, Unit: "U", Street: "S", Weight: 1, State: "closed", Reported: r, Deadline: r.Add(time.Hour), Closed: r}
	}
	in := &Input{Cases: []Record{
		rec("oct", "2026-10-31T15:59:59.999999999Z"), // 10-31 23:59:59.999… Beijing
		rec("nov", "2026-10-31T16:00:00Z"),           // 11-01 00:00 Beijing
		rec("nov-last", "2026-11-30T15:59:59Z"),      // 11-30 23:59:59 Beijing
		rec("dec", "2026-11-30T16:00:00Z"),           // 12-01 00:00 Beijing
	}}
	clock := utc(t, "2027-01-01T00:00:00Z")
	for m, want := range map[Month]string{{2026, 10}: "oct", {2026, 11}: "nov nov-last", {2026, 12}: "dec"} {
		var got []string
		for _, it := range score(t, month(t, Default(), in, m, clock), "U").Items {
			got = append(got, it.Case)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: cases %v, want %s", m, got, want)
		}
	}
	if s := (Month{2026, 11}).Start(); !s.Equal(utc(t, "2026-10-31T16:00:00Z")) {
		t.Errorf("November starts %s", s)
	}
	// Overdue days also split at Beijing midnight: a deadline of 11-30
	// 23:00 Beijing, open until 12-02 00:00 Beijing: one day starting in
	// November (11-30 23:00), one in December (12-01 23:00).
	r := bj(t, "2026-11-30 08:00")
	in = &Input{Cases: []Record{{ID: "c", Unit: "U", Street: "S", Weight: 1, State: "closed",
		Reported: r, Deadline: bj(t, "2026-11-30 23:00"), Closed: bj(t, "2026-12-02 00:00")}}}
	nov := score(t, month(t, Default(), in, Month{2026, 11}, clock), "U")
	dec := score(t, month(t, Default(), in, Month{2026, 12}, clock), "U")
	if nov.Items[0].OverdueDays != 1 || dec.Items[0].OverdueDays != 1 || !dec.Items[0].Carried {
		t.Errorf("overdue days: November %+v, December %+v; want 1 and 1 carried", nov.Items, dec.Items)
	}
}

// TestStartedDays: a day overdue begins at the deadline and every 24 h
// after; closing at an instant does not start the day that begins then.
func TestStartedDays(t *testing.T) {
	d := bj(t, "2026-11-10 12:00")
	for _, c := range []struct {
		closed time.Duration
		days   int
	}{
		{-time.Hour, 0}, {0, 0}, {time.Nanosecond, 1}, {24 * time.Hour, 1},
		{24*time.Hour + time.Nanosecond, 2}, {72 * time.Hour, 3}, {72*time.Hour + time.Minute, 4},
	} {
		in := &Input{Cases: []Record{{ID: "c", Unit: "U", Street: "S", Weight: 1, State: "closed",
			Reported: d.Add(-48 * time.Hour), Deadline: d, Closed: d.Add(c.closed)}}}
		u := score(t, month(t, Default(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00")), "U")
		if u.Items[0].OverdueDays != c.days || u.Items[0].Overdue != Points(c.days)*5 {
			t.Errorf("closed deadline%+v: %d days, %s; want %d", c.closed, u.Items[0].OverdueDays, u.Items[0].Overdue, c.days)
		}
	}
}

// TestClock: what happens after the clock is not known yet.
func TestClock(t *testing.T) {
	clock := bj(t, "2026-11-20 12:00")
	in := &Input{Cases: []Record{
		// Reported after the clock: not counted.
		{ID: "later", Unit: "U", Street: "S", Weight: 5, State: "dispatched",
			Reported: bj(t, "2026-11-21 08:00"), Deadline: bj(t, "2026-11-22 08:00")},
		// Closed after the clock: open at the clock, overdue since 11-18
		// 12:00: days 11-18, 11-19 (11-20 12:00 is the clock) = 2;
		// 1.0 + 2 × 0.5 = 2.0 → 98.0.
		{ID: "open", Unit: "U", Street: "S", Weight: 1, State: "closed",
			Reported: bj(t, "2026-11-16 12:00"), Deadline: bj(t, "2026-11-18 12:00"), Closed: bj(t, "2026-11-25 12:00")},
	}}
	u := score(t, month(t, Default(), in, Month{2026, 11}, clock), "U")
	if len(u.Items) != 1 || u.Items[0].Case != "open" || u.Items[0].OverdueDays != 2 || u.Score != 980 {
		t.Errorf("at the clock: %+v, want only open with 2 days, 98.0", u)
	}
	if _, err := Default().Month(context.Background(), in, Month{2026, 12}, clock); !errors.Is(err, ErrInput) {
		t.Errorf("month after the clock: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Default().Month(ctx, in, Month{2026, 11}, clock); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestCapEveryMonth: a case open for months deducts up to the cap in each.
func TestCapEveryMonth(t *testing.T) {
	in := &Input{Cases: []Record{{ID: "c", Unit: "U", Street: "S", Weight: 2, State: "dispatched",
		Reported: bj(t, "2026-09-01 08:00"), Deadline: bj(t, "2026-09-03 08:00")}}}
	clock := bj(t, "2027-01-15 00:00")
	// September: 2.0 + 28 days (09-03 … 09-30) × 0.5 = 16.0 → 10.0 capped.
	// October: 31 days → 15.5 → 10.0. January 2027 to 01-15 00:00: days
	// starting 01-01 … 01-14 at 08:00 = 14 → 7.0.
	for m, want := range map[Month]Points{{2026, 9}: 900, {2026, 10}: 900, {2027, 1}: 930} {
		if u := score(t, month(t, Default(), in, m, clock), "U"); u.Score != want {
			t.Errorf("%s: %s, want %s", m, u.Score, want)
		}
	}
}

func TestTies(t *testing.T) {
	r := bj(t, "2026-11-02 08:00")
	c := func(id, unit, street string, w float64) Record {
		return Record{ID: id, Unit: unit, Street: street, Weight: w, State: "closed", Reported: r, Deadline: r.Add(time.Hour), Closed: r}
	}
	in := &Input{
		Units: []Unit{{ID: "A", Street: "S1"}, {ID: "B", Street: "S1"}, {ID: "C", Street: "S2"}, {ID: "D", Street: "S3"}, {ID: "E", Street: "S3"}},
		Cases: []Record{c("1", "A", "S1", 1), c("2", "B", "S1", 1), c("3", "C", "S2", 2), c("4", "D", "S3", 1), c("5", "E", "S3", 3)},
	}
	rep := month(t, Default(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00"))
	// A 99.0, B 99.0, C 98.0, D 99.0, E 97.0 → A, B, D share 1; C 4; E 5.
	// Streets: S1 99.0, S2 98.0, S3 (99.0 + 97.0) / 2 = 98.0 → 1, 2, 2.
	var got []string
	for _, u := range rep.Units {
		got = append(got, fmt.Sprint(u.Unit, u.Rank))
	}
	for _, s := range rep.Streets {
		got = append(got, fmt.Sprint(s.Street, s.Rank))
	}
	if want := "A1 B1 D1 C4 E5 S11 S22 S32"; strings.Join(got, " ") != want {
		t.Errorf("ranks %v, want %s", got, want)
	}
}

// TestUnlistedUnits: a unit met only in cases exists from its first case.
func TestUnlistedUnits(t *testing.T) {
	r := bj(t, "2026-10-05 08:00")
	in := &Input{Cases: []Record{{ID: "c", Unit: "N", Street: "S", Weight: 1, State: "closed", Reported: r, Deadline: r, Closed: r}}}
	clock := bj(t, "2026-12-01 00:00")
	if rep := month(t, Default(), in, Month{2026, 9}, clock); len(rep.Units) != 0 {
		t.Errorf("September: %+v, before N's first case", rep.Units)
	}
	if u := score(t, month(t, Default(), in, Month{2026, 11}, clock), "N"); u.Score != 1000 || u.Prev == nil || *u.Prev != 990 {
		t.Errorf("November: %+v, want 100.0 after 99.0", u)
	}
	in.Cases = append(in.Cases, Record{ID: "d", Unit: "N", Street: "T", Weight: 1, State: "closed", Reported: r, Deadline: r, Closed: r})
	if _, err := Default().Month(context.Background(), in, Month{2026, 11}, clock); err == nil || !strings.Contains(err.Error(), `"S" and "T"`) {
		t.Errorf("unit in two streets: %v", err)
	}
	// Listed, its street is the list's, whatever the cases say.
	in.Units = []Unit{{ID: "N", Street: "L"}}
	if u := score(t, month(t, Default(), in, Month{2026, 10}, clock), "N"); u.Street != "L" || u.Score != 980 {
		t.Errorf("listed: %+v", u)
	}
}

// TestBadInput: every bad case or unit is refused, naming it and the field.
func TestBadInput(t *testing.T) {
	r := bj(t, "2026-11-05 08:00")
	good := Record{ID: "C1", Unit: "U", Street: "S", Category: "x", Weight: 1, State: "closed", Reported: r, Deadline: r.Add(time.Hour), Closed: r.Add(time.Hour)}
	for _, c := range []struct {
		name string
		edit func(*Input)
		want string
	}{
		{"negative weight", func(in *Input) { in.Cases[0].Weight = -1 }, `case "C1": weight -1`},
		{"two decimals", func(in *Input) { in.Cases[0].Weight = 0.25 }, `case "C1": weight 0.25`},
		{"huge weight", func(in *Input) { in.Cases[0].Weight = 21 }, `weight 21: want 0–20.0`},
		{"NaN weight", func(in *Input) { in.Cases[0].Weight = math.NaN() }, `weight NaN`},
		{"negative reopens", func(in *Input) { in.Cases[0].Reopens = -1 }, `case "C1": reopens -1`},
		{"many reopens", func(in *Input) { in.Cases[0].Reopens = 101 }, `reopens 101: want 0–100`},
		{"unknown state", func(in *Input) { in.Cases[0].State = "lost" }, `case "C1": state "lost"`},
		{"ignored state checked too", func(in *Input) { in.Cases[0].State = "Closed" }, `state "Closed"`},
		{"no id", func(in *Input) { in.Cases[0].ID = "" }, `case 1: id`},
		{"long id", func(in *Input) { in.Cases[0].ID = strings.Repeat("x", 201) }, `case 1: id`},
		{"no unit", func(in *Input) { in.Cases[0].Unit = "" }, `case "C1": unit`},
		{"deadline before reported", func(in *Input) { in.Cases[0].Deadline = r.Add(-time.Second) }, `case "C1": deadline`},
		{"no deadline", func(in *Input) { in.Cases[0].Deadline = time.Time{} }, `case "C1": deadline`},
		{"closed before reported", func(in *Input) { in.Cases[0].Closed = r.Add(-time.Second) }, `case "C1": closed`},
		{"no reported", func(in *Input) { in.Cases[0].Reported = time.Time{} }, `case "C1": reported`},
		{"year 3000", func(in *Input) { in.Cases[0].Deadline = r.AddDate(1000, 0, 0) }, `case "C1": deadline`},
		{"duplicate case", func(in *Input) { in.Cases = append(in.Cases, in.Cases[0]) }, `case "C1" is given twice`},
		{"duplicate across units", func(in *Input) {
			d := in.Cases[0]
			d.Unit = "V"
			in.Cases = append(in.Cases, d)
		}, `case "C1" is given twice`},
		{"unit without street", func(in *Input) { in.Units = []Unit{{ID: "U"}} }, `unit 1 ("U"): street`},
		{"unit listed twice", func(in *Input) { in.Units = []Unit{{ID: "U", Street: "S"}, {ID: "U", Street: "S"}} }, `unit 2 ("U"): id is listed twice`},
		{"unit until before from", func(in *Input) {
			in.Units = []Unit{{ID: "U", Street: "S", From: Month{2026, 5}, Until: Month{2026, 4}}}
		}, `unit 1 ("U"): until 2026-04 is before from 2026-05`},
		{"unit bad month", func(in *Input) { in.Units = []Unit{{ID: "U", Street: "S", From: Month{2026, 13}}} }, `unit 1 ("U"): from`},
	} {
		in := &Input{Cases: []Record{good}}
		c.edit(in)
		_, err := Default().Month(context.Background(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00"))
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Default().Month(context.Background(), &Input{}, Month{2026, 11}, time.Time{}); !errors.Is(err, ErrInput) {
		t.Errorf("zero clock: %v", err)
	}
}

// TestRulesDefault: the shipped rules load, as documented in rules.yaml.
func TestRulesDefault(t *testing.T) {
	r := Default()
	if r.Start != 1000 || r.Floor != 0 || r.OverduePerDay != 5 || r.Reopen != 10 || r.CaseCap != 100 || r.StreetScore != UnitMean {
		t.Errorf("default rules %+v", r)
	}
	counted, ignored := r.States()
	if strings.Join(counted, ",") != "closed,dispatched,handled,verified" || strings.Join(ignored, ",") != "registered,rejected,reported" {
		t.Errorf("states %v / %v", counted, ignored)
	}
}

// TestRulesHostile: rules files that are wrong are refused with the field.
func TestRulesHostile(t *testing.T) {
	base := `start: 100
floor: 0
overdue_per_day: 0.5
reopen: 1
case_cap: 10
street_score: unit_mean
counted_states: [dispatched, closed]
ignored_states: [rejected]
max_weight: 20
max_reopens: 100
`
	if _, err := Parse("base", []byte(base)); err != nil {
		t.Fatalf("base rules: %v", err)
	}
	set := func(field, value string) string {
		var out []string
		for _, l := range strings.Split(base, "\n") {
			if strings.HasPrefix(l, field+":") {
				if value == "" {
					continue
				}
				l = field + ": " + value
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"negative overdue", set("overdue_per_day", "-0.5"), "overdue_per_day -0.5"},
		{"negative reopen", set("reopen", "-1"), "reopen -1"},
		{"negative floor", set("floor", "-10"), "floor -10"},
		{"negative max weight", set("max_weight", "-1"), "max_weight -1"},
		{"negative max reopens", set("max_reopens", "-1"), "max_reopens -1"},
		{"zero start", set("start", "0"), "start 0"},
		{"floor at start", set("floor", "100"), "floor 100.0: want below start"},
		{"zero cap", set("case_cap", "0"), "case_cap 0"},
		{"two decimals", set("reopen", "0.25"), "reopen 0.25: want 0–100 with at most one decimal"},
		{"nan", set("reopen", ".nan"), "reopen NaN"},
		{"infinite", set("case_cap", ".inf"), "case_cap +Inf"},
		{"text for a number", set("start", "hundred"), "start (line 1): "},
		{"missing start", set("start", ""), "start is required"},
		{"missing floor", set("floor", ""), "floor is required"},
		{"missing max reopens", set("max_reopens", ""), "max_reopens is required"},
		{"unknown field", base + "bonus: 5\n", `unknown field "bonus"`},
		{"misspelt field", strings.Replace(base, "reopen:", "re_open:", 1), `unknown field "re_open"`},
		{"street score", set("street_score", "median"), `street_score "median"`},
		{"missing street score", set("street_score", ""), "street_score is required"},
		{"no counted states", set("counted_states", "[]"), "counted_states: want at least one"},
		{"state in both", set("ignored_states", "[closed]"), `ignored_states: state "closed" is listed twice`},
		{"state spelling", set("counted_states", "[Closed]"), `counted_states: state "Closed"`},
		{"two documents", base + "---\nstart: 1\n", "more than one YAML document"},
		{"empty", "", "empty"},
		{"not a mapping", "- 1\n- 2\n", "want a mapping"},
		{"duplicate field", base + "reopen: 0\n", "already defined"},
		{"list for a number", set("case_cap", "[1, 2]"), "case_cap (line 5)"},
		{"alias bomb", set("ignored_states", "") + "ignored_states:\n" + laughs(), "ignored_states (line 10)"},
		{"too large", base + "# " + strings.Repeat("x", MaxRulesSize) + "\n", "larger than 65536 bytes"},
	} {
		_, err := Parse("hostile.yaml", []byte(c.yaml))
		if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "hostile.yaml") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// laughs is a billion-laughs YAML list: nine levels of nine aliases.
func laughs() string {
	var b strings.Builder
	b.WriteString("  - &l0 [a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "  - &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}
