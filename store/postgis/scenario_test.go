package postgis

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestScenarioOwnerMigration: a PostGIS schema from before scenario owners
// (step 3) migrates with its scenarios intact and without an owner (so
// only admins may change them), and new scenarios keep theirs.
func TestScenarioOwnerMigration(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	schema := s.schema
	for _, q := range []string{
		`ALTER TABLE ` + schema + `.gr_scenarios DROP COLUMN owner`,
		`DELETE FROM ` + schema + `.gr_schema_migrations WHERE step >= 4`, // a step-3 schema has none of the later steps
		`INSERT INTO ` + schema + `.gr_scenarios (name, author, version, edits, created, updated) VALUES ('旧方案', 'planner1', 4, '{"type":"FeatureCollection","features":[]}', now(), now())`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err = Open(ctx, u)
	if err != nil {
		t.Fatalf("open a step-3 schema: %v", err)
	}
	defer s.Close()
	list, err := s.ListScenarios(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	old, err := s.GetScenario(ctx, list[0].ID)
	if err != nil || old.Name != "旧方案" || old.Author != "planner1" || old.Version != 4 || old.Owner != "" {
		t.Fatalf("the old scenario: %+v %v", old, err)
	}
	nw := &store.Scenario{Name: "新", Author: "alice", Owner: "alice", Edits: old.Edits}
	if err := s.CreateScenario(ctx, nw); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetScenario(ctx, nw.ID); err != nil || got.Owner != "alice" {
		t.Fatalf("new scenario: %+v %v", got, err)
	}
}
