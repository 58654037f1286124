package cql2

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/greenreach/greenreach/geo"
)

// FuzzParse: neither encoding panics on any input; a refusal is an *Error
// whose position lies within the expression; what parses compiles or is
// refused, and evaluates on a feature without panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/examples/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".md" {
			f.Add(string(b))
		}
	}
	f.Add("name LIKE '%a_b\\%' AND NOT (area_m2 BETWEEN 1 AND 2) OR kind IN ('a','b') OR name IS NOT NULL")
	qs := QueryablesOf(geo.SchemaOf(geo.Green))
	feat := &geo.Feature{Props: map[string]any{"name": "公园", "area_m2": 12.5, "grade": int64(2), "public": true}}
	f.Fuzz(func(t *testing.T, src string) {
		for _, parse := range []func(string, Limits) (*Expr, error){ParseText, ParseJSON} {
			e, err := parse(src, Defaults())
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > utf8.RuneCountInString(src)+1 {
					t.Fatalf("%q: %v (%T)", src, err, err)
				}
				continue
			}
			if fl, err := Compile(e, qs); err == nil {
				fl.Match(feat)
			}
		}
	})
}
