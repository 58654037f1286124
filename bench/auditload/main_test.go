package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCompareReports: reports that differ only in "generated" are equal;
// a number changed in its last digit, a missing key and a longer list are
// each found, by path.
func TestCompareReports(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.json", `{"generated":"2026-12-06T10:00:00Z","results":[{"id":"r","units":[{"value":0.630928,"residents":5}]}],"parcels":3}`)
	b := write("b.json", `{"generated":"2026-12-06T11:00:00Z","results":[{"id":"r","units":[{"value":0.630928,"residents":5}]}],"parcels":3}`)
	c := write("c.json", `{"generated":"x","results":[{"id":"r","units":[{"value":0.630929,"residents":5}]}],"parcels":3,"extra":[1]}`)
	d := write("d.json", `{"generated":"x","results":[{"id":"r","units":[{"value":0.630928,"residents":5},{}]}]}`)
	if diffs, err := compareReports(a, b); err != nil || len(diffs) != 0 {
		t.Errorf("a, b: %v %v, want equal", diffs, err)
	}
	diffs, err := compareReports(a, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`/extra: null vs [1]`, `/results/0/units/0/value: 0.630928 vs 0.630929`}
	if len(diffs) != len(want) || diffs[0] != want[0] || diffs[1] != want[1] {
		t.Errorf("a, c: %q, want %q", diffs, want)
	}
	diffs, err = compareReports(a, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 2 {
		t.Errorf("a, d: %q, want the parcels and the units' list", diffs)
	}
}
