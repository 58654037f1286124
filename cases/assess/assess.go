package assess

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Record is one case as the assessment sees it.
type Record struct {
	ID       string
	Unit     string // the responsible unit (责任单位) it was dispatched to
	Street   string // the street (街道) the case lies in
	Category string // the category's code
	Weight   float64
	Reported time.Time // 上报: the case counts in this month
	Deadline time.Time // the handling deadline
	Closed   time.Time // 结案; zero while open
	State    string    // state code; the rules say which count
	Reopens  int       // times sent back to 处置 after a failed 核查
}

// Unit is a responsible unit. A unit that exists in a month is scored in
// it even without cases; units met only in cases exist from the month of
// their first counted case, in the street of their cases.
type Unit struct {
	ID     string
	Name   string
	Street string // the street it is ranked in, wherever its cases lie
	From   Month  // first month it exists; zero: always
	Until  Month  // last month it exists; zero: still
}

// Input is what is assessed: the units and the cases. Cases may be all of
// them; for month M (and its change from M−1) only cases reported in M−1
// or M and earlier ones open at, or closed after, the start of M−1 matter,
// so a store may pass just those when every unit is listed.
type Input struct {
	Units []Unit
	Cases []Record
}

// ErrInput is wrapped by every error about the units or cases given.
var ErrInput = errors.New("bad assessment input")

// Limits on the input's text, checked before anything is kept.
const (
	maxID = 200 // bytes of an id, unit, street, category or name
)

// Item is one case's deduction from a unit in one month, with its parts,
// so that the unit can check and contest it.
type Item struct {
	Case     string
	Category string
	Street   string
	State    string
	Reported time.Time
	Deadline time.Time
	Closed   time.Time // zero while open
	// Carried: reported in an earlier month and overdue in this one; only
	// its overdue days count here.
	Carried     bool
	Weight      Points // the category's weight; 0 when carried
	Reopens     int
	Reopen      Points // Reopens × rules.reopen; 0 when carried
	OverdueDays int    // started overdue days that began in this month
	Overdue     Points // OverdueDays × rules.overdue_per_day
	Capped      bool   // Weight+Reopen+Overdue exceeded the case cap
	Total       Points // what is deducted
}

// UnitScore is a unit's month.
type UnitScore struct {
	Unit     string
	Name     string
	Street   string
	Rank     int
	Score    Points
	Deducted Points  // the items' sum; Score is Start−Deducted, at least Floor
	Prev     *Points // the previous month's score; nil if it did not exist then
	Change   *Points // Score−Prev
	Cases    int     // cases reported this month
	Overdue  int     // cases with overdue days in this month, carried ones too
	Reopened int     // cases reported this month that were ever re-opened
	Carried  int     // cases from earlier months overdue in this one
	Items    []Item  // by case id
}

// StreetScore is a street's month.
type StreetScore struct {
	Street string
	Rank   int
	Score  Points
	Units  int // units scored
	Cases  int // their cases reported this month
	Prev   *Points
	Change *Points
}

// MonthReport is a month's assessment.
type MonthReport struct {
	Rules    string
	Month    Month
	Clock    time.Time
	Complete bool // the month had ended by the clock
	Units    []UnitScore
	Streets  []StreetScore
}

// Month assesses month m with what is known at the clock: cases reported
// before it, overdue days counted up to it.
func (r *Rules) Month(ctx context.Context, in *Input, m Month, clock time.Time) (*MonthReport, error) {
	if !m.valid() {
		return nil, fmt.Errorf("%w: month %s: want a year 1991–2200", ErrInput, m)
	}
	if !m.Start().Before(clock) {
		return nil, fmt.Errorf("%w: month %s has not begun at the clock %s", ErrInput, m, clock.In(Zone).Format(time.RFC3339))
	}
	b, err := r.prepare(ctx, in, clock)
	if err != nil {
		return nil, err
	}
	k := m.index()
	accs, err := b.accumulate(ctx, in, k-1, k, true)
	if err != nil {
		return nil, err
	}
	rep := &MonthReport{Rules: r.Name, Month: m, Clock: clock, Complete: !clock.Before(m.End())}
	cur, prev := b.unitScores(k, accs[1]), b.unitScores(k-1, accs[0])
	prevScore := map[string]Points{}
	for _, u := range prev {
		prevScore[u.Unit] = u.Score
	}
	for i := range cur {
		u := &cur[i]
		if p, ok := prevScore[u.Unit]; ok {
			u.Prev, u.Change = ptr(p), ptr(u.Score-p)
		}
	}
	if err := uniqueAcross(cur); err != nil {
		return nil, err
	}
	rankUnits(cur)
	rep.Units = cur
	streets, prevStreets := r.streetScores(cur), r.streetScores(prev)
	prevStreet := map[string]Points{}
	for _, s := range prevStreets {
		prevStreet[s.Street] = s.Score
	}
	for i := range streets {
		s := &streets[i]
		if p, ok := prevStreet[s.Street]; ok {
			s.Prev, s.Change = ptr(p), ptr(s.Score-p)
		}
	}
	rep.Streets = streets
	return rep, nil
}

func ptr(p Points) *Points { return &p }

// YearUnit is a unit's year.
type YearUnit struct {
	Unit   string
	Name   string
	Street string
	Rank   int
	Score  Points      // the mean of its months
	N      int         // months counted
	Months [12]*Points // by month; nil: not counted (not ended or not existing)
}

// YearStreet is a street's year.
type YearStreet struct {
	Street string
	Rank   int
	Score  Points
	N      int
	Months [12]*Points
}

// YearReport is the year's assessment (年终考核): months that ended by the
// clock.
type YearReport struct {
	Rules   string
	Year    int
	Clock   time.Time
	Months  int // months ended by the clock
	Units   []YearUnit
	Streets []YearStreet
}

// Year assesses year y's months that have ended by the clock; each unit's
// year is the mean of the months in which it existed.
func (r *Rules) Year(ctx context.Context, in *Input, y int, clock time.Time) (*YearReport, error) {
	first := Month{y, time.January}
	if !first.valid() {
		return nil, fmt.Errorf("%w: year %d: want 1991–2200", ErrInput, y)
	}
	b, err := r.prepare(ctx, in, clock)
	if err != nil {
		return nil, err
	}
	rep := &YearReport{Rules: r.Name, Year: y, Clock: clock}
	lo := first.index()
	hi := min(lo+11, MonthOf(clock).index()-1)
	if hi < lo {
		return rep, nil
	}
	rep.Months = hi - lo + 1
	accs, err := b.accumulate(ctx, in, lo, hi, false)
	if err != nil {
		return nil, err
	}
	units := map[string]*YearUnit{}
	streets := map[string]*YearStreet{}
	for k := lo; k <= hi; k++ {
		scores := b.unitScores(k, accs[k-lo])
		for _, s := range scores {
			yu := units[s.Unit]
			if yu == nil {
				yu = &YearUnit{Unit: s.Unit, Name: s.Name, Street: s.Street}
				units[s.Unit] = yu
			}
			yu.Months[k-lo] = ptr(s.Score)
		}
		for _, s := range r.streetScores(scores) {
			ys := streets[s.Street]
			if ys == nil {
				ys = &YearStreet{Street: s.Street}
				streets[s.Street] = ys
			}
			ys.Months[k-lo] = ptr(s.Score)
		}
	}
	mean := func(months *[12]*Points) (Points, int) {
		var sum Points
		n := 0
		for _, p := range months {
			if p != nil {
				sum += *p
				n++
			}
		}
		return meanPoints(sum, int64(n)), n
	}
	for _, u := range units {
		u.Score, u.N = mean(&u.Months)
		rep.Units = append(rep.Units, *u)
	}
	for _, s := range streets {
		s.Score, s.N = mean(&s.Months)
		rep.Streets = append(rep.Streets, *s)
	}
	rank(rep.Units, func(u *YearUnit) (Points, string) { return u.Score, u.Unit }, func(u *YearUnit, r int) { u.Rank = r })
	rank(rep.Streets, func(s *YearStreet) (Points, string) { return s.Score, s.Street }, func(s *YearStreet, r int) { s.Rank = r })
	return rep, nil
}

// book is the validated input's units at a clock.
type book struct {
	rules *Rules
	clock time.Time
	units map[string]*unitInfo
}

type unitInfo struct {
	id, name, street string
	from, until      int // month indexes, inclusive
	registered       bool
}

const (
	always = math.MinInt32
	still  = math.MaxInt32
)

var (
	minTime = time.Date(1991, 1, 1, 0, 0, 0, 0, Zone)
	maxTime = time.Date(2201, 1, 1, 0, 0, 0, 0, Zone)
)

// prepare checks the units and every case, and finds the units met only in
// cases.
func (r *Rules) prepare(ctx context.Context, in *Input, clock time.Time) (*book, error) {
	if clock.Before(minTime) || !clock.Before(maxTime) {
		return nil, fmt.Errorf("%w: clock %s: want a time in 1991–2200", ErrInput, clock.Format(time.RFC3339))
	}
	b := &book{rules: r, clock: clock, units: make(map[string]*unitInfo, len(in.Units))}
	for i, u := range in.Units {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%w: unit %d (%q): %s", ErrInput, i+1, u.ID, fmt.Sprintf(format, a...))
		}
		if u.ID == "" || len(u.ID) > maxID {
			return nil, bad("id: want 1–%d bytes", maxID)
		}
		if u.Street == "" || len(u.Street) > maxID {
			return nil, bad("street: want 1–%d bytes", maxID)
		}
		if len(u.Name) > maxID {
			return nil, bad("name: want at most %d bytes", maxID)
		}
		if _, dup := b.units[u.ID]; dup {
			return nil, bad("id is listed twice")
		}
		info := &unitInfo{id: u.ID, name: u.Name, street: u.Street, from: always, until: still, registered: true}
		if !u.From.IsZero() {
			if !u.From.valid() {
				return nil, bad("from %s: want a month in 1991–2200", u.From)
			}
			info.from = u.From.index()
		}
		if !u.Until.IsZero() {
			if !u.Until.valid() {
				return nil, bad("until %s: want a month in 1991–2200", u.Until)
			}
			info.until = u.Until.index()
		}
		if info.until < info.from {
			return nil, bad("until %s is before from %s", u.Until, u.From)
		}
		b.units[u.ID] = info
	}
	for i := range in.Cases {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := &in.Cases[i]
		counted, err := r.check(i, c)
		if err != nil {
			return nil, err
		}
		if !counted || !c.Reported.Before(clock) {
			continue
		}
		k := MonthOf(c.Reported).index()
		info := b.units[c.Unit]
		if info == nil {
			if c.Street == "" {
				return nil, fmt.Errorf("%w: case %q: street is empty and unit %q is not listed", ErrInput, c.ID, c.Unit)
			}
			info = &unitInfo{id: c.Unit, street: c.Street, from: k, until: still}
			b.units[c.Unit] = info
		}
		if info.registered {
			continue
		}
		if c.Street != info.street {
			return nil, fmt.Errorf("%w: case %q: unit %q has cases in streets %q and %q; list the unit with its street", ErrInput, c.ID, c.Unit, info.street, c.Street)
		}
		info.from = min(info.from, k)
	}
	return b, nil
}

// check validates case i, reporting whether its state counts.
func (r *Rules) check(i int, c *Record) (bool, error) {
	if c.ID == "" || len(c.ID) > maxID {
		return false, fmt.Errorf("%w: case %d: id: want 1–%d bytes", ErrInput, i+1, maxID)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: case %q: %s", ErrInput, c.ID, fmt.Sprintf(format, a...))
	}
	counted, known := r.states[c.State]
	if !known {
		return false, bad("state %q: not in the rules' counted_states or ignored_states", c.State)
	}
	if !counted {
		return false, nil
	}
	if c.Unit == "" || len(c.Unit) > maxID {
		return false, bad("unit: want 1–%d bytes in state %s", maxID, c.State)
	}
	if len(c.Street) > maxID || len(c.Category) > maxID {
		return false, bad("street or category: want at most %d bytes", maxID)
	}
	if w, ok := toPoints(c.Weight); !ok || w < 0 || w > r.MaxWeight {
		return false, bad("weight %g: want 0–%s with at most one decimal", c.Weight, r.MaxWeight)
	}
	if c.Reopens < 0 || c.Reopens > r.MaxReopens {
		return false, bad("reopens %d: want 0–%d", c.Reopens, r.MaxReopens)
	}
	if c.Reported.Before(minTime) || !c.Reported.Before(maxTime) {
		return false, bad("reported %s: want a time in 1991–2200", c.Reported.Format(time.RFC3339))
	}
	if c.Deadline.Before(c.Reported) || !c.Deadline.Before(maxTime) {
		return false, bad("deadline %s: want a time after reported and before 2201", c.Deadline.Format(time.RFC3339))
	}
	if !c.Closed.IsZero() && (c.Closed.Before(c.Reported) || !c.Closed.Before(maxTime)) {
		return false, bad("closed %s: want a time after reported and before 2201", c.Closed.Format(time.RFC3339))
	}
	return true, nil
}

// acc is a unit's month while it is being added up.
type acc struct {
	deducted                          Points
	cases, overdue, reopened, carried int
	items                             []Item
}

// accumulate adds up every counted case's deductions in months lo–hi
// (indexes), by month and unit.
func (b *book) accumulate(ctx context.Context, in *Input, lo, hi int, items bool) ([]map[string]*acc, error) {
	r := b.rules
	accs := make([]map[string]*acc, hi-lo+1)
	bounds := make([]int64, hi-lo+2) // month starts in ns, then the last end
	for k := lo; k <= hi+1; k++ {
		bounds[k-lo] = monthAt(k).Start().UnixNano()
	}
	for i := range accs {
		accs[i] = map[string]*acc{}
	}
	clock := b.clock.UnixNano()
	const day = int64(24 * time.Hour)
	for i := range in.Cases {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := &in.Cases[i]
		if !r.states[c.State] { // checked by prepare
			continue
		}
		reported := c.Reported.UnixNano()
		if reported >= clock || reported >= bounds[len(bounds)-1] {
			continue
		}
		stop := clock
		if !c.Closed.IsZero() {
			stop = min(stop, c.Closed.UnixNano())
		}
		deadline := c.Deadline.UnixNano()
		rm := MonthOf(c.Reported).index()
		last := rm
		if stop > deadline {
			last = max(rm, MonthOf(time.Unix(0, stop-1)).index())
		}
		for k := max(lo, rm); k <= min(hi, last); k++ {
			days := 0
			if stop > deadline {
				a, z := max(bounds[k-lo], deadline), min(bounds[k-lo+1], stop)
				if z > a {
					days = int(ceilDiv(z-deadline, day) - ceilDiv(a-deadline, day))
				}
			}
			if k != rm && days == 0 {
				continue
			}
			it := Item{Carried: k != rm, OverdueDays: days, Overdue: Points(days) * r.OverduePerDay}
			if !it.Carried {
				it.Weight, _ = toPoints(c.Weight)
				it.Reopens = c.Reopens
				it.Reopen = Points(c.Reopens) * r.Reopen
			}
			it.Total = it.Weight + it.Reopen + it.Overdue
			if it.Total > r.CaseCap {
				it.Total, it.Capped = r.CaseCap, true
			}
			a := accs[k-lo][c.Unit]
			if a == nil {
				a = &acc{}
				accs[k-lo][c.Unit] = a
			}
			a.deducted += it.Total
			if it.Carried {
				a.carried++
			} else {
				a.cases++
				if c.Reopens > 0 {
					a.reopened++
				}
			}
			if days > 0 {
				a.overdue++
			}
			if items {
				it.Case, it.Category, it.Street, it.State = c.ID, c.Category, c.Street, c.State
				it.Reported, it.Deadline, it.Closed = c.Reported, c.Deadline, c.Closed
				a.items = append(a.items, it)
			}
		}
	}
	return accs, nil
}

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// unitScores scores every unit that exists in month k or has cases in it,
// unranked, ordered by unit id.
func (b *book) unitScores(k int, accs map[string]*acc) []UnitScore {
	r := b.rules
	var out []UnitScore
	for id, u := range b.units {
		a := accs[id]
		if a == nil && (k < u.from || k > u.until) {
			continue
		}
		s := UnitScore{Unit: id, Name: u.name, Street: u.street, Score: r.Start}
		if a != nil {
			s.Deducted = a.deducted
			s.Score = max(r.Floor, r.Start-a.deducted)
			s.Cases, s.Overdue, s.Reopened, s.Carried = a.cases, a.overdue, a.reopened, a.carried
			s.Items = a.items
			slices.SortFunc(s.Items, func(x, y Item) int { return cmp.Compare(x.Case, y.Case) })
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y UnitScore) int { return cmp.Compare(x.Unit, y.Unit) })
	return out
}

// streetScores scores the streets of units, ranked.
func (r *Rules) streetScores(units []UnitScore) []StreetScore {
	type sum struct {
		scores, weighted Points
		n, cases         int
	}
	sums := map[string]*sum{}
	for _, u := range units {
		s := sums[u.Street]
		if s == nil {
			s = &sum{}
			sums[u.Street] = s
		}
		s.scores += u.Score
		s.weighted += u.Score * Points(u.Cases)
		s.n++
		s.cases += u.Cases
	}
	out := make([]StreetScore, 0, len(sums))
	for name, s := range sums {
		st := StreetScore{Street: name, Units: s.n, Cases: s.cases, Score: meanPoints(s.scores, int64(s.n))}
		if r.StreetScore == CaseWeighted && s.cases > 0 {
			st.Score = meanPoints(s.weighted, int64(s.cases))
		}
		out = append(out, st)
	}
	rank(out, func(s *StreetScore) (Points, string) { return s.Score, s.Street }, func(s *StreetScore, r int) { s.Rank = r })
	return out
}

func rankUnits(units []UnitScore) {
	rank(units, func(u *UnitScore) (Points, string) { return u.Score, u.Unit }, func(u *UnitScore, r int) { u.Rank = r })
}

// rank orders xs by score, highest first (then by key), and ranks them:
// equal scores share a rank and the next rank skips (1, 1, 3).
func rank[T any](xs []T, key func(*T) (Points, string), set func(*T, int)) {
	slices.SortFunc(xs, func(a, b T) int {
		sa, ka := key(&a)
		sb, kb := key(&b)
		if c := cmp.Compare(sb, sa); c != 0 {
			return c
		}
		return cmp.Compare(ka, kb)
	})
	r := 0
	for i := range xs {
		s, _ := key(&xs[i])
		if i == 0 {
			r = 1
		} else if p, _ := key(&xs[i-1]); p != s {
			r = i + 1
		}
		set(&xs[i], r)
	}
}

// uniqueAcross checks that no case is itemised for two units.
func uniqueAcross(units []UnitScore) error {
	n := 0
	for _, u := range units {
		n += len(u.Items)
	}
	ids := make([]string, 0, n)
	for _, u := range units {
		for _, it := range u.Items {
			ids = append(ids, it.Case)
		}
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fmt.Errorf("%w: case %q is given twice", ErrInput, ids[i])
		}
	}
	return nil
}
