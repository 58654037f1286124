package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// testCaseArea: CasePoints and CaseCells select by bound (edges
// included), time window and filters, as a brute-force count over the
// created cases does; the limit says when there were more; a grid's cells
// are CaseCellOf's, the east and north edges in the last ones; refusals
// name their limit.
func testCaseArea(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	b := orb.Bound{Min: orb.Point{104.0, 30.6}, Max: orb.Point{104.1, 30.7}}
	var all []*store.Case
	cats := []string{"broken_branch", "overflowing_bin", "pests_disease"}
	for i := range 60 {
		// A spread over and around the bound, its edges and corners among them.
		p := orb.Point{103.99 + float64(i%12)*0.011, 30.59 + float64(i/12)*0.03}
		switch i {
		case 0:
			p = b.Min
		case 1:
			p = b.Max
		case 2:
			p = orb.Point{b.Max[0], b.Min[1] + 0.05}
		}
		k, ev := newCase(cats[i%3], p, caseAt(i%24, i))
		if i%4 == 0 {
			k.State, k.Unit = "dispatched", "U01"
			d := k.Reported.Add(time.Hour)
			k.Deadline = &d
		}
		if err := s.CreateCase(c, k, ev, nil); err != nil {
			t.Fatal(err)
		}
		all = append(all, k)
	}
	from, before := caseAt(2, 0), caseAt(20, 0)
	areas := []store.CaseArea{
		{Bound: b, From: caseAt(0, 0), Before: caseAt(23, 59)},
		{Bound: b, From: from, Before: before},
		{Bound: b, From: from, Before: before, States: []string{"dispatched"}},
		{Bound: b, From: caseAt(0, 0), Before: caseAt(23, 59), Category: "overflowing_bin"},
		{Bound: b, From: caseAt(0, 0), Before: caseAt(23, 59), Unit: "U01", States: []string{"dispatched", "closed"}},
		{Bound: orb.Bound{Min: orb.Point{105, 31}, Max: orb.Point{106, 32}}, From: caseAt(0, 0), Before: caseAt(23, 59)},
	}
	for _, a := range areas {
		var want []store.CasePoint
		for _, k := range all {
			if b := a.Bound; k.Point[0] >= b.Min[0] && k.Point[0] <= b.Max[0] && k.Point[1] >= b.Min[1] && k.Point[1] <= b.Max[1] &&
				!k.Reported.Before(a.From) && k.Reported.Before(a.Before) && (a.Category == "" || a.Category == k.Category) &&
				(a.Unit == "" || a.Unit == k.Unit) && (len(a.States) == 0 || slices.Contains(a.States, k.State)) {
				want = append(want, store.CasePoint{ID: k.ID, Category: k.Category, State: k.State, Point: k.Point, Reported: k.Reported, Deadline: k.Deadline})
			}
		}
		slices.Reverse(want)
		got, more, err := s.CasePoints(c, a, store.MaxCaseList)
		if err != nil {
			t.Fatal(err)
		}
		if more || fmt.Sprint(points(got)) != fmt.Sprint(points(want)) {
			t.Errorf("points %+v:\n got %v (more %v)\nwant %v", a, points(got), more, points(want))
		}
		if len(want) > 2 {
			got, more, err := s.CasePoints(c, a, 2)
			if err != nil || !more || fmt.Sprint(points(got)) != fmt.Sprint(points(want[:2])) {
				t.Errorf("points %+v, limit 2: %v more %v %v", a, points(got), more, err)
			}
			if got, more, _ := s.CasePoints(c, a, len(want)); more || len(got) != len(want) {
				t.Errorf("points %+v, limit %d: %d more %v", a, len(want), len(got), more)
			}
		}
		checkCaseCells(t, s, a, want)
	}
	// The corner point b.Max is in the last cell, b.Min in the first.
	cells, err := s.CaseCells(c, store.CaseArea{Bound: b, From: caseAt(0, 0), Before: caseAt(0, 1)}, 4)
	if err != nil || fmt.Sprint(cells) != fmt.Sprint([]store.CaseCell{{Col: 0, Row: 0, Count: 1}}) {
		t.Errorf("the south-west corner's cell: %v %v", cells, err)
	}
	cells, err = s.CaseCells(c, store.CaseArea{Bound: b, From: caseAt(1, 1), Before: caseAt(1, 2)}, 4)
	if err != nil || fmt.Sprint(cells) != fmt.Sprint([]store.CaseCell{{Col: 3, Row: 3, Count: 1}}) {
		t.Errorf("the north-east corner's cell: %v %v", cells, err)
	}
	for _, n := range []int{0, store.MaxCaseGrid + 1} {
		if _, err := s.CaseCells(c, areas[0], n); err == nil {
			t.Errorf("a grid of %d cells a side: no error", n)
		}
	}
	if _, err := s.CaseCells(c, store.CaseArea{Bound: orb.Bound{Min: b.Min, Max: b.Min}}, 4); err == nil {
		t.Error("a grid over an empty bound: no error")
	}
	for _, n := range []int{0, store.MaxCaseList + 1} {
		if _, _, err := s.CasePoints(c, areas[0], n); err == nil {
			t.Errorf("a limit of %d: no error", n)
		}
	}
}

// points is what a CasePoint says, times in UTC milliseconds.
func points(ps []store.CasePoint) []string {
	var out []string
	for _, p := range ps {
		d := "-"
		if p.Deadline != nil {
			d = p.Deadline.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, fmt.Sprintf("%d %s %s %v %s %s %v", p.ID, p.Category, p.State, p.Point, p.Reported.UTC().Format(time.RFC3339Nano), d, p.Closed))
	}
	return out
}

// checkCaseCells: the store's grid counts of area a, at 1, 3 and 10 cells
// a side, are those of want counted cell by cell.
func checkCaseCells(t *testing.T, s store.Store, a store.CaseArea, want []store.CasePoint) {
	t.Helper()
	c := ctx(t)
	for _, n := range []int{1, 3, 10} {
		counts := map[[2]int]int{}
		for _, p := range want {
			// Independently of CaseCellOf: the cell's index by its steps.
			col := int(math.Floor((p.Point[0] - a.Bound.Min[0]) / ((a.Bound.Max[0] - a.Bound.Min[0]) / float64(n))))
			row := int(math.Floor((p.Point[1] - a.Bound.Min[1]) / ((a.Bound.Max[1] - a.Bound.Min[1]) / float64(n))))
			counts[[2]int{min(row, n-1), min(col, n-1)}]++
		}
		var wantCells []store.CaseCell
		for r := range n {
			for col := range n {
				if k := counts[[2]int{r, col}]; k > 0 {
					wantCells = append(wantCells, store.CaseCell{Col: col, Row: r, Count: k})
				}
			}
		}
		cells, err := s.CaseCells(c, a, n)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(cells) != fmt.Sprint(wantCells) {
			t.Errorf("cells %+v, %d a side:\n got %v\nwant %v", a, n, cells, wantCells)
		}
	}
}
