package gpkg

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestScenarioOwnerMigration: a GeoPackage from before scenario owners
// (schema 3) opens with its scenarios intact and without an owner (so
// only admins may change them), and new scenarios keep theirs.
func TestScenarioOwnerMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.gpkg")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE gr_scenarios DROP COLUMN owner`,
		`UPDATE gr_meta SET value = '3' WHERE key = 'schema_version'`,
		`INSERT INTO gr_scenarios (name, author, version, edits, created, updated) VALUES ('旧方案', 'planner1', 4, '{"type":"FeatureCollection","features":[]}', '2026-01-02T03:04:05.000Z', '2026-01-03T03:04:05.000Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	undoCases(t, db)
	db.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open a schema-3 store: %v", err)
	}
	defer s.Close()
	old, err := s.GetScenario(ctx, 1)
	if err != nil || old.Name != "旧方案" || old.Author != "planner1" || old.Version != 4 || old.Owner != "" {
		t.Fatalf("the old scenario: %+v %v", old, err)
	}
	if err := s.UpdateScenario(ctx, &store.Scenario{ID: 1, Name: "改", Edits: old.Edits}, 4); err != nil {
		t.Fatalf("update the old scenario: %v", err)
	}
	nw := &store.Scenario{Name: "新", Author: "alice", Owner: "alice", Edits: old.Edits}
	if err := s.CreateScenario(ctx, nw); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetScenario(ctx, nw.ID); err != nil || got.Owner != "alice" {
		t.Fatalf("new scenario: %+v %v", got, err)
	}
}
