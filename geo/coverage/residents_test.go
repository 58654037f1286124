package coverage

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/demotown"
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
// mode or in a straight line) by more than 1 percentage point — on the demo
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
