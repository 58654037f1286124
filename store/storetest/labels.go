package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// LabelReader reads what a store wrote for GIS tools about one layer's
// table, as one text per thing labelled: table is the layer's title and
// description (GeoPackage: gpkg_contents' identifier, then description;
// PostGIS: the table's comment), columns each column's alias and
// description (GeoPackage: gpkg_data_columns' name, title, description;
// PostGIS: the column's comment).
type LabelReader func(ctx context.Context, s store.Store, layer string) (table string, columns map[string]string, err error)

// Labels checks that a new store, and the same store reopened, labels
// every layer and every column of its table for GIS tools as geo.Schemas
// names them: Chinese first (the text starts with the Chinese title or
// alias), English too, and the descriptions in both languages.
func Labels(t *testing.T, open Opener, read LabelReader) {
	for _, reopen := range []bool{false, true} {
		s := mustOpen(t, open)
		for _, sc := range geo.Schemas {
			table, cols, err := read(ctx(t), s, sc.ID)
			if err != nil {
				t.Fatalf("%s: %v", sc.ID, err)
			}
			want := []string{sc.TitleZH, sc.Title, sc.Description.ZH, sc.Description.EN}
			if !strings.HasPrefix(table, sc.TitleZH) || !containsAll(table, want) {
				t.Errorf("%s (reopened %v): %q, want %q first, then %q", sc.ID, reopen, table, want[0], want[1:])
			}
			var names []string
			for _, c := range sc.Columns() {
				names = append(names, c.Name)
				got, ok := cols[c.Name]
				want := []string{c.Alias.ZH, c.Alias.EN, c.Doc.ZH, c.Doc.EN}
				if !ok || !strings.HasPrefix(got, c.Alias.ZH) || !containsAll(got, want) {
					t.Errorf("%s.%s (reopened %v): %q, want %q first, then %q", sc.ID, c.Name, reopen, got, want[0], want[1:])
				}
			}
			for c := range cols {
				if !slices.Contains(names, c) {
					t.Errorf("%s: label for %q, no such column", sc.ID, c)
				}
			}
		}
		s.Close()
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
