package gpkg

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestTokenUnitMigration: a GeoPackage from before token units (schema 7)
// opens with its tokens intact and without a unit, and unit tokens keep
// theirs; the migration runs again on a file that has the column.
func TestTokenUnitMigration(t *testing.T) {
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
		`ALTER TABLE gr_tokens DROP COLUMN unit`,
		`UPDATE gr_meta SET value = '7' WHERE key = 'schema_version'`,
		`INSERT INTO gr_tokens (name, role, hash, created) VALUES ('alice', 'planner', 'aa11', '2026-01-02T03:04:05.000Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	undoZonesUnits(t, db) // migration 9 comes after, and runs again too
	db.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open a schema-7 store: %v", err)
	}
	old, err := s.TokenByHash(ctx, "aa11")
	if err != nil || old.Name != "alice" || old.Role != store.RolePlanner || old.Unit != "" {
		t.Fatalf("the old token: %+v %v", old, err)
	}
	if err := s.CreateToken(ctx, &store.Token{Name: "dh", Role: store.RoleUnit, Unit: "U01", Hash: "bb22"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Rolled back with the column in place: the migration leaves it.
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE gr_meta SET value = '7' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	undoZonesUnits(t, db)
	db.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	defer s.Close()
	if u, err := s.TokenByHash(ctx, "bb22"); err != nil || u.Unit != "U01" {
		t.Fatalf("the unit token: %+v %v", u, err)
	}
}
