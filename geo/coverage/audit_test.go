package coverage

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The fixture town is laid out in metres east (x) and north (y) of a point
// in Chengdu.
var origin = orb.Point{104.06, 30.66}

func m(x, y float64) orb.Point {
	const ky = 110852.0
	kx := 111319.49 * math.Cos(origin[1]*math.Pi/180) * 1.0009
	return orb.Point{origin[0] + x/kx, origin[1] + y/ky}
}

func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{m(x0, y0), m(x1, y0), m(x1, y1), m(x0, y1), m(x0, y0)}}
}

func fixtureTown(t *testing.T) *index.Snapshot {
	t.Helper()
	n := 0
	feat := func(layer string, g orb.Geometry, props map[string]any) *geo.Feature {
		n++
		return &geo.Feature{Layer: layer, Source: "fixture", SourceID: string(rune('a' + n)), Geom: g, Props: props}
	}
	street := func(a, b orb.Point, c orb.Point) *geo.Feature {
		return feat(geo.Roads, orb.LineString{a, b, c}, map[string]any{"class": "residential", "walkable": true})
	}
	parcel := func(name string, x0, y0, x1, y1 float64, pop int64) *geo.Feature {
		return feat(geo.Parcels, rect(x0, y0, x1, y1), map[string]any{"name": name, "kind": "compound", "population": pop, "pop_source": "given"})
	}
	green := func(name, kind string, public bool, p orb.Polygon) *geo.Feature {
		return feat(geo.Green, p, map[string]any{"name": name, "kind": kind, "public": public})
	}
	fs := []*geo.Feature{
		feat(geo.Areas, rect(0, 0, 2000, 1000), map[string]any{"name": "D", "level": "district"}),
		feat(geo.Areas, rect(0, 0, 1000, 1000), map[string]any{"name": "C1", "level": "community"}),
		feat(geo.Areas, rect(1000, 0, 2000, 1000), map[string]any{"name": "C2", "level": "community"}),
		street(m(0, 500), m(500, 500), m(1000, 500)),
		street(m(1000, 500), m(1500, 500), m(2000, 500)),
		street(m(500, 0), m(500, 500), m(500, 1000)),
		street(m(1500, 0), m(1500, 500), m(1500, 1000)),
		// The ring road, not walkable, with belts: north side broken for
		// 120 m (x 900–1020), south side whole.
		feat(geo.Roads, orb.LineString{m(0, 950), m(2000, 950)}, map[string]any{"class": "trunk", "ring": true, "walkable": false}),
		green("north belt W", "belt", false, rect(0, 960, 900, 990)),
		green("north belt E", "belt", false, rect(1020, 960, 2000, 990)),
		green("south belt", "belt", false, rect(0, 900, 2000, 940)),
		parcel("P1", 400, 550, 480, 620, 1000),
		parcel("P2", 100, 100, 180, 180, 500),
		parcel("P3", 1520, 550, 1600, 620, 800),
		parcel("P4", 1900, 100, 1980, 180, 700),
		green("A", "park", true, rect(510, 510, 610, 610)),
		green("B", "lawn", true, rect(1520, 420, 1550, 440)),
		feat(geo.Waste, m(490, 600), map[string]any{"kind": "collection_point"}),
	}
	ctx := context.Background()
	st := memstore.New()
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

func find(t *testing.T, a *Audit, rule, unit string) *UnitResult {
	t.Helper()
	for _, r := range a.Results {
		if r.Rule.ID != rule {
			continue
		}
		for _, u := range r.Units {
			if u.Unit.Name == unit {
				return u
			}
		}
	}
	t.Fatalf("no result for %s / %s", rule, unit)
	return nil
}

// TestAuditFixture: every default rule on a town whose answers were worked
// out by hand (see the comments).
func TestAuditFixture(t *testing.T) {
	snap := fixtureTown(t)
	a, err := Run(context.Background(), snap, Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	area := func(p orb.Polygon) float64 { return geo.Area(p) }
	c1, c2 := area(rect(0, 0, 1000, 1000)), area(rect(1000, 0, 2000, 1000))
	parcelLand := area(rect(400, 550, 480, 620)) + area(rect(100, 100, 180, 180)) + area(rect(1520, 550, 1600, 620)) + area(rect(1900, 100, 1980, 180))
	tests := []struct {
		rule, unit string
		value      float64
		pass       bool
	}{
		// Each 80×70 m parcel has four resident points, 20 m in from its
		// sides east–west and 17.5 m north–south, with a quarter of its
		// residents each. Park A (10,000 m²) is 10 m from both streets, so
		// a street point is within 20 m of A from √(20² − 10²) = 17.32 m
		// short of A's side onwards, and each point of a stretch is charged
		// its own gap (20 m at its end). P1's farthest point (420, 567.5) is
		// 67.5 m from the y=500 street, then walks east to x = 510 − 17.32
		// (72.68 m) and 20 m across: 160.18 (the crossing x=500 would be
		// 80 + 14.14). P2's farthest point (120, 120) walks 380 m to a
		// street, 510 − 17.32 − 120 = 372.68 m along it, and 20 across:
		// 772.68. P3 and P4 are over 1 km away.
		{"park-500m-walk", "city", 1000.0 / 3000, false},
		{"park-500m-walk", "C1", 1000.0 / 1500, false},
		{"park-500m-walk", "C2", 0, false},
		// Lawn B (600 m²) is 20 m from the x=1500 street: P3 walks 60 +
		// 145 + 20 = 225 m. P4 would need 880 m.
		{"green-300m-walk", "city", 1800.0 / 3000, false},
		{"green-300m-walk", "C2", 800.0 / 1500, false},
		// The collection point (490, 600) is 10 m from the x=500 street.
		// P1's points (460, 567.5), (420, 602.5) and (460, 602.5) join that
		// street 40, 80 and 40 m away, 32.5, 2.5 and 2.5 m from the point's
		// access: 82.5, 92.5 and 52.5 m. Its fourth, (420, 567.5), is nearer
		// the y=500 street (67.5 m), 80 + 100 m from the point: 257.5 m. So
		// three quarters of P1's residents are covered.
		{"collection-point-120m", "city", 750.0 / 3000, false},
		// Radius 500 m round A covers all of P1's land and a corner of P2's
		// (P2's centre is 523 m from A's corner, its own corner 467 m). The
		// buffer rounds A's corner (510, 510) with 8 segments a quarter, so
		// a vertex lies on the diagonal at 353.55 m west and south of it,
		// the next at 11.25° off it (415.74, 277.79): their chord meets
		// P2's edges x = 180 and y = 180 at 372.88 m from the corner. P2's
		// part inside is the kite (180, 180), (180, 137.12), (156.45,
		// 156.45), (137.12, 180): 42.88 × 23.55 = 1010 m².
		{"park-radius-gbt50563", "city", (area(rect(400, 550, 480, 620)) + area(orb.Polygon{{m(180, 180), m(180, 137.117), m(156.447, 156.447), m(137.117, 180), m(180, 180)}})) / parcelLand, false},
		// Green inside each community: belts, park A, lawn B.
		{"community-green-30", "C1", (area(rect(0, 960, 900, 990)) + area(rect(0, 900, 1000, 940)) + area(rect(510, 510, 610, 610))) / c1, false},
		{"community-green-30", "C2", (area(rect(1020, 960, 2000, 990)) + area(rect(1000, 900, 2000, 940)) + area(rect(1520, 420, 1550, 440))) / c2, false},
		// Park A only (a park, public) per resident of the district.
		{"park-per-capita-8", "D", area(rect(510, 510, 610, 610)) / 3000, false},
		{"residents-per-collection-point", "C1", 1500, false},
		{"residents-per-collection-point", "C2", math.Inf(1), false},
		// North side 1880 m of 2000 covered, south 2000: 0.97, but the
		// 120 m break fails the rule.
		{"ring-road-belts", "city", 3880.0 / 4000, false},
	}
	for _, tc := range tests {
		t.Run(tc.rule+"/"+tc.unit, func(t *testing.T) {
			u := find(t, a, tc.rule, tc.unit)
			if math.IsInf(tc.value, 1) != math.IsInf(u.Value, 1) || (!math.IsInf(tc.value, 1) && math.Abs(u.Value-tc.value) > 1e-3*math.Max(1, tc.value)) {
				t.Errorf("value %.6g, want %.6g", u.Value, tc.value)
			}
			if u.Pass != tc.pass {
				t.Errorf("pass %v, want %v", u.Pass, tc.pass)
			}
		})
	}
	gaps := find(t, a, "ring-road-belts", "city").Gaps
	if len(gaps) != 1 || gaps[0].Side != "left" || math.Abs(gaps[0].Length-120) > CorridorStep {
		t.Errorf("gaps %+v, want one 120 m gap on the left (north)", gaps)
	}
	if l := geo.Length(gaps[0].Geom); math.Abs(l-120) > CorridorStep {
		t.Errorf("gap geometry %.1f m long", l)
	}
	// Walking distances per parcel, as worked out above.
	for _, r := range a.Results {
		if r.Rule.ID == "park-500m-walk" {
			want := map[string]float64{"P1": 67.5 + 510 - math.Sqrt(300) - 420 + 20, "P2": 380 + 510 - math.Sqrt(300) - 120 + 20}
			for _, p := range a.Parcels {
				if w, ok := want[p.Name]; ok && math.Abs(r.Distance[p.ID]-w) > 1 {
					t.Errorf("%s walks %.1f m, want %.0f", p.Name, r.Distance[p.ID], w)
				}
			}
		}
	}
}

func TestParseRules(t *testing.T) {
	if len(Default().Rules) != 8 {
		t.Fatalf("default rules: %d", len(Default().Rules))
	}
	bad := []struct{ name, yaml string }{
		{"unknown field", "rules:\n  - {id: a, type: walk_access, target: {layer: green}, meters: 500, pass: 0.8, colour: red}\n"},
		{"unknown type", "rules:\n  - {id: a, type: magic, target: {layer: green}}\n"},
		{"no meters", "rules:\n  - {id: a, type: walk_access, target: {layer: green}, pass: 0.8}\n"},
		{"pass above 1", "rules:\n  - {id: a, type: walk_access, target: {layer: green}, meters: 500, pass: 80}\n"},
		{"bad layer", "rules:\n  - {id: a, type: walk_access, target: {layer: lakes}, meters: 500, pass: 0.8}\n"},
		{"twice", "rules:\n  - {id: a, type: area_ratio, target: {layer: green}, min: 0.3}\n  - {id: a, type: area_ratio, target: {layer: green}, min: 0.3}\n"},
		{"empty", "rules: []\n"},
		{"not yaml", "rules: [\n"},
	}
	for _, tc := range bad {
		if _, err := Parse("test.yaml", []byte(tc.yaml)); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestReportFormats: every format writes, and each says what the audit
// found: the JSON round-trips the figures, the CSV has a row per rule and
// unit, the GeoJSON holds the failing parcels and the gap, the HTML the map
// and a table per rule.
func TestReportFormats(t *testing.T) {
	a, err := Run(context.Background(), fixtureTown(t), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range Formats {
		var b strings.Builder
		if err := a.Write(&b, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b.String()
	}
	if err := a.Write(io.Discard, "pdf"); err == nil {
		t.Error("pdf: no error")
	}
	var rj ReportJSON
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
	c3 := &geo.Feature{ID: 9999, Layer: geo.Areas, Source: "fixture", SourceID: "c3", Geom: rect(2000, 0, 3000, 1000), Props: map[string]any{"name": "C3", "level": "community"}}
	if err := geo.Prepare(c3); err != nil {
		t.Fatal(err)
	}
	a, err := Run(context.Background(), fixtureTown(t).With([]*geo.Feature{c3}, nil), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status string
		pass   bool
	}{"C2": {StatusNoTarget, false}, "C3": {StatusNA, true}, "C1": {StatusOK, false}}
	var rj ReportJSON
	var b strings.Builder
	if err := a.Write(&b, "json"); err != nil {
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
			if u.Status != w.status || u.Pass != w.pass || (u.Value == nil) != (w.status != StatusOK) {
				t.Errorf("json %s: status %q pass %v value %v, want %q %v", u.Unit, u.Status, u.Pass, u.Value, w.status, w.pass)
			}
		}
	}
	if seen != 3 {
		t.Errorf("json: %d of 3 units", seen)
	}
	b.Reset()
	if err := a.Write(&b, "csv"); err != nil {
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
			if row[col["status"]] != w.status || (row[col["value"]] == "") != (w.status != StatusOK) {
				t.Errorf("csv %s: status %q value %q, want %q", row[col["unit"]], row[col["status"]], row[col["value"]], w.status)
			}
		}
	}
	if seen != 3 {
		t.Errorf("csv: %d of 3 units", seen)
	}
	b.Reset()
	if err := a.Write(&b, "html"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"∞ (no target)", `data-status="no_target"`, `data-status="not_applicable"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("html lacks %s", s)
		}
	}
}
