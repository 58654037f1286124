package coverage

import (
	"context"
	"math/rand"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
)

// TestRadiusWhatIfRandomParks: a what-if measures the cells new radii
// reach from each cell's free land (its land outside the audit's radii,
// cut by the units), made by the first what-if reaching the cell and kept.
// For parks at random parcels of the demo town (1 ha: a 500 m radius;
// 0.36 ha: 300 m), some in cells made before, some in fresh ones, and the
// first few asked at once, each unit's land and covered land equal a full
// audit of the data with the park added. Only one in twenty of the town's
// green spaces is kept, so that much land lies outside the radii.
func TestRadiusWhatIfRandomParks(t *testing.T) {
	ctx := context.Background()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 3, Size: "small"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	kept, k := fs[:0], 0
	for _, f := range fs {
		if f.Layer == geo.Green {
			if k++; k%20 != 0 {
				continue
			}
		}
		kept = append(kept, f)
	}
	snap := snapshotOf(t, kept)
	var rule Rule
	for _, r := range Default().Rules {
		if r.Type == RadiusCoverage {
			rule = r
		}
	}
	rules := &RuleSet{Name: "radius", Rules: []Rule{rule}}
	a, err := Run(ctx, snap, rules, Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a.Results[0].radius.cells); n < 4 {
		t.Fatalf("the town's land lies in %d cells; the test wants several", n)
	}
	t.Logf("city %.4f, %d cells, %d units", a.Results[0].Units[0].Value, len(a.Results[0].radius.cells), len(a.Results[0].Units))
	rng := rand.New(rand.NewSource(7))
	var parks [][]*geo.Feature
	for i := 0; i < 24; i++ {
		side := []float64{100, 60}[i%2]
		p := a.Parcels[rng.Intn(len(a.Parcels))]
		parks = append(parks, []*geo.Feature{{Layer: geo.Green, Geom: square(p.Point, side), Props: map[string]any{"kind": "park", "public": true}}})
	}
	deltas := make([]*Delta, len(parks))
	errs := make([]error, len(parks))
	var wg sync.WaitGroup
	for i := range 4 { // at once: cells' free land made under contention
		wg.Add(1)
		go func() {
			defer wg.Done()
			deltas[i], errs[i] = a.WhatIf(ctx, parks[i])
		}()
	}
	wg.Wait()
	for i := 4; i < len(parks); i++ {
		deltas[i], errs[i] = a.WhatIf(ctx, parks[i])
	}
	changed := 0
	for i, add := range parks {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		full, err := Run(ctx, snap.With(add, nil), rules, Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		for j, ud := range deltas[i].Rules[0].Units {
			got, want := ud.After, full.Results[0].Units[j]
			if !same(got.Value, want.Value) || !same(got.LandCovered, want.LandCovered) || !same(got.Land, want.Land) || got.Pass != want.Pass {
				t.Errorf("park %d, %s: what-if %.9f (%.3f of %.3f m²), full audit %.9f (%.3f of %.3f)", i, ud.Before.Unit.Name, got.Value, got.LandCovered, got.Land, want.Value, want.LandCovered, want.Land)
			}
			if ud.Changed() {
				changed++
			}
		}
	}
	if changed < len(parks) {
		t.Errorf("%d unit figures changed over %d parks: the parks cover too little to test", changed, len(parks))
	}
}
