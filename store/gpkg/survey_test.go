package gpkg

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// TestSurveyHistoryAppendOnly: the file itself refuses to change or
// delete the survey history, whoever opens it, and does not offer it to
// GIS clients as a layer.
func TestSurveyHistoryAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.gpkg")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fs := storetest.Sample("sv", "1", 104.06, 30.66)
	if _, err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Put(ctx, fs); err != nil {
			return err
		}
		return tx.AppendSurvey(ctx, []*store.SurveyEntry{{Layer: geo.Green, FeatureID: fs[0].ID, Version: 1, Field: "trees", New: "120", Who: "insp1"}})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, st := range []string{`UPDATE gr_survey SET new = '1'`, `DELETE FROM gr_survey`} {
		if _, err := db.Exec(st); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", st, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM gpkg_contents WHERE table_name = 'gr_survey'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("gr_survey registered as GeoPackage contents: %d %v", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM gr_survey`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d entries after the refusals: %v", n, err)
	}
}

// TestSurveyMigrated: a store a greenreach before the survey left (schema
// version 10, no gr_survey) opens, keeps its features and takes survey
// entries.
func TestSurveyMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.gpkg")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fs := storetest.Sample("old", "1", 104.06, 30.66)
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{`DROP TABLE gr_survey`, `UPDATE gr_meta SET value = '10' WHERE key = 'schema_version'`} {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	db.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open a schema-10 store: %v", err)
	}
	defer s.Close()
	g, err := s.Get(ctx, geo.Green, fs[0].ID)
	if err != nil || g.Int("trees") != 120 {
		t.Fatalf("the old green space: %+v %v", g, err)
	}
	if _, err := s.Write(ctx, func(tx store.Tx) error {
		return tx.AppendSurvey(ctx, []*store.SurveyEntry{{Layer: geo.Green, FeatureID: g.ID, Version: 1, Field: "trees", Old: "", New: "120", Who: "x"}})
	}); err != nil {
		t.Fatal(err)
	}
	if h, err := s.SurveyHistory(ctx, geo.Green, g.ID, 0); err != nil || len(h) != 1 {
		t.Fatalf("history after the migration: %+v %v", h, err)
	}
}
