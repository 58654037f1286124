package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/coveragetest"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb/geojson"
)

// town is the audit's fixture town, stored and indexed.
func town(t *testing.T) *index.Snapshot {
	t.Helper()
	return snapshotOf(t, coveragetest.Town())
}

func snapshotOf(t *testing.T, feats []*geo.Feature) *index.Snapshot {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, feats) }); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

// TestReportFormats: every format writes, and each says what the audit
// found: the JSON round-trips the figures, the CSV has a row per rule and
// unit, the GeoJSON holds the failing parcels and the gap, the HTML the map
// and a table per rule. It reads the English report (Chinese is the
// default: TestReportChinese).
func TestReportFormats(t *testing.T) {
	a, err := coverage.Run(context.Background(), town(t), coverage.Default(), coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range Formats {
		var b strings.Builder
		if err := Write(&b, a, f, Options{Lang: i18n.EN, NoBOM: true}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b.String()
	}
	if err := Write(io.Discard, a, "pdf", Options{}); err == nil {
		t.Error("pdf: no error")
	}
	var rj JSON
	if err := json.Unmarshal([]byte(out["json"]), &rj); err != nil || len(rj.Results) != 8 || rj.Residents != 3000 {
		t.Fatalf("json: %v %+v", err, rj)
	}
	if v := rj.Results[0].Units[0].Value; v == nil || math.Abs(*v-1.0/3) > 1e-6 {
		t.Errorf("json park-500m-walk city value %v", v)
	}
	rows, err := csv.NewReader(strings.NewReader(out["csv"])).ReadAll()
	n := 0
	for _, r := range a.Results {
		n += len(r.Units)
	}
	if err != nil || len(rows) != n+1 {
		t.Errorf("csv: %d rows, want %d: %v", len(rows), n+1, err)
	}
	fc, err := geojson.UnmarshalFeatureCollection([]byte(out["geojson"]))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[f.Properties.MustString("kind", "")]++
		// A failing parcel is named as the data names it (P1 to P4).
		if name := f.Properties.MustString("name", ""); f.Properties.MustString("kind", "") == "failing_parcel" && (len(name) != 2 || name[0] != 'P') {
			t.Errorf("failing parcel %v named %q", f.ID, name)
		}
	}
	if !strings.Contains(out["html"], "<title>P3</title>") {
		t.Error("html: the map does not title parcel P3")
	}
	if kinds["unit"] != 3 || kinds["gap"] != 1 || kinds["failing_parcel"] == 0 {
		t.Errorf("geojson kinds %v", kinds)
	}
	for _, want := range []string{"<svg", "ring-road-belts", "park-500m-walk", "FAIL", "green corridor gap"} {
		if !strings.Contains(out["html"], want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Contains(out["html"], "http://") && !strings.Contains(out["html"], `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("html refers to another site")
	}
	if !strings.Contains(out["table"], "park-500m-walk") || !strings.Contains(out["table"], "33.3%") {
		t.Errorf("table:\n%s", out["table"])
	}
}

// TestNullStatus: a unit with residents but no collection point and one
// without residents both have no value, but JSON, CSV and HTML tell them
// apart: "no_target" (infinite, fails) and "not_applicable" (passes).
func TestNullStatus(t *testing.T) {
	c3 := &geo.Feature{ID: 9999, Layer: geo.Areas, Source: "fixture", SourceID: "c3", Geom: coveragetest.Rect(2000, 0, 3000, 1000), Props: map[string]any{"name": "C3", "level": "community"}}
	if err := geo.Prepare(c3); err != nil {
		t.Fatal(err)
	}
	a, err := coverage.Run(context.Background(), town(t).With([]*geo.Feature{c3}, nil), coverage.Default(), coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status string
		pass   bool
	}{"C2": {coverage.StatusNoTarget, false}, "C3": {coverage.StatusNA, true}, "C1": {coverage.StatusOK, false}}
	var rj JSON
	var b strings.Builder
	en := Options{Lang: i18n.EN, NoBOM: true} // the English column names and words
	if err := Write(&b, a, "json", en); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.String()), &rj); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rj.Results {
		if r.ID != "residents-per-collection-point" {
			continue
		}
		for _, u := range r.Units {
			w, ok := want[u.Unit]
			if !ok {
				continue
			}
			seen++
			if u.Status != w.status || u.Pass != w.pass || (u.Value == nil) != (w.status != coverage.StatusOK) {
				t.Errorf("json %s: status %q pass %v value %v, want %q %v", u.Unit, u.Status, u.Pass, u.Value, w.status, w.pass)
			}
		}
	}
	if seen != 3 {
		t.Errorf("json: %d of 3 units", seen)
	}
	b.Reset()
	if err := Write(&b, a, "csv", en); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	seen = 0
	for _, row := range rows[1:] {
		if w, ok := want[row[col["unit"]]]; ok && row[col["rule"]] == "residents-per-collection-point" {
			seen++
			if row[col["status"]] != w.status || (row[col["value"]] == "") != (w.status != coverage.StatusOK) {
				t.Errorf("csv %s: status %q value %q, want %q", row[col["unit"]], row[col["status"]], row[col["value"]], w.status)
			}
		}
	}
	if seen != 3 {
		t.Errorf("csv: %d of 3 units", seen)
	}
	b.Reset()
	if err := Write(&b, a, "html", en); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"∞ (no target)", `data-status="no_target"`, `data-status="not_applicable"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("html lacks %s", s)
		}
	}
}

// TestGridUnitsReport: Chengdu's extract has no complete administrative
// boundary, so the audit reports on 1 km² grid cells, and every report says
// the units are grid cells.
func TestGridUnitsReport(t *testing.T) {
	ctx := context.Background()
	feats, _, err := osm.ReadFile(ctx, storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := coverage.Run(ctx, snapshotOf(t, feats), coverage.Default(), coverage.Options{Mode: coverage.Straight})
	if err != nil {
		t.Fatal(err)
	}
	if a.GridSize != 1000 || len(a.Units) < 2 {
		t.Fatalf("grid size %d, %d units: want 1000 m cells", a.GridSize, len(a.Units))
	}

	// The reports say so.
	j := NewJSON(a, i18n.EN)
	if j.Units != coverage.Grid || j.GridSize != 1000 || !strings.Contains(j.UnitsNote, "grid cells of 1000 × 1000 m") {
		t.Errorf("JSON units %q, grid %d, note %q", j.Units, j.GridSize, j.UnitsNote)
	}
	for _, format := range []string{"csv", "html", "table"} {
		var b bytes.Buffer
		if err := Write(&b, a, format, Options{Lang: i18n.EN}); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"csv": ",grid,", "html": "grid cells of 1000", "table": "units: grid cells"}[format]
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s report lacks %q", format, want)
		}
	}
}
