package coverage

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestResidentsInsideAPark: a parcel drawn inside a park (a caretaker's
// compound, say) is at the park, walking distance 0, although the only
// street runs 300 m south of the park — beyond the 20 m a path may pass
// from it — so no walk reaches the park at all. The same by what-if: adding
// the park around the parcel covers it. The park is 400 × 400 m (16 ha,
// public); the parcel 150–250 × 150–250, its inside point (200, 200).
func TestResidentsInsideAPark(t *testing.T) {
	parkGeom := rect(0, 0, 400, 400)
	street := func() *geo.Feature {
		return &geo.Feature{Layer: geo.Roads, Source: "fixture", SourceID: "street", Geom: orb.LineString{m(-1000, -300), m(1000, -300)}, Props: map[string]any{"class": "residential", "walkable": true}}
	}
	parcel := func() *geo.Feature {
		return &geo.Feature{Layer: geo.Parcels, Source: "fixture", SourceID: "parcel", Geom: rect(150, 150, 250, 250), Props: map[string]any{"name": "P", "kind": "compound", "population": int64(100), "pop_source": "given"}}
	}
	park := func() *geo.Feature {
		return &geo.Feature{Layer: geo.Green, Source: "fixture", SourceID: "park", Geom: parkGeom, Props: map[string]any{"name": "Park", "kind": "park", "public": true}}
	}
	var rule *Rule
	rs := Default()
	for i := range rs.Rules {
		if rs.Rules[i].ID == "park-500m-walk" {
			rule = &rs.Rules[i]
		}
	}
	one := &RuleSet{Name: "one", Rules: []Rule{*rule}}
	ctx := context.Background()

	a, err := Run(ctx, snapshotOf(t, []*geo.Feature{street(), parcel(), park()}), one, Options{Mode: Walk})
	if err != nil {
		t.Fatal(err)
	}
	res := a.Results[0]
	var parkID int64
	a.snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool { parkID = f.ID; return true })
	p := a.Parcels[0]
	if d := res.Distance.Of(p.ID); d != 0 || res.Target.Of(p.ID) != parkID {
		t.Errorf("parcel inside the park: %.1f m to target %d, want 0 m to %d", d, res.Target.Of(p.ID), parkID)
	}
	if city := res.Units[0]; city.Covered != 100 || city.Value != 1 {
		t.Errorf("city: %d covered, value %g; want 100, 1", city.Covered, city.Value)
	}

	// Without the park nothing is near; adding it covers the parcel.
	b, err := Run(ctx, snapshotOf(t, []*geo.Feature{street(), parcel()}), one, Options{Mode: Walk})
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Results[0].Distance.Of(b.Parcels[0].ID); !math.IsInf(d, 1) {
		t.Fatalf("without the park: %.1f m, want none", d)
	}
	delta, err := b.WhatIf(ctx, []*geo.Feature{park()})
	if err != nil {
		t.Fatal(err)
	}
	if rd := delta.Rules[0]; rd.NewlyCovered != 100 || len(rd.Parcels) != 1 {
		t.Errorf("what-if adding the park round the parcel: %d newly covered (%v), want 100", rd.NewlyCovered, rd.Parcels)
	}
}
