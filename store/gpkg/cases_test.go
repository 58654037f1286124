package gpkg

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

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
