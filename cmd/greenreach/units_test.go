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
	"github.com/greenreach/greenreach/geo"
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

// TestImportZones: a GeoJSON of zones goes into the zones layer by name,
// its properties into the zones' fields.
func TestImportZones(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "z.gpkg")
	gj := filepath.Join(dir, "zones.geojson")
	os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"QY-01","name":"宽巷子片区","unit":"U07","street":"少城街道","community":"宽巷子社区"},
 "geometry":{"type":"Polygon","coordinates":[[[104.05,30.66],[104.06,30.66],[104.06,30.67],[104.05,30.67],[104.05,30.66]]]}}]}`), 0o644)
	if code, _, errs := runCLI(t, ctx, "--db", db, "import", "--layer", "zones", gj); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []map[string]any
	st.Scan(ctx, "zones", func(f *geo.Feature) error { got = append(got, f.Props); return nil })
	if len(got) != 1 || got[0]["code"] != "QY-01" || got[0]["unit"] != "U07" || got[0]["street"] != "少城街道" || got[0]["community"] != "宽巷子社区" {
		t.Fatalf("zones: %v", got)
	}
}
