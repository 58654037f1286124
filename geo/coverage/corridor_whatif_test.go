package coverage

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestCorridorWhatIfRandomParks: a corridor what-if walks again only the
// roads within reach of the new parks and corrects the sums by their
// shares. For parks (one or two at once, 20–150 m across) at random
// places up to 80 m beside the demo town's ring and trunk roads, every
// unit's value, pass, gaps and their lengths equal a full audit of the
// data with the parks added.
func TestCorridorWhatIfRandomParks(t *testing.T) {
	ctx := context.Background()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "city"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	snap := snapshotOf(t, fs)
	var rule Rule
	for _, r := range Default().Rules {
		if r.Type == Corridor {
			rule = r
		}
	}
	rules := &RuleSet{Name: "corridor", Rules: []Rule{rule}}
	a, err := Run(ctx, snap, rules, Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	roads := a.Results[0].corridor.roads
	if len(roads) < 2 {
		t.Fatalf("%d corridor roads: the test wants several", len(roads))
	}
	rng := rand.New(rand.NewSource(5))
	// beside is a point about off metres to the side of a random point of
	// a random corridor road.
	beside := func(off float64) orb.Point {
		var l orb.LineString
		switch g := roads[rng.Intn(len(roads))].f.Geom.(type) {
		case orb.LineString:
			l = g
		case orb.MultiLineString:
			l = g[rng.Intn(len(g))]
		}
		i := 1 + rng.Intn(len(l)-1)
		p, q, s := l[i-1], l[i], rng.Float64()
		c := orb.Point{p[0] + s*(q[0]-p[0]), p[1] + s*(q[1]-p[1])}
		kx, ky := 111319.49*math.Cos(c[1]*math.Pi/180), 110900.0
		dx, dy := (q[0]-p[0])*kx, (q[1]-p[1])*ky
		n := math.Hypot(dx, dy)
		if rng.Intn(2) == 0 {
			off = -off
		}
		return orb.Point{c[0] - dy/n*off/kx, c[1] + dx/n*off/ky}
	}
	park := func() *geo.Feature {
		return &geo.Feature{Layer: geo.Green, Geom: square(beside(rng.Float64()*80), 20+rng.Float64()*130), Props: map[string]any{"kind": "park", "public": true}}
	}
	changed, gapsMoved := 0, 0
	for i := 0; i < 30; i++ {
		add := []*geo.Feature{park()}
		if i%5 == 4 {
			add = append(add, park())
		}
		d, err := a.WhatIf(ctx, add)
		if err != nil {
			t.Fatal(err)
		}
		full, err := Run(ctx, snap.With(add, nil), rules, Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		for j, ud := range d.Rules[0].Units {
			got, want := ud.After, full.Results[0].Units[j]
			if !same(got.Value, want.Value) || got.Pass != want.Pass || got.NA != want.NA || len(got.Gaps) != len(want.Gaps) {
				t.Errorf("parks %d, %s: what-if %.9f %v, %d gaps; full audit %.9f %v, %d gaps", i, ud.Before.Unit.Name, got.Value, got.Pass, len(got.Gaps), want.Value, want.Pass, len(want.Gaps))
				continue
			}
			for k := range got.Gaps {
				if g, w := got.Gaps[k], want.Gaps[k]; g.Road != w.Road || g.Side != w.Side || !same(g.Length, w.Length) {
					t.Errorf("parks %d, %s: gap %d is %d %s %.3f m, full audit %d %s %.3f m", i, ud.Before.Unit.Name, k, g.Road, g.Side, g.Length, w.Road, w.Side, w.Length)
				}
			}
			if ud.Changed() {
				changed++
			}
			if len(ud.Before.Gaps) != len(got.Gaps) {
				gapsMoved++
			}
		}
	}
	t.Logf("%d corridor roads; %d unit figures changed, %d units' gap counts changed", len(roads), changed, gapsMoved)
	if changed < 30 || gapsMoved == 0 {
		t.Errorf("%d unit figures changed, %d gap counts: the parks test too little", changed, gapsMoved)
	}
}
