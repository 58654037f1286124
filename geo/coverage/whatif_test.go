package coverage

import (
	"context"
	"math"
	"sort"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

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

// square is a d×d metre square centred on c.
func square(c orb.Point, d float64) orb.Polygon {
	kx := 111319.49 * math.Cos(c[1]*math.Pi/180)
	dx, dy := d/2/kx, d/2/110900
	return orb.Polygon{{{c[0] - dx, c[1] - dy}, {c[0] + dx, c[1] - dy}, {c[0] + dx, c[1] + dy}, {c[0] - dx, c[1] + dy}, {c[0] - dx, c[1] - dy}}}
}

// TestWhatIfEqualsRecompute: for new parks where residents are worst
// served, a collection point and a belt, every rule's figures for every
// unit, worked out incrementally, equal a full audit of the data with them
// added — on the demo town and on Chengdu, in both modes.
func TestWhatIfEqualsRecompute(t *testing.T) {
	ctx := context.Background()
	towns := map[string]func() []*geo.Feature{
		"demo": func() []*geo.Feature {
			var fs []*geo.Feature
			demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil })
			return fs
		},
		"chengdu": func() []*geo.Feature {
			fs, _, err := osm.ReadFile(ctx, storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return fs
		},
	}
	for name, load := range towns {
		feats := load()
		if feats == nil {
			t.Logf("%s: no data", name)
			continue
		}
		snap := snapshotOf(t, feats)
		for _, mode := range []string{Walk, Straight} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				base, err := Run(ctx, snap, Default(), Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				// The worst-served parcels under the first rule.
				res := base.Results[0]
				var worst []*Parcel
				for _, p := range base.Parcels {
					if p.Population > 0 {
						worst = append(worst, p)
					}
				}
				sort.Slice(worst, func(i, j int) bool { return res.Distance.Of(worst[i].ID) > res.Distance.Of(worst[j].ID) })
				worst = worst[:min(len(worst), 50)]
				cases := map[string][]*geo.Feature{
					"park": {{Layer: geo.Green, Geom: square(worst[0].Point, 120), Props: map[string]any{"name": "new park", "kind": "park", "public": true}}},
					"two parks and a point": {
						{Layer: geo.Green, Geom: square(worst[len(worst)/2].Point, 80), Props: map[string]any{"kind": "park", "public": true}},
						{Layer: geo.Green, Geom: square(worst[len(worst)-1].Point, 200), Props: map[string]any{"kind": "garden", "public": true}},
						{Layer: geo.Waste, Geom: worst[0].Point, Props: map[string]any{"kind": "collection_point"}},
					},
				}
				for cname, add := range cases {
					d, err := base.WhatIf(ctx, add)
					if err != nil {
						t.Fatal(err)
					}
					full, err := Run(ctx, snap.With(add, nil), Default(), Options{Mode: mode})
					if err != nil {
						t.Fatal(err)
					}
					gained := int64(0)
					for i, rd := range d.Rules {
						fr := full.Results[i]
						if len(rd.Units) != len(fr.Units) {
							t.Fatalf("%s %s: %d units, full %d", cname, rd.Rule.ID, len(rd.Units), len(fr.Units))
						}
						for j, ud := range rd.Units {
							got, want := ud.After, fr.Units[j]
							if !same(got.Value, want.Value) || got.Pass != want.Pass || got.Covered != want.Covered || !same(got.Straight, want.Straight) {
								t.Errorf("%s %s %s: delta %v/%v/%d/%.6f, recompute %v/%v/%d/%.6f", cname, rd.Rule.ID, ud.Before.Unit.Name,
									got.Value, got.Pass, got.Covered, got.Straight, want.Value, want.Pass, want.Covered, want.Straight)
							}
						}
						gained += rd.NewlyCovered
					}
					t.Logf("%s: %s newly covers %d residents (all rules), in %s", name, cname, gained, d.Elapsed)
					if gained == 0 && res.Units[0].Value < 1 {
						t.Errorf("%s: nothing newly covered, though %.1f%% were not", cname, 100*(1-res.Units[0].Value))
					}
				}
			})
		}
	}
}

func same(a, b float64) bool {
	if math.IsInf(a, 1) || math.IsInf(b, 1) {
		return math.IsInf(a, 1) == math.IsInf(b, 1)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestSuggest: the first suggested site's gain equals the residents the
// what-if of adding it newly covers under the rule, gains do not grow down
// the ranking, and the sites are all different.
func TestSuggest(t *testing.T) {
	ctx := context.Background()
	var fs []*geo.Feature
	demotown.Generate(demotown.Options{Seed: 1, Size: "city"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil })
	a, err := Run(ctx, snapshotOf(t, fs), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{"park-500m-walk", "collection-point-120m", "park-radius-gbt50563"} {
		sites, err := a.Suggest(ctx, rule, 6000, 5, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(sites) == 0 {
			t.Fatalf("%s: no sites", rule)
		}
		d, err := a.WhatIf(ctx, []*geo.Feature{sites[0].Feature})
		if err != nil {
			t.Fatal(err)
		}
		for _, rd := range d.Rules {
			if rd.Rule.ID == rule && rd.NewlyCovered != sites[0].Gain {
				t.Errorf("%s: first site gains %d, its what-if newly covers %d", rule, sites[0].Gain, rd.NewlyCovered)
			}
		}
		for i := 1; i < len(sites); i++ {
			if sites[i].Gain > sites[i-1].Gain {
				t.Errorf("%s: site %d gains more (%d) than site %d (%d)", rule, i+1, sites[i].Gain, i, sites[i-1].Gain)
			}
		}
		t.Logf("%s: gains %v", rule, func() []int64 {
			var g []int64
			for _, s := range sites {
				g = append(g, s.Gain)
			}
			return g
		}())
	}
	if _, err := a.Suggest(ctx, "community-green-30", 6000, 3, 10); err == nil {
		t.Error("an area_ratio rule gave suggestions")
	}
	if _, err := a.Suggest(ctx, "park-500m-walk", 500, 3, 10); err == nil {
		t.Error("a 500 m² park counted for a rule wanting 1000 m²")
	}
}
