package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// place is where cases of one group are reported: a green space's or a
// waste point's point inside, with its zone and unit.
type place struct {
	pt         orb.Point
	name       string
	zone, unit string
}

// share is how often a category is reported, relative to the others:
// sanitation's daily problems (exposed garbage, full bins) far more often
// than a dead tree.
var share = map[string]float64{
	"tree_dead_missing": 2, "broken_branch": 3, "pests_disease": 2, "green_dirty": 8, "green_occupied": 3, "facility_damaged": 4,
	"exposed_garbage": 20, "overflowing_bin": 16, "neglected_corner": 10, "dirty_toilet": 6, "collection_point_damaged": 3,
	"late_collection": 8, "construction_dumping": 5,
}

// gen generates a year of cases in report order, a day at a time, so
// that only one day's cases are held at once. The same seed, places,
// catalog, end and count give the same cases with the same ids.
type gen struct {
	r             *rand.Rand
	cat           *cases.Catalog
	green, waste  []place
	codes         []string
	cum           []float64
	start, end    time.Time
	days, n, done int
	day           int
	nextID        int64
	pending       []store.NewCase
}

func newGen(seed int64, cat *cases.Catalog, green, waste []place, end time.Time, days, n int) *gen {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x6361736573)), cat: cat, green: green, waste: waste,
		end: end, start: end.AddDate(0, 0, -days), days: days, n: n, nextID: 1}
	total := 0.0
	for _, c := range cat.Categories {
		w := share[c.Code]
		if w == 0 {
			w = 1
		}
		total += w
		g.codes = append(g.codes, c.Code)
		g.cum = append(g.cum, total)
	}
	for i := range g.cum {
		g.cum[i] /= total
	}
	return g
}

// next returns up to max further cases (ids ascending), or none when all
// n are made.
func (g *gen) next(max int) []store.NewCase {
	for len(g.pending) < max && g.day < g.days {
		g.pending = append(g.pending, g.oneDay()...)
	}
	k := min(max, len(g.pending))
	out := slices.Clone(g.pending[:k])
	g.pending = slices.Delete(g.pending, 0, k)
	return out
}

// oneDay makes the day's cases, reported 07:00–19:00 Beijing time.
func (g *gen) oneDay() []store.NewCase {
	d := g.day
	g.day++
	count := g.n*(d+1)/g.days - g.n*d/g.days
	day := g.start.Add(time.Duration(d) * 24 * time.Hour).Truncate(24 * time.Hour) // 00:00 UTC = 08:00 Beijing
	times := make([]time.Time, count)
	for i := range times {
		times[i] = day.Add(-time.Hour + time.Duration(g.r.Int64N(int64(12*time.Hour)))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	out := make([]store.NewCase, 0, count)
	for _, at := range times {
		// The first and last days' edges are held inside the year, so
		// that the year has every case asked for.
		if at.Before(g.start) {
			at = g.start
		} else if !at.Before(g.end) {
			at = g.end.Add(-time.Millisecond)
		}
		out = append(out, g.one(at))
	}
	return out
}

// one is a case reported at at, in the state it has reached at g.end: most
// closed within their deadline, some late, some re-opened, a few stuck
// open for weeks, some rejected or merged, the recent ones still open.
func (g *gen) one(at time.Time) store.NewCase {
	r := g.r
	x := r.Float64()
	code := g.codes[len(g.codes)-1]
	for i, c := range g.cum {
		if x < c {
			code = g.codes[i]
			break
		}
	}
	cat := g.cat.Category(code)
	ps := g.waste
	if cat.Group == "greening" {
		ps = g.green
	}
	p := ps[r.IntN(len(ps))]
	id := g.nextID
	g.nextID++
	c := &store.Case{ID: id, Category: code, State: cases.Reported, Description: p.name + " " + cat.Zh, Source: "inspector",
		Reporter: fmt.Sprintf("巡查员%02d", 1+r.IntN(40)), Reported: at, Updated: at,
		Point: orb.Point{p.pt[0] + (r.Float64()-0.5)*2e-4, p.pt[1] + (r.Float64()-0.5)*2e-4}}
	switch s := r.Float64(); {
	case s < 0.15:
		c.Source, c.Reporter, c.Contact = "citizen", "市民", fmt.Sprintf("139%08d", (id*7919)%100000000)
	case s < 0.25:
		c.Source, c.Reporter, c.Contact = "12345", "12345热线", fmt.Sprintf("138%08d", (id*104729)%100000000)
		c.Ref = fmt.Sprintf("GD%010d", id)
	}
	ev := &store.CaseEvent{At: at, Who: c.Reporter, Role: cases.RoleInspector, Action: cases.ActReport, To: cases.Reported}
	nc := store.NewCase{Case: c, Event: ev}
	hours := func(lo, hi float64) time.Duration {
		return time.Duration((lo + r.Float64()*(hi-lo)) * float64(time.Hour))
	}
	step := func(t time.Time) bool { // whether a step at t was taken by the end
		t = t.Truncate(time.Millisecond)
		if !t.Before(g.end) {
			return false
		}
		c.Updated = t
		return true
	}
	switch f := r.Float64(); {
	case f < 0.05:
		if step(at.Add(hours(0.5, 4))) {
			c.State, c.Reason = cases.Rejected, "不属于园林绿化和环境卫生管理范围"
		}
		return nc
	case f < 0.07 && id > 1:
		if step(at.Add(hours(0.2, 2))) {
			dup := id - 1 - int64(r.IntN(int(min(id-1, 50))))
			c.State, c.DuplicateOf, c.Reason = cases.Rejected, dup, fmt.Sprintf("duplicate of case %d", dup)
		}
		return nc
	}
	reg := at.Add(hours(0.2, 2)).Truncate(time.Millisecond)
	if !step(reg) {
		return nc
	}
	dl := reg.Add(time.Duration(cat.DeadlineHours) * time.Hour)
	c.State, c.Registered, c.Deadline, c.Zone = cases.Registered, &reg, &dl, p.zone
	if p.unit == "" {
		return nc // no zone's unit: waits for a dispatcher
	}
	c.State, c.Unit = cases.Dispatched, p.unit
	deadline := time.Duration(cat.DeadlineHours) * time.Hour
	total := time.Duration(float64(deadline) * (0.3 + 0.6*r.Float64()))
	switch l := r.Float64(); {
	case l < 0.005:
		total = hours(24*20, 24*120) // left for weeks
	case l < 0.11:
		total = deadline + hours(2, 48) // late
	}
	when := func(f float64) time.Time { return reg.Add(time.Duration(f * float64(total))) }
	reopens := 0
	if o := r.Float64(); o < 0.15 {
		reopens = 1
		if o < 0.03 {
			reopens = 2
		}
	}
	for k := range reopens { // handled, then sent back by a failed 核查
		if !step(when(0.3 + 0.1*float64(k))) {
			return nc
		}
		c.State = cases.Handled
		if !step(when(0.35 + 0.1*float64(k))) {
			return nc
		}
		c.State, c.Reopens = cases.Dispatched, c.Reopens+1
	}
	if !step(when(0.7)) {
		return nc
	}
	c.State = cases.Handled
	if !step(when(0.85)) {
		return nc
	}
	c.State = cases.Verified
	if !step(when(1)) {
		return nc
	}
	closed := c.Updated
	c.State, c.Closed = cases.Closed, &closed
	return nc
}
