package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/open"
)

// TestDemoUnitsAndCases: demo writes the town's units and a month of
// cases; units import adds and replaces from a CSV, all or nothing.
func TestDemoUnitsAndCases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	if code, _, errs := runCLI(t, ctx, "--db", db, "demo", "--size", "small", "--month-end", "2026-12-01T00:00:00+08:00"); code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	list := func() []store.Unit {
		t.Helper()
		code, out, errs := runCLI(t, ctx, "--db", db, "units", "list", "--json")
		if code != 0 {
			t.Fatalf("units list: %d %s", code, errs)
		}
		var us []store.Unit
		if err := json.Unmarshal([]byte(out), &us); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return us
	}
	want, _ := demotown.Units(demotown.Options{Seed: 1, Size: "small"})
	got := list()
	if len(got) != len(want) || got[0].ID != "U01" || got[0].Name != want[0].Name || got[0].Kind != want[0].Kind {
		t.Fatalf("units after demo: %+v, want %d like %+v", got, len(want), want[0])
	}
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := st.ListCases(ctx, store.CaseFilter{})
	st.Close()
	if err != nil || len(cs) < 100 {
		t.Fatalf("cases after demo: %d %v", len(cs), err)
	}

	csv := filepath.Join(dir, "units.csv")
	os.WriteFile(csv, []byte("\ufeffid,name,kind,phone,person\nU01,新绿养护公司,养护单位,028-1111,王工\nP1,安居物业,物业,,\n"), 0o644)
	if code, _, errs := runCLI(t, ctx, "--db", db, "units", "import", csv); code != 0 {
		t.Fatalf("units import: %d %s", code, errs)
	}
	after := list()
	if len(after) != len(want)+1 || after[0].ID != "P1" || after[0].Kind != store.UnitProperty || after[1].Name != "新绿养护公司" || after[1].Phone != "028-1111" {
		t.Fatalf("units after import: %+v", after[:2])
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,name,kind\nU02,好的,物业\nU03,坏的,公司\n"), 0o644)
	if code, _, errs := runCLI(t, ctx, "--db", db, "units", "import", bad); code != 1 || !strings.Contains(errs, "bad.csv line 3") {
		t.Errorf("bad kind: %d %q", code, errs)
	}
	if again := list(); !reflect.DeepEqual(again, after) {
		t.Errorf("a refused file changed the units")
	}
}
