package gpkg

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// undoCases takes a store back to before the cases migration (its tables
// gone), for tests that open a store an older greenreach left.
func undoCases(t *testing.T, db *sql.DB) {
	t.Helper()
	undoZonesUnits(t, db) // the migration after it
	for _, st := range []string{`DROP TABLE gr_case_photos`, `DROP TABLE gr_case_events`, `DROP TABLE gr_cases`} {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

// TestCaseHistoryAppendOnly: the file itself refuses to change or delete
// a case's history, whoever opens it.
func TestCaseHistoryAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.gpkg")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := &store.Case{Category: "broken_branch", State: "reported", Point: orb.Point{104.06, 30.67}, Reported: store.Now(), Updated: store.Now()}
	ev := &store.CaseEvent{At: c.Reported, Who: "insp1", Role: "inspector", Action: "report", To: "reported"}
	if err := s.CreateCase(ctx, c, ev, []*store.Photo{{Type: "image/png", Data: []byte("png")}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, st := range []string{`UPDATE gr_case_events SET note = 'rewritten'`, `DELETE FROM gr_case_events`, `UPDATE gr_case_photos SET data = x'00'`} {
		if _, err := db.Exec(st); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", st, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM gpkg_contents WHERE table_name LIKE 'gr_case%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("case tables registered as GeoPackage contents: %d %v", n, err)
	}
}

// TestCaseListPlan: a list whose filter most cases pass (a state, the
// overdue deadline, a wide bbox) walks the table newest first and stops
// at its limit, rather than finding every match by an index and sorting
// them all by id (a page of 50 closed cases read a whole year); a filter
// an index finds few of still goes through its index. Every list equals
// the brute-force answer either way.
func TestCaseListPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []*store.Case
	var batch []store.NewCase
	for i := 0; i < 2*indexProbe; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		dl := at.Add(time.Hour)
		c := &store.Case{Category: "broken_branch", State: "closed", Point: orb.Point{104 + float64(i%100)*1e-3, 30 + float64(i/100)*1e-3},
			Reported: at, Updated: at, Deadline: &dl, Closed: &at}
		switch {
		case i%500 == 7:
			c.State, c.Closed = "reported", nil
		case i%3 == 0:
			c.Category = "overflowing_bin"
		}
		all = append(all, c)
		batch = append(batch, store.NewCase{Case: c, Event: &store.CaseEvent{At: at, Who: "r", Role: "inspector", Action: "report", To: c.State}})
	}
	if _, err := s.CreateCases(ctx, batch); err != nil {
		t.Fatal(err)
	}
	now := base.AddDate(1, 0, 0)
	wide := orb.Bound{Min: orb.Point{103, 29}, Max: orb.Point{105, 31}}
	small := orb.Bound{Min: orb.Point{104.0105, 30.0105}, Max: orb.Point{104.0125, 30.0125}}
	for _, tc := range []struct {
		f     store.CaseFilter
		index string // the index the plan should search by; "" for the walk
	}{
		{store.CaseFilter{States: []string{"closed"}, Limit: 50}, ""},
		{store.CaseFilter{States: []string{"closed", "reported"}, Before: 5000, Limit: 50}, ""},
		{store.CaseFilter{States: []string{"closed", "reported"}, DueBefore: &now, Limit: 50}, ""},
		{store.CaseFilter{Bound: &wide, Category: "overflowing_bin", Limit: 50}, ""},
		{store.CaseFilter{States: []string{"reported"}, Limit: 50}, "gr_cases_state"},
		{store.CaseFilter{Bound: &small, Limit: 50}, "gr_cases_lonlat"},
	} {
		q, args, err := s.listQuery(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if tc.index == "" && (strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "INDEX")) {
			t.Errorf("list %+v: plan %q, want a walk of the table by id", tc.f, p)
		}
		if tc.index != "" && !strings.Contains(p, tc.index) {
			t.Errorf("list %+v: plan %q, want a search by %s", tc.f, p, tc.index)
		}
		got, err := s.ListCases(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for i := len(all) - 1; i >= 0 && len(want) < tc.f.Limit; i-- {
			c := all[i]
			if (len(tc.f.States) == 0 || slices.Contains(tc.f.States, c.State)) && (tc.f.Category == "" || c.Category == tc.f.Category) &&
				(tc.f.Before == 0 || c.ID < tc.f.Before) && (tc.f.Bound == nil || tc.f.Bound.Contains(c.Point)) &&
				(tc.f.DueBefore == nil || c.Deadline.Before(*tc.f.DueBefore)) {
				want = append(want, c.ID)
			}
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, want) || len(want) == 0 {
			t.Errorf("list %+v: %d cases %v…, want %d %v…", tc.f, len(ids), ids[:min(3, len(ids))], len(want), want[:min(3, len(want))])
		}
	}
}
