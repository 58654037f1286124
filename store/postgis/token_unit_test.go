package postgis

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestTokenUnitMigration: a PostGIS schema from before token units (step
// 6) migrates with its tokens intact and without a unit; step 7 runs
// again on a schema that has the column.
func TestTokenUnitMigration(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE ` + s.schema + `.gr_tokens DROP COLUMN unit`,
		`DELETE FROM ` + s.schema + `.gr_schema_migrations WHERE step >= 7`,
		undoZonesUnits(s.schema), // step 8 comes after, and runs again too
		`INSERT INTO ` + s.schema + `.gr_tokens (name, role, hash, created) VALUES ('alice', 'planner', 'aa11', now())`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err = Open(ctx, u)
	if err != nil {
		t.Fatalf("open a step-6 schema: %v", err)
	}
	old, err := s.TokenByHash(ctx, "aa11")
	if err != nil || old.Name != "alice" || old.Unit != "" {
		t.Fatalf("the old token: %+v %v", old, err)
	}
	if err := s.CreateToken(ctx, &store.Token{Name: "dh", Role: store.RoleUnit, Unit: "U01", Hash: "bb22"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM ` + s.schema + `.gr_schema_migrations WHERE step >= 7`, undoZonesUnits(s.schema)} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = Open(ctx, u)
	if err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	defer s.Close()
	if got, err := s.TokenByHash(ctx, "bb22"); err != nil || got.Unit != "U01" {
		t.Fatalf("the unit token: %+v %v", got, err)
	}
}
