package postgis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// readLabels reads a layer table's comment and its columns' comments, as
// obj_description and col_description give them to any SQL client.
func readLabels(ctx context.Context, st store.Store, layer string) (string, map[string]string, error) {
	s := st.(*Store)
	var table *string
	if err := s.pool.QueryRow(ctx, `SELECT obj_description(to_regclass($1), 'pg_class')`, s.table(layer)).Scan(&table); err != nil {
		return "", nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a
		WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND col_description(a.attrelid, a.attnum) IS NOT NULL`, s.table(layer))
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var c, d string
		if err := rows.Scan(&c, &d); err != nil {
			return "", nil, err
		}
		cols[c] = d
	}
	if table == nil {
		return "", cols, rows.Err()
	}
	return *table, cols, rows.Err()
}

func TestPostGISLabels(t *testing.T) {
	u := testURL(t)
	storetest.Labels(t, func() (store.Store, error) { return Open(context.Background(), u) }, readLabels)
}

// TestPostGISLabelsMigrated: a schema from before the comments (step 4)
// gets them when opened, its features untouched; the comments are the
// ones geo.Schemas gives, exactly.
func TestPostGISLabelsMigrated(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, storetest.Sample("old", "1", 104.06, 30.66)) }); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "DELETE FROM %s.gr_schema_migrations WHERE step >= 5;\n", s.schema)
	for _, sc := range geo.Schemas {
		fmt.Fprintf(&b, "COMMENT ON TABLE %s IS NULL;\n", s.table(sc.ID))
		for _, c := range sc.Columns() {
			fmt.Fprintf(&b, "COMMENT ON COLUMN %s.%s IS NULL;\n", s.table(sc.ID), c.Name)
		}
	}
	fmt.Fprintf(&b, "%s;\n", undoCases(s.schema)) // steps 6 and 7 run again
	if _, err := s.pool.Exec(ctx, b.String()); err != nil {
		t.Fatal(err)
	}
	if table, cols, err := readLabels(ctx, s, geo.Green); err != nil || table != "" || len(cols) != 0 {
		t.Fatalf("setup: %q %v %v", table, cols, err)
	}
	s.Close()
	s, err = Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sc := range geo.Schemas {
		table, cols, err := readLabels(ctx, s, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if table != sc.Comment() {
			t.Errorf("%s: comment %q, want %q", sc.ID, table, sc.Comment())
		}
		for _, c := range sc.Columns() {
			if cols[c.Name] != c.Comment() {
				t.Errorf("%s.%s: comment %q, want %q", sc.ID, c.Name, cols[c.Name], c.Comment())
			}
		}
		if sc.ID == geo.Zones {
			continue // its table is new: no feature of old
		}
		if f, err := s.Get(ctx, sc.ID, 1); err != nil || f.Source != "old" {
			t.Errorf("%s: feature 1 after the migration: %v %v", sc.ID, f, err)
		}
	}
}
