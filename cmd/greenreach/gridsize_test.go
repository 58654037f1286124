package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store/storetest"
)

// TestAuditGridSize: Chengdu imported has no administrative areas, so
// `audit` reports on grid cells of --grid-size metres (or the rules'
// grid_size_m), says so in its JSON, and refuses a size out of bounds
// naming the limit.
func TestAuditGridSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "chengdu.gpkg")
	if code, _, errs := runCLI(t, ctx, "--db", db, "import", storetest.SharedData(t, "chengdu.osm.pbf")); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	audit := func(args ...string) map[string]any {
		t.Helper()
		code, out, errs := runCLI(t, ctx, append([]string{"--db", db, "audit", "--mode", "straight", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("audit %v: %d %s", args, code, errs)
		}
		var j map[string]any
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatal(err)
		}
		return j
	}
	firstCell := func(j map[string]any) string {
		units := j["results"].([]any)[0].(map[string]any)["units"].([]any)
		if len(units) < 2 {
			t.Fatalf("%d units", len(units))
		}
		u := units[1].(map[string]any)
		if u["level"] != "grid" {
			t.Errorf("unit level %v, want grid", u["level"])
		}
		return u["unit"].(string)
	}
	j := audit()
	if j["units"] != "grid" || j["grid_size_m"] != 1000.0 || !strings.HasPrefix(firstCell(j), "G1000-N") {
		t.Errorf("default: units %v, size %v", j["units"], j["grid_size_m"])
	}
	j = audit("--grid-size", "2000")
	if j["grid_size_m"] != 2000.0 || !strings.HasPrefix(firstCell(j), "G2000-N") {
		t.Errorf("--grid-size 2000: size %v", j["grid_size_m"])
	}
	rules := filepath.Join(dir, "rules.yaml")
	_, rs, _ := runCLI(t, ctx, "audit", "--print-rules")
	if err := os.WriteFile(rules, []byte("grid_size_m: 500\n"+rs), 0o644); err != nil {
		t.Fatal(err)
	}
	if j = audit("--rules", rules); j["grid_size_m"] != 500.0 || !strings.HasPrefix(firstCell(j), "G500-N") {
		t.Errorf("grid_size_m 500: size %v", j["grid_size_m"])
	}
	code, _, errs := runCLI(t, ctx, "--db", db, "audit", "--grid-size", "50")
	if code != 2 || !strings.Contains(errs, "--grid-size: grid cell size 50 m: want 100–100000 m") {
		t.Errorf("--grid-size 50: %d %q", code, errs)
	}
}
