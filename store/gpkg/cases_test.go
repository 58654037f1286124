package gpkg

import (
	"context"
	"database/sql"
	"fmt"
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
// an index finds few of still goes through its index, the fewest's when
// several do. A zone's or a unit's list walks its (zone, id) or (unit,
// id) index newest first, unsorted, unless another filter's index finds
// fewer. Every list equals the brute-force answer either way.
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
		c.Zone, c.Unit = fmt.Sprintf("Z%d", i%4), "U-big"
		if i%1000 == 3 {
			c.Zone, c.Unit = "Z-few", "U-few"
		}
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
	column := orb.Bound{Min: orb.Point{104.0025, 29.99}, Max: orb.Point{104.0035, 30.09}} // i%100 = 3: 80 cases, 8 of them in Z-few
	for _, tc := range []struct {
		f       store.CaseFilter
		index   string // the index the plan should search by; "" for the walk
		ordered bool   // the index gives the order: no sort
	}{
		{store.CaseFilter{States: []string{"closed"}, Limit: 50}, "", false},
		{store.CaseFilter{States: []string{"closed", "reported"}, Before: 5000, Limit: 50}, "", false},
		{store.CaseFilter{States: []string{"closed", "reported"}, DueBefore: &now, Limit: 50}, "", false},
		{store.CaseFilter{Bound: &wide, Category: "overflowing_bin", Limit: 50}, "", false},
		{store.CaseFilter{States: []string{"reported"}, Limit: 50}, "gr_cases_state", false},
		{store.CaseFilter{Bound: &small, Limit: 50}, "gr_cases_lonlat", false},
		{store.CaseFilter{Zone: "Z-few", Limit: 50}, "gr_cases_zone", true},
		{store.CaseFilter{Zone: "Z2", States: []string{"closed"}, Before: 7000, Limit: 50}, "gr_cases_zone", true},
		{store.CaseFilter{Unit: "U-few", Category: "broken_branch", Limit: 50}, "gr_cases_unit", true},
		{store.CaseFilter{Unit: "U-big", Limit: 50}, "gr_cases_unit", true},
		{store.CaseFilter{Unit: "U-big", DueBefore: &now, Limit: 50}, "gr_cases_unit", true},
		{store.CaseFilter{Unit: "U-big", States: []string{"reported"}, Limit: 50}, "gr_cases_state", false},
		{store.CaseFilter{Zone: "Z-few", Bound: &column, Limit: 50}, "gr_cases_zone", true},
		{store.CaseFilter{Unit: "U-big", Bound: &column, Limit: 50}, "gr_cases_lonlat", false},
	} {
		p := listPlan(t, ctx, s, tc.f)
		if tc.index == "" && (strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "INDEX")) {
			t.Errorf("list %+v: plan %q, want a walk of the table by id", tc.f, p)
		}
		if tc.index != "" && !strings.Contains(p, "INDEX "+tc.index+" ") {
			t.Errorf("list %+v: plan %q, want a search by %s", tc.f, p, tc.index)
		}
		if tc.ordered && strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("list %+v: plan %q, want no sort", tc.f, p)
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
				(tc.f.DueBefore == nil || c.Deadline.Before(*tc.f.DueBefore)) && (tc.f.Zone == "" || c.Zone == tc.f.Zone) && (tc.f.Unit == "" || c.Unit == tc.f.Unit) {
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

// TestCaseListIndexesMigrated: a store a greenreach before the zone,
// unit and overdue list indexes left (schema version 11) opens with its cases and
// gets them; opening a store that has them at version 11 again (a schema
// version rolled back) leaves them.
func TestCaseListIndexesMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.gpkg")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &store.Case{Category: "broken_branch", State: "reported", Point: orb.Point{104.06, 30.67}, Zone: "Z1", Unit: "U01", Reported: at, Updated: at}
	if err := s.CreateCase(ctx, c, &store.CaseEvent{At: at, Who: "r", Role: "inspector", Action: "report", To: "reported"}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	indexes := func(db *sql.DB) []string {
		t.Helper()
		rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('gr_cases_zone', 'gr_cases_unit', 'gr_cases_state_deadline') ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	for _, undo := range [][]string{
		{`DROP INDEX gr_cases_zone`, `DROP INDEX gr_cases_unit`, `DROP INDEX gr_cases_state_deadline`, `UPDATE gr_meta SET value = '11' WHERE key = 'schema_version'`},
		{`DROP INDEX gr_cases_unit`, `UPDATE gr_meta SET value = '11' WHERE key = 'schema_version'`},
		{`UPDATE gr_meta SET value = '11' WHERE key = 'schema_version'`},
	} {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range undo {
			if _, err := db.Exec(st); err != nil {
				t.Fatalf("%s: %v", st, err)
			}
		}
		db.Close()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open a schema-11 store (%v): %v", undo, err)
		}
		got, err := s.ListCases(ctx, store.CaseFilter{Zone: "Z1", Limit: 10})
		s.Close()
		if err != nil || len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("zone list after the migration: %+v %v", got, err)
		}
		db, err = sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		if ix := indexes(db); !slices.Equal(ix, []string{"gr_cases_state_deadline", "gr_cases_unit", "gr_cases_zone"}) {
			t.Errorf("after %v: indexes %v", undo, ix)
		}
		db.Close()
	}
}

// TestCaseListOverduePlan: the overdue cases (open and past their
// deadline) are found by (state, deadline) though the open cases and
// those past their deadline are each too many for an index; before, the
// list walked the whole table for them. Each list equals the brute-force
// answer.
func TestCaseListOverduePlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base.AddDate(0, 0, 10)
	var all []*store.Case
	var batch []store.NewCase
	// Even cases closed, due in the past; odd ones dispatched, due after
	// now but for every 1000th.
	for i := 0; i < 2*indexProbe+200; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		dl := at.Add(time.Hour)
		c := &store.Case{Category: "broken_branch", State: "closed", Point: orb.Point{104, 30}, Reported: at, Updated: at, Deadline: &dl, Closed: &at}
		if i%2 == 1 {
			c.State, c.Closed = "dispatched", nil
			if i%1000 != 1 {
				late := now.AddDate(0, 0, 1)
				c.Deadline = &late
			}
		}
		if i%3 == 0 {
			c.Category = "overflowing_bin"
		}
		all = append(all, c)
		batch = append(batch, store.NewCase{Case: c, Event: &store.CaseEvent{At: at, Who: "r", Role: "inspector", Action: "report", To: c.State}})
	}
	if _, err := s.CreateCases(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.CaseFilter{
		{States: []string{"dispatched", "handled"}, DueBefore: &now, Limit: 50},
		{States: []string{"dispatched"}, Category: "broken_branch", DueBefore: &now, Limit: 50},
	} {
		if p := listPlan(t, ctx, s, f); !strings.Contains(p, "INDEX gr_cases_state_deadline ") {
			t.Errorf("list %+v: plan %q, want a search by gr_cases_state_deadline", f, p)
		}
		got, err := s.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids, want []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		for i := len(all) - 1; i >= 0 && len(want) < f.Limit; i-- {
			c := all[i]
			if slices.Contains(f.States, c.State) && (f.Category == "" || c.Category == f.Category) && c.Deadline.Before(now) {
				want = append(want, c.ID)
			}
		}
		if !slices.Equal(ids, want) || len(want) == 0 {
			t.Errorf("list %+v: %v, want %v", f, ids, want)
		}
	}
}

// listPlan is SQLite's plan of the list statement for f, its lines joined.
func listPlan(t *testing.T, ctx context.Context, s *Store, f store.CaseFilter) string {
	t.Helper()
	q, args, err := s.listQuery(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
