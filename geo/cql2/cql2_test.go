package cql2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStandardExamples: every example of the standard copied into
// testdata/examples parses in CQL2 text and in CQL2 JSON to the same tree
// (compared in canonical text), and alternative text forms to the same
// tree as the main form.
func TestStandardExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/examples/*.txt")
	if err != nil || len(files) < 50 {
		t.Fatalf("%d examples: %v", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseText(string(text), Defaults())
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, text)
			continue
		}
		other := strings.TrimSuffix(f, ".txt") + ".json"
		parse := func(s string) (*Expr, error) { return ParseJSON(s, Defaults()) }
		if base, alt := strings.CutSuffix(name, "-alt01"); alt {
			other = filepath.Join("testdata/examples", base+".txt")
			parse = func(s string) (*Expr, error) { return ParseText(s, Defaults()) }
		}
		src, err := os.ReadFile(other)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		o, err := parse(string(src))
		if err != nil {
			t.Errorf("%s: %s: %v", name, filepath.Base(other), err)
			continue
		}
		if e.String() != o.String() {
			t.Errorf("%s: text and %s differ:\n%s\n%s", name, filepath.Base(other), e, o)
		}
	}
}
