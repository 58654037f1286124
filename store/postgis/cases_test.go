package postgis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// undoCases is the SQL that takes a schema back to before the cases step,
// for tests that open a schema an older greenreach left.
func undoCases(schema string) string {
	return undoZonesUnits(schema) + `; DROP TABLE ` + schema + `.gr_case_photos, ` + schema + `.gr_case_events, ` + schema + `.gr_cases; DROP FUNCTION ` + schema + `.gr_append_only()`
}

// TestCaseHistoryAppendOnly: the database itself refuses to change or
// delete a case's history, whoever connects.
func TestCaseHistoryAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &store.Case{Category: "broken_branch", State: "reported", Point: orb.Point{104.06, 30.67}, Reported: store.Now(), Updated: store.Now()}
	ev := &store.CaseEvent{At: c.Reported, Who: "insp1", Role: "inspector", Action: "report", To: "reported"}
	if err := s.CreateCase(ctx, c, ev, []*store.Photo{{Type: "image/png", Data: []byte("png")}}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{`UPDATE %s.gr_case_events SET note = 'rewritten'`, `DELETE FROM %s.gr_case_events`, `UPDATE %s.gr_case_photos SET data = '\x00'`} {
		st = strings.ReplaceAll(st, "%s", s.schema)
		if _, err := s.pool.Exec(ctx, st); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", st, err)
		}
	}
}

// TestCaseListPlan: a list of one zone's or one unit's cases finds them
// by its (zone, id) or (unit, id) index, rather than walking every case
// from the newest (the whole year for a zone with few cases); each list
// equals the cases the fixture put there.
func TestCaseListPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Case g: zone Z(g%40) of unit U-big, closed; every 2000th (g%2000 =
	// 3) in zone Z-few of unit U-few; every 500th (g%500 = 7) reported.
	const n = 40000
	if _, err := s.pool.Exec(ctx, fmt.Sprintf(`INSERT INTO %[1]s.gr_cases (id, version, category, state, geom, description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, updated)
SELECT g, 1, 'broken_branch', CASE WHEN g %% 500 = 7 THEN 'reported' ELSE 'closed' END, ST_SetSRID(ST_MakePoint(104 + (g %% 100) * 1e-3, 30 + (g / 100) * 1e-4), 4326),
  '', 'inspector', 'r', '', CASE WHEN g %% 2000 = 3 THEN 'Z-few' ELSE 'Z' || g %% 40 END, CASE WHEN g %% 2000 = 3 THEN 'U-few' ELSE 'U-big' END,
  0, '', 0, timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute'
FROM generate_series(1, %[2]d) g;
ANALYZE %[1]s.gr_cases`, s.schema, n)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f     store.CaseFilter
		index string
		in    func(g int64) bool
	}{
		{store.CaseFilter{Zone: "Z-few", Limit: 50}, "gr_cases_zone", func(g int64) bool { return g%2000 == 3 }},
		{store.CaseFilter{Zone: "Z-few", States: []string{"closed"}, Before: 30000, Limit: 5}, "gr_cases_zone", func(g int64) bool { return g%2000 == 3 && g < 30000 }},
		{store.CaseFilter{Unit: "U-few", Category: "broken_branch", Limit: 50}, "gr_cases_unit", func(g int64) bool { return g%2000 == 3 }},
	} {
		q, args := s.listQuery(tc.f)
		rows, err := s.pool.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, strings.TrimSpace(line))
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, " on "+tc.index+" ") && !strings.Contains(p, " using "+tc.index+" ") {
			t.Errorf("list %+v: plan %q, want a search by %s", tc.f, p, tc.index)
		}
		got, err := s.ListCases(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids, want []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		for g := int64(n); g > 0 && len(want) < tc.f.Limit; g-- {
			if tc.in(g) {
				want = append(want, g)
			}
		}
		if !slices.Equal(ids, want) || len(want) == 0 {
			t.Errorf("list %+v: %v, want %v", tc.f, ids, want)
		}
	}
}

// TestCaseListIndexesMigrated: a schema from before the zone and unit
// list indexes (step 10) gets them; the step run again on a schema that
// has them leaves them.
func TestCaseListIndexesMigrated(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	step := len(migrations)
	for _, undo := range []string{
		`DROP INDEX %[1]s.gr_cases_zone, %[1]s.gr_cases_unit; DELETE FROM %[1]s.gr_schema_migrations WHERE step >= %[2]d`,
		`DELETE FROM %[1]s.gr_schema_migrations WHERE step >= %[2]d`,
		`DROP INDEX %[1]s.gr_cases_unit; DELETE FROM %[1]s.gr_schema_migrations WHERE step >= %[2]d`,
	} {
		s, err := Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.pool.Exec(ctx, fmt.Sprintf(undo, s.schema, step)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s, err = Open(ctx, u); err != nil {
			t.Fatalf("open a step-%d schema (%s): %v", step-1, undo, err)
		}
		var got []string
		rows, err := s.pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'gr_cases' AND indexname IN ('gr_cases_zone', 'gr_cases_unit') ORDER BY 1`, s.schema)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		s.Close()
		if !slices.Equal(got, []string{"gr_cases_unit", "gr_cases_zone"}) {
			t.Errorf("after %s: indexes %v", undo, got)
		}
	}
}
