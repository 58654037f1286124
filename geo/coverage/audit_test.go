package coverage

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage/coveragetest"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// The fixture town is laid out in metres east (x) and north (y) of a point
// in Chengdu.
var origin = coveragetest.Origin

func m(x, y float64) orb.Point { return coveragetest.M(x, y) }

func rect(x0, y0, x1, y1 float64) orb.Polygon { return coveragetest.Rect(x0, y0, x1, y1) }

func fixtureTown(t *testing.T) *index.Snapshot { return snapshotOf(t, coveragetest.Town()) }

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
				if w, ok := want[a.ParcelName(p)]; ok && math.Abs(r.Distance.Of(p.ID)-w) > 1 {
					t.Errorf("%s walks %.1f m, want %.0f", a.ParcelName(p), r.Distance.Of(p.ID), w)
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
