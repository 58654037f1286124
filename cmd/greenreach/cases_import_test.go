package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/open"
	"github.com/paulmach/orb"
)

// TestCasesImport: cases import stores a 12345 export's rows, a second
// run adds nothing, --dry-run stores nothing, and a bad export is refused
// whole with its bad rows listed on stderr and one line naming the file.
func TestCasesImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sq := func(x, y, d float64) orb.Polygon {
		return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
	}
	f := func(layer, name string, g orb.Geometry) *geo.Feature {
		return &geo.Feature{Layer: layer, Source: "test", SourceID: name, Geom: g, Props: map[string]any{"name": name}}
	}
	_, err = st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{
			f(geo.Areas, "锦江区", sq(104.0, 30.55, 0.2)),
			f(geo.Green, "东湖公园", sq(104.10, 30.62, 0.01)),
			f(geo.Roads, "人民南路", orb.LineString{{104.065, 30.61}, {104.065, 30.62}, {104.065, 30.63}}),
			f(geo.Waste, "玉林公厕", orb.Point{104.05, 30.633}),
		})
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		st, err := open.Store(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		cs, err := st.ListCases(ctx, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	fixture := func(name string) string { return filepath.Join("..", "..", "cases", "hotline", "testdata", name) }

	code, out, errs := runCLI(t, ctx, "--db", db, "cases", "import", fixture("12345_gb18030.csv"), "--dry-run")
	if code != 0 || !strings.Contains(out, "7 rows can be imported") || count() != 0 {
		t.Fatalf("dry run: %d %q %q, %d cases", code, out, errs, count())
	}
	code, out, errs = runCLI(t, ctx, "--db", db, "cases", "import", fixture("12345_gb18030.csv"))
	if code != 0 || !strings.Contains(out, "7 rows, 7 new cases, 0 imported before") || count() != 7 {
		t.Fatalf("import: %d %q %q, %d cases", code, out, errs, count())
	}
	code, out, errs = runCLI(t, ctx, "--db", db, "cases", "import", fixture("12345_utf8bom.csv"))
	if code != 0 || !strings.Contains(out, "7 rows, 0 new cases, 7 imported before") || count() != 7 {
		t.Fatalf("re-import: %d %q %q, %d cases", code, out, errs, count())
	}
	bad := fixture("12345_bad.csv")
	code, out, errs = runCLI(t, ctx, "--db", db, "cases", "import", bad)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 1 || out != "" || len(lines) != 8 || !strings.HasPrefix(lines[0], bad+":5: 工单编号 GD20260302000101: 地址 ") ||
		!strings.HasPrefix(lines[7], "greenreach cases: "+bad+": 7 rows cannot be imported, nothing imported") || count() != 7 {
		t.Fatalf("bad export: %d %q\n%s\n%d cases", code, out, errs, count())
	}
	junk := filepath.Join(dir, "junk.csv")
	os.WriteFile(junk, []byte("\x00\x01\x02binary"), 0o644)
	code, _, errs = runCLI(t, ctx, "--db", db, "cases", "import", junk)
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, junk+": binary data") {
		t.Errorf("junk: %d %q", code, errs)
	}
}
