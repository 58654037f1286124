package coverage

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// testTowns loads the demo town, Chengdu and Monaco (the real extracts are
// required: storetest.SharedData fails without them).
func testTowns(t *testing.T) map[string][]*geo.Feature {
	t.Helper()
	out := map[string][]*geo.Feature{}
	var demo []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(b []*geo.Feature) error { demo = append(demo, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	out["demo"] = demo
	for _, name := range []string{"chengdu", "monaco"} {
		fs, _, err := osm.ReadFile(context.Background(), storetest.SharedData(t, name+".osm.pbf"), osm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = fs
	}
	return out
}

// splitParcels cuts every parcel with residents into the four quarters of
// its bounding box, residents by area (whole residents, the total kept).
func splitParcels(t *testing.T, feats []*geo.Feature) []*geo.Feature {
	t.Helper()
	var out []*geo.Feature
	for _, f := range feats {
		pop, _ := f.Props["population"].(int64)
		if f.Layer != geo.Parcels || pop <= 0 {
			c := *f // a new feature for a new store
			c.ID = 0
			out = append(out, &c)
			continue
		}
		b := f.Geom.Bound()
		c := b.Center()
		var parts []orb.Geometry
		var areas []float64
		total := 0.0
		for _, q := range []orb.Bound{{Min: b.Min, Max: c}, {Min: orb.Point{c[0], b.Min[1]}, Max: orb.Point{b.Max[0], c[1]}}, {Min: orb.Point{b.Min[0], c[1]}, Max: orb.Point{c[0], b.Max[1]}}, {Min: c, Max: b.Max}} {
			g := clip.Geometry(q, orb.Clone(f.Geom)) // clip changes its input
			if g == nil {
				continue
			}
			if a := geo.Area(g); a > 0 {
				parts, areas = append(parts, g), append(areas, a)
				total += a
			}
		}
		cum, given := 0.0, int64(0)
		for i, g := range parts {
			cum += float64(pop) * areas[i] / total
			p := int64(math.Round(cum)) - given
			given += p
			props := map[string]any{}
			for k, v := range f.Props {
				props[k] = v
			}
			props["population"] = p
			nf := &geo.Feature{Layer: f.Layer, Source: f.Source, SourceID: fmt.Sprintf("%s/%d", f.SourceID, i), Geom: g, Props: props}
			if err := geo.Prepare(nf); err != nil {
				t.Fatal(err)
			}
			out = append(out, nf)
		}
	}
	return out
}

// TestSplitInvariance: splitting every residential parcel into four,
// residents by area, moves no city-wide walk_access share (by the audit's
// mode or in a straight line) nor the radius rule's share of residential
// land by more than 1 percentage point — on the demo
// town, Chengdu and Monaco, walking and straight.
func TestSplitInvariance(t *testing.T) {
	ctx := context.Background()
	for name, feats := range testTowns(t) {
		split := snapshotOf(t, splitParcels(t, feats))
		whole := snapshotOf(t, feats)
		for _, mode := range []string{Walk, Straight} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				a, err := Run(ctx, whole, Default(), Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				b, err := Run(ctx, split, Default(), Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Parcels) <= len(a.Parcels) {
					t.Fatalf("split: %d parcels, whole %d", len(b.Parcels), len(a.Parcels))
				}
				for i, r := range a.Results {
					if r.Rule.Type == RadiusCoverage {
						// By area: splitting a parcel changes no land.
						x, y := r.Units[0], b.Results[i].Units[0]
						t.Logf("%s: %.2f%% whole, %.2f%% split", r.Rule.ID, 100*x.Value, 100*y.Value)
						if x.Land == 0 || math.Abs(x.Value-y.Value) > 0.01 {
							t.Errorf("%s: %.2f%% of %.0f m² whole, %.2f%% of %.0f m² split: more than 1 point apart", r.Rule.ID, 100*x.Value, x.Land, 100*y.Value, y.Land)
						}
						continue
					}
					if r.Rule.Type != WalkAccess {
						continue
					}
					x, y := r.Units[0], b.Results[i].Units[0]
					if x.Residents != y.Residents {
						t.Errorf("%s: %d residents whole, %d split", r.Rule.ID, x.Residents, y.Residents)
					}
					t.Logf("%s: %.2f%% whole, %.2f%% split (straight line %.2f%%, %.2f%%)", r.Rule.ID, 100*x.Value, 100*y.Value, 100*x.Straight, 100*y.Straight)
					if math.Abs(x.Value-y.Value) > 0.01 || math.Abs(x.Straight-y.Straight) > 0.01 {
						t.Errorf("%s: %.2f%% whole, %.2f%% split (straight line %.2f%%, %.2f%%): more than 1 point apart",
							r.Rule.ID, 100*x.Value, 100*y.Value, 100*x.Straight, 100*y.Straight)
					}
				}
			})
		}
	}
}

// TestGridPoints: hand-worked grids — a 98 m square has the centres of
// its four quarters; a 196 m square with a 98 m hole 12 of 16; a
// 10 m square and a thin ring whose box centre is in its hole one point
// inside; a 100 km square no more than maxParcelCells.
func TestGridPoints(t *testing.T) {
	near := func(p, q orb.Point) bool { return geo.Distance(p, q) < 0.5 }
	pts, _ := gridPoints(nil, nil, rect(0, 0, 98, 98), PointSpacing)
	want := []orb.Point{m(24.5, 24.5), m(73.5, 24.5), m(24.5, 73.5), m(73.5, 73.5)}
	if len(pts) != 4 {
		t.Fatalf("98 m square: %d points", len(pts))
	}
	for i, w := range want {
		if !near(pts[i], w) {
			t.Errorf("98 m square point %d at %v, want %v", i, pts[i], w)
		}
	}
	holed := orb.Polygon{rect(0, 0, 196, 196)[0], rect(49, 49, 147, 147)[0]}
	pts, _ = gridPoints(nil, nil, holed, PointSpacing)
	if len(pts) != 12 {
		t.Errorf("square with a hole: %d points, want 12", len(pts))
	}
	for _, p := range pts {
		if !geo.Contains(holed, p) {
			t.Errorf("point %v outside the holed square", p)
		}
	}
	ring := orb.Polygon{rect(0, 0, 40, 40)[0], rect(2, 2, 38, 38)[0]}
	a := &Audit{Parcels: []*Parcel{
		{ID: 1, Geom: rect(0, 0, 10, 10), Point: m(5, 5), Population: 10},
		{ID: 2, Geom: ring, Point: m(1, 20), Population: 10},
		{ID: 3, Geom: rect(0, 0, 100, 100), Point: m(50, 50)}, // no residents: its inside point
	}}
	if err := a.residentPoints(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range a.Parcels {
		if p.count != 1 || !near(a.Points(p)[0], p.Point) {
			t.Errorf("parcel %d: %d points %v, want its inside point %v", p.ID, p.count, a.Points(p), p.Point)
		}
	}
	huge := square(origin, 100000)
	pts, _ = gridPoints(nil, nil, huge, PointSpacing)
	if len(pts) > maxParcelCells || len(pts) < maxParcelCells/2 {
		t.Errorf("100 km square: %d points, want at most %d (and most of them)", len(pts), maxParcelCells)
	}
}

// TestLocalDistance: within 5 mm of the geodesic up to 2 km, in Chengdu,
// Monaco and near the pole.
func TestLocalDistance(t *testing.T) {
	for _, c := range []orb.Point{{104.06, 30.66}, {7.42, 43.73}, {20, 70}} {
		for _, d := range [][2]float64{{0.001, 0}, {0, 0.003}, {0.01, 0.01}, {-0.015, 0.012}} {
			q := orb.Point{c[0] + d[0], c[1] + d[1]}
			if g, l := geo.Distance(c, q), localDistance(c, q); math.Abs(g-l) > 0.005 {
				t.Errorf("%v to %v: geodesic %.4f m, local %.4f m", c, q, g, l)
			}
		}
	}
}

// TestResidentsPerTargetCounts: each unit's count of collection points, by
// areas and by grid cells, is that of the targets whose first point it
// holds, counted unit by unit (unitHolds, the count as it was made before
// the targets were placed in their units once).
func TestResidentsPerTargetCounts(t *testing.T) {
	ctx := context.Background()
	for _, areas := range []bool{true, false} {
		var fs []*geo.Feature
		if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(b []*geo.Feature) error {
			for _, f := range b {
				if areas || f.Layer != geo.Areas {
					fs = append(fs, f)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		snap := snapshotOf(t, fs)
		rs := Default()
		a, err := Run(ctx, snap, rs, Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range a.Results {
			if res.Rule.Type != ResidentsPerTarget {
				continue
			}
			ts := targets(snap, &res.Rule.Target)
			seen := 0
			for _, ur := range res.Units {
				n := 0
				for _, f := range ts {
					if a.unitHolds(ur.Unit, firstPoint(f.Geom)) {
						n++
					}
				}
				if ur.Unit.Level != "city" && n > 0 {
					seen++
				}
				if ur.Denominator != float64(n) {
					t.Errorf("areas %v: %s %s counts %v targets, want %d", areas, ur.Unit.Level, ur.Unit.Name, ur.Denominator, n)
				}
			}
			if seen < 2 || len(ts) == 0 {
				t.Errorf("areas %v: %d targets in %d units: the test tests nothing", areas, len(ts), seen)
			}
		}
	}
}
