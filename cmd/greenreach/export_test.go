package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportCommand: export writes a PMTiles v3 archive of the public
// tiles; mistakes are usage errors and leave no file.
func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "d.gpkg")
	demo(t, db, "small")
	out := filepath.Join(dir, "town.pmtiles")
	code, _, errs := runCLI(t, ctx, "--db", db, "export", "--format", "pmtiles", "--out", out, "--maxzoom", "14")
	b, err := os.ReadFile(out)
	if code != 0 || err != nil || len(b) < 127 || string(b[:7]) != "PMTiles" || b[7] != 3 || b[101] != 14 || !strings.Contains(errs, "tiles, zoom 0–14") {
		t.Fatalf("export: %d %v %q", code, err, errs)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"export", "--format", "mbtiles", "--out", out + "2"}, "only pmtiles"},
		{[]string{"export"}, "--out FILE is required"},
		{[]string{"export", "--out", out + "2", "--maxzoom", "30"}, "maxzoom"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: %d %q", c.args, code, errs)
		}
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("a refused export left a file")
	}
}
