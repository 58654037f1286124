package geo

import (
	"testing"
	"unicode"

	"github.com/greenreach/greenreach/i18n"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestSchemaLabels: every layer has a title and a description, and every
// column of its table an alias and a description, in Chinese (written in
// Chinese) and in English; aliases are unique within a layer in each
// language (GeoPackage's gpkg_data_columns requires it of its name).
func TestSchemaLabels(t *testing.T) {
	check := func(where string, txt i18n.Text) {
		t.Helper()
		if !hasHan(txt.ZH) || txt.EN == "" || hasHan(txt.EN) {
			t.Errorf("%s: %+v: want Chinese and English", where, txt)
		}
	}
	for _, sc := range Schemas {
		check(sc.ID+" title", i18n.Text{ZH: sc.TitleZH, EN: sc.Title})
		check(sc.ID+" description", sc.Description)
		if sc.TitleIn(i18n.ZH) != sc.TitleZH || sc.TitleIn(i18n.EN) != sc.Title {
			t.Errorf("%s: TitleIn: %q %q", sc.ID, sc.TitleIn(i18n.ZH), sc.TitleIn(i18n.EN))
		}
		cols := sc.Columns()
		if len(cols) != len(StoreColumns)+len(sc.Fields) {
			t.Fatalf("%s: %d columns", sc.ID, len(cols))
		}
		seen := map[string]string{}
		for i, c := range cols {
			if i >= len(StoreColumns) && c.Name != sc.Fields[i-len(StoreColumns)].Name {
				t.Errorf("%s: column %d is %s", sc.ID, i, c.Name)
			}
			check(sc.ID+"."+c.Name+" alias", c.Alias)
			check(sc.ID+"."+c.Name+" doc", c.Doc)
			for _, a := range []string{c.Alias.ZH, c.Alias.EN} {
				if other, dup := seen[a]; dup {
					t.Errorf("%s: %s and %s are both %q", sc.ID, other, c.Name, a)
				}
				seen[a] = c.Name
			}
		}
	}
}
