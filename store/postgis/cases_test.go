package postgis

import (
	"context"
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
