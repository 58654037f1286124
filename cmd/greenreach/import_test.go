package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/importer"
)

// osmData returns ../shared/data/name relative to the repository root,
// skipping the test when it is absent (failing when $CI is set).
func osmData(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v", p, err)
		}
		t.Skipf("%s not available", p)
	}
	return p
}

func TestImportOSMIntoGeoPackage(t *testing.T) {
	ctx := context.Background()
	xml, pbf := osmData(t, "chengdu.osm"), osmData(t, "chengdu.osm.pbf")
	db := filepath.Join(t.TempDir(), "city.gpkg")
	code, out, errs := runCLI(t, ctx, "--db", db, "import", xml)
	if code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	for _, want := range []string{"layer", "imported", "parcels", "skipped roads:", "leisure=park"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "features") || !strings.Contains(errs, "elapsed") {
		t.Errorf("no progress on stderr: %s", errs)
	}
	// the PBF of the same data replaces every feature: same counts
	code, out, errs = runCLI(t, ctx, "--db", db, "import", "--json", pbf)
	if code != 0 {
		t.Fatalf("import --json: %d %s", code, errs)
	}
	var sums []importer.Summary
	if err := json.Unmarshal([]byte(out), &sums); err != nil || len(sums) != 1 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	for layer, l := range sums[0].Layers {
		if l.Replaced != l.Imported || l.Deleted != 0 {
			t.Errorf("%s: %+v", layer, l)
		}
	}
	if sums[0].Layers["parcels"].Imported < 900 {
		t.Errorf("parcels %+v", sums[0].Layers["parcels"])
	}
	_, before, _ := runCLI(t, ctx, "--db", db, "layers", "--json")

	// failures leave the store as it was
	trunc := filepath.Join(t.TempDir(), "cut.osm.pbf")
	b, _ := os.ReadFile(pbf)
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	badMap := filepath.Join(t.TempDir(), "map.yaml")
	os.WriteFile(badMap, []byte("green:\n  - leisure=park\nlawns:\n  - landuse=grass\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", trunc}, 1, trunc + ": file is truncated"},
		{[]string{"import", "parks.geojson"}, 1, "parks.geojson: unsupported format (supported: .osm, .osm.pbf"},
		{[]string{"import", "--map", badMap, xml}, 1, badMap + ": line 3: unknown layer"},
		{[]string{"import"}, 2, "no FILE"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if _, after, _ := runCLI(t, ctx, "--db", db, "layers", "--json"); after != before {
		t.Errorf("store changed by failed imports:\n%s\n%s", after, before)
	}
}
