package coverage

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/geodesic"
)

// at is the point x metres east and y north of (104.06, 30.66), placed on
// the ellipsoid (north first, then east), independently of the code under
// test.
func at(x, y float64) orb.Point {
	lat, lon := 30.66, 104.06
	var lat2, lon2 float64
	geodesic.WGS84.Direct(lat, lon, 0, y, &lat2, &lon2, nil)
	var lat3, lon3 float64
	geodesic.WGS84.Direct(lat2, lon2, 90, x, &lat3, &lon3, nil)
	return orb.Point{lon3, lat3}
}

func box(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)}}
}

// radiusFixture is a 1 ha residential compound (100 × 100 m centred on
// the origin) and a public park of 20 ha whose south edge runs straight,
// 2 km long, 480 m north of the compound's centre, plus extra features.
// The origin is a corner of the overlay's grid (RadiusCell divides both
// coordinates), so the compound is cut into four cells.
func radiusFixture(t *testing.T, extra ...*geo.Feature) *Audit {
	t.Helper()
	fs := []*geo.Feature{
		{Layer: geo.Parcels, Source: "fixture", SourceID: "square", Geom: box(-50, -50, 50, 50), Props: map[string]any{"kind": "compound", "population": int64(300), "pop_source": "given"}},
		{Layer: geo.Green, Source: "fixture", SourceID: "park", Geom: box(-1000, 480, 1000, 580), Props: map[string]any{"kind": "park", "public": true}},
	}
	for i, f := range extra {
		f.Source, f.SourceID = "fixture", string(rune('a'+i))
		fs = append(fs, f)
	}
	for _, f := range fs {
		if err := geo.Prepare(f); err != nil {
			t.Fatal(err)
		}
	}
	snap := snapshotOf(t, fs)
	a, err := Run(context.Background(), snap, Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func radiusResult(t *testing.T, a *Audit) *Result {
	t.Helper()
	for _, r := range a.Results {
		if r.Rule.ID == "park-radius-gbt50563" {
			return r
		}
	}
	t.Fatal("no rule park-radius-gbt50563")
	return nil
}

// TestRadiusCoverageCountsLand: the park's 500 m radius (it is over
// 5000 m²) ends in a straight line 500 − 480 = 20 m south of the
// compound's centre, so the compound's land from y = −20 to 50 is inside:
// 70 m of its 100 m depth, 70% — not 100% as when its inside point
// decided for all of it.
func TestRadiusCoverageCountsLand(t *testing.T) {
	a := radiusFixture(t)
	city := radiusResult(t, a).Units[0]
	land := geo.Area(box(-50, -50, 50, 50))
	want := geo.Area(box(-50, -20, 50, 50)) / land // 0.70
	if math.Abs(city.Value-want) > 0.002 || math.Abs(city.Land-land) > 1 {
		t.Errorf("radius coverage %.4f of %.0f m², want %.4f of %.0f m²", city.Value, city.Land, want, land)
	}
	if city.Pass {
		t.Errorf("70%% passes the 80%% rule")
	}
}

// TestRadiusCoverageLandOnce: land is the union of the residential blocks
// and compounds and the buildings housing residents: a building inside the
// compound and a compound overlapping its north half add nothing; a
// building with no residents is not residential land; a residential
// building alone 100 m south adds its 20 × 40 m, outside the radius. So
// 7000 m² of 10,800 are covered. A unit (community) holding the compound's
// land up to y = 10 gets that land only: 100 × 60 m, of which y −20 to 10
// is covered, 50%.
func TestRadiusCoverageLandOnce(t *testing.T) {
	a := radiusFixture(t,
		&geo.Feature{Layer: geo.Parcels, Geom: box(-10, -10, 10, 10), Props: map[string]any{"kind": "building", "population": int64(40)}},
		&geo.Feature{Layer: geo.Parcels, Geom: box(-50, 0, 50, 50), Props: map[string]any{"kind": "compound", "population": int64(100)}},
		&geo.Feature{Layer: geo.Parcels, Geom: box(-50, -300, 50, -200), Props: map[string]any{"kind": "building", "population": int64(0)}},
		&geo.Feature{Layer: geo.Parcels, Geom: box(-10, -120, 10, -80), Props: map[string]any{"kind": "building", "population": int64(60)}},
		&geo.Feature{Layer: geo.Areas, Geom: box(-200, -400, 200, 10), Props: map[string]any{"name": "south", "level": "community"}},
	)
	res := radiusResult(t, a)
	city := res.Units[0]
	land := geo.Area(box(-50, -50, 50, 50)) + geo.Area(box(-10, -120, 10, -80))
	covered := geo.Area(box(-50, -20, 50, 50))
	if math.Abs(city.Land-land) > 1 || math.Abs(city.LandCovered-covered) > 0.002*land {
		t.Errorf("city: %.0f of %.0f m² covered, want %.0f of %.0f", city.LandCovered, city.Land, covered, land)
	}
	var south *UnitResult
	for _, ur := range res.Units {
		if ur.Unit.Name == "south" {
			south = ur
		}
	}
	if south == nil {
		t.Fatal("no unit south")
	}
	uland := geo.Area(box(-50, -50, 50, 10)) + geo.Area(box(-10, -120, 10, -80))
	ucov := geo.Area(box(-50, -20, 50, 10))
	if math.Abs(south.Land-uland) > 1 || math.Abs(south.Value-ucov/uland) > 0.002 {
		t.Errorf("unit south: %.4f of %.0f m², want %.4f of %.0f", south.Value, south.Land, ucov/uland, uland)
	}
}

// TestRadiusWhatIfEqualsFull: a second park added by a what-if, whose
// radius reaches the compound from the south, gives the figures of a full
// audit with it: the cells it reaches are overlaid again, the rest kept.
// The fixture has no areas, so its units are grid cells: the city and the
// cell(s) holding the first compound's newly covered land must gain; a
// cell beyond the new radius (the second compound's) must not change.
func TestRadiusWhatIfEqualsFull(t *testing.T) {
	a := radiusFixture(t, &geo.Feature{Layer: geo.Parcels, Geom: box(1500, -50, 1600, 50), Props: map[string]any{"kind": "compound", "population": int64(10)}})
	add := []*geo.Feature{{Layer: geo.Green, Geom: box(-100, -600, 100, -540), Props: map[string]any{"kind": "park", "public": true}}}
	d, err := a.WhatIf(context.Background(), add)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Run(context.Background(), a.snap.With(add, nil), Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	// The new radius (500 m: the park is 1.2 ha) reaches y = −40 across
	// x = −100 to 100: of the land, only the first compound's strip from
	// y = −50 to −40 is newly inside (points of it every 5 m); none of it
	// beyond 600 m of the park's box, where the second compound lies.
	var newly []orb.Point
	for x := -47.5; x < 50; x += 5 {
		for _, y := range []float64{-47.5, -42.5} {
			newly = append(newly, at(x, y))
		}
	}
	reach := orb.Bound{Min: at(-600, -1100), Max: at(600, -40)}
	for i, rd := range d.Rules {
		if rd.Rule.Type != RadiusCoverage {
			continue
		}
		changed, beyond := 0, 0
		for j, ud := range rd.Units {
			got, want := ud.After, full.Results[i].Units[j]
			if !same(got.Value, want.Value) || !same(got.LandCovered, want.LandCovered) || !same(got.Land, want.Land) {
				t.Errorf("%s: what-if %.6f (%.1f of %.1f m²), full audit %.6f (%.1f of %.1f)", ud.Before.Unit.Name, got.Value, got.LandCovered, got.Land, want.Value, want.LandCovered, want.Land)
			}
			u := ud.Before.Unit
			switch {
			case j == 0 || holdsAny(u.Geom, newly):
				changed++
				if got.Value <= ud.Before.Value {
					t.Errorf("%s: the new park's radius changed nothing (%.4f)", u.Name, got.Value)
				}
			case !u.Geom.Bound().Intersects(reach):
				beyond++
				if !same(got.Value, ud.Before.Value) || !same(got.LandCovered, ud.Before.LandCovered) {
					t.Errorf("%s: beyond the new radius, yet %.6f (%.1f m²) before, %.6f (%.1f m²) after", u.Name, ud.Before.Value, ud.Before.LandCovered, got.Value, got.LandCovered)
				}
			}
		}
		if changed < 2 {
			t.Errorf("%s: %d units hold land the new radius reaches, want the city and a cell", rd.Rule.ID, changed)
		}
		if beyond == 0 {
			t.Errorf("%s: no unit beyond the new radius (the second compound's cell)", rd.Rule.ID)
		}
	}
}

// holdsAny reports whether any of the points lies inside g.
func holdsAny(g orb.Geometry, pts []orb.Point) bool {
	for _, p := range pts {
		if geo.Contains(g, p) {
			return true
		}
	}
	return false
}

// TestRadiusOverlayInvalidLand: a residential quarter of a Chengdu parcel
// (cut as TestSplitInvariance cuts them) whose ring runs back over its
// own west edge, beside two compounds whose bounds chain it to them, made
// GEOS's union throw "unable to assign free hole to a shell" and the audit
// fail. The audit now overlays such a cell again with the land made valid:
// the three are disjoint, so the land is their areas' sum (the spike along
// the west edge has none), all inside the park's 500 m radius.
func TestRadiusOverlayInvalidLand(t *testing.T) {
	const x0 = 104.0734154
	land := []orb.Polygon{
		{{{x0, 30.65865405}, {x0, 30.6583740280888257}, {104.0735397, 30.6583074}, {104.0737144, 30.6585487}, {104.0736195, 30.6585996}, {104.073532, 30.6584787}, {x0, 30.6585412438306655}, {x0, 30.65865405}}},
		{{{104.0734774, 30.6590516}, {104.073577, 30.6589994}, {104.0736504327457652, 30.65910295}, {104.0735138197920548, 30.65910295}, {104.0734774, 30.6590516}}},
		{{{104.07345, 30.6586}, {104.07347, 30.6586}, {104.07347, 30.65902}, {104.07345, 30.65902}, {104.07345, 30.6586}}},
	}
	var fs []*geo.Feature
	want := 0.0
	for i, p := range land {
		fs = append(fs, &geo.Feature{Layer: geo.Parcels, Source: "fixture", SourceID: string(rune('a' + i)), Geom: p, Props: map[string]any{"kind": "compound", "population": int64(100)}})
		want += geo.Area(p)
	}
	park := orb.Polygon{{{104.0731, 30.6598}, {104.0741, 30.6598}, {104.0741, 30.6607}, {104.0731, 30.6607}, {104.0731, 30.6598}}}
	fs = append(fs, &geo.Feature{Layer: geo.Green, Source: "fixture", SourceID: "park", Geom: park, Props: map[string]any{"kind": "park", "public": true}})
	for _, f := range fs {
		if err := geo.Prepare(f); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Run(context.Background(), snapshotOf(t, fs), Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	city := radiusResult(t, a).Units[0]
	if math.Abs(city.Land-want) > 1e-3*want || math.Abs(city.LandCovered-want) > 1e-3*want {
		t.Errorf("%.1f of %.1f m² covered, want all of %.1f", city.LandCovered, city.Land, want)
	}
}
