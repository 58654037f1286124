package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestReplaceRanges: the new ranges replace the old ones; files that are
// not range files stay, even when their names look alike.
func TestReplaceRanges(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, ".build-1")
	for _, p := range []string{
		filepath.Join(dir, "0-255.pbf.gz"),       // replaced
		filepath.Join(dir, "65280-65535.pbf.gz"), // gone: the font lost it
		filepath.Join(dir, "notes-1.pbf.gz"),     // not a range: kept
		filepath.Join(dir, "0-99.pbf.gz"),        // not a range: kept
		filepath.Join(dir, ".gitignore"),
		filepath.Join(tmp, "0-255.pbf.gz"),
		filepath.Join(tmp, "256-511.pbf.gz"),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := replaceRanges(tmp, dir); err != nil {
		t.Fatal(err)
	}
	var got []string
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if !e.IsDir() {
			got = append(got, e.Name())
		}
	}
	want := []string{".gitignore", "0-255.pbf.gz", "0-99.pbf.gz", "256-511.pbf.gz", "notes-1.pbf.gz"}
	if !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "0-255.pbf.gz")); string(b) != filepath.Join(tmp, "0-255.pbf.gz") {
		t.Errorf("0-255 is the old file: %q", b)
	}
}
