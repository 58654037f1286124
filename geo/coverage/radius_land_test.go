package coverage

import (
	"context"
	"slices"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// TestRadiusLandSearchesParcelsLayer: when every parcel is residential
// land the radius rule searches the snapshot's parcels layer instead of a
// land tree of its own, and finds in every cell the same polygons in the
// same order as its own tree (built as before: the land inserted in the
// layer's order; the layer's tree, filled in another order, finds them in
// another), so each cell's figures are equal to the last bit to an overlay
// from its own tree. With a parcel that is no land (a building without
// residents) it builds its own tree.
func TestRadiusLandSearchesParcelsLayer(t *testing.T) {
	ctx := context.Background()
	// The demo town's features, fresh each time (a store gives them ids).
	town := func() []*geo.Feature {
		var fs []*geo.Feature
		if _, err := demotown.Generate(demotown.Options{Seed: 5, Size: "small"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	fs := town()
	var rule Rule
	for _, r := range Default().Rules {
		if r.Type == RadiusCoverage {
			rule = r
		}
	}
	rules := &RuleSet{Name: "radius", Rules: []Rule{rule}}
	var land []*geo.Feature
	var somewhere orb.Point
	for _, f := range fs {
		if f.Layer == geo.Parcels {
			if !residentialLand(f) {
				continue
			}
			somewhere = f.Geom.Bound().Center()
		}
		land = append(land, f)
	}
	// A building without residents: a parcel that is no land.
	bare := &geo.Feature{Layer: geo.Parcels, Source: "test", SourceID: "bare", Geom: orb.Ring{somewhere, {somewhere[0] + 1e-4, somewhere[1]}, {somewhere[0] + 1e-4, somewhere[1] + 1e-4}, somewhere}.Bound().ToPolygon(),
		Props: map[string]any{"kind": "building", "population": int64(0)}}
	if err := geo.Prepare(bare); err != nil {
		t.Fatal(err)
	}
	if residentialLand(bare) {
		t.Fatal("a building without residents is residential land")
	}

	// Every parcel land: the parcels layer.
	snap := snapshotOf(t, land)
	a, err := Run(ctx, snap, rules, Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	st := a.Results[0].radius
	if st.land.parcels == nil || st.land.own != nil {
		t.Fatal("every parcel is land, but the radius rule built a land tree of its own")
	}
	if st.land.parcels != snap.Layer(geo.Parcels) {
		t.Fatal("every parcel is land, but the radius rule searches another layer than the snapshot's parcels")
	}
	var own rtree.RTreeG[orb.Geometry]
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		b := f.Geom.Bound()
		own.Insert(b.Min, b.Max, f.Geom)
		return true
	})
	first := func(g orb.Geometry) *orb.Point { return &geo.Polygons(g)[0][0][0] }
	found := 0
	for i := range st.cells {
		cb := st.cells[i].bound()
		var got, want []*orb.Point
		st.land.search(cb, func(g orb.Geometry) bool { got = append(got, first(g)); return true })
		own.Search(cb.Min, cb.Max, func(_, _ [2]float64, g orb.Geometry) bool { want = append(want, first(g)); return true })
		if len(got) != len(want) {
			t.Fatalf("cell %d,%d: %d polygons from the parcels layer, %d from a land tree", st.cells[i].ix, st.cells[i].iy, len(got), len(want))
		}
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("cell %d,%d: polygon %d differs between the parcels layer and a land tree", st.cells[i].ix, st.cells[i].iy, k)
			}
		}
		found += len(got)
	}
	if found == 0 {
		t.Fatal("no land found in any cell")
	}
	// The cells overlaid again from the land tree: equal to the last bit.
	again := &radiusState{rule: st.rule, radiusCells: radiusCells{units: st.units, land: landIndex{own: &own}, bufs: st.bufs, btree: st.btree}}
	cells := make([]radiusCellArea, len(st.cells))
	all := make([]int, len(cells))
	for i := range cells {
		cells[i] = radiusCellArea{ix: st.cells[i].ix, iy: st.cells[i].iy}
		all[i] = i
	}
	if err := again.measure(ctx, cells, all, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i := range cells {
		g, w := &st.cells[i], &cells[i]
		if g.land != w.land || g.covered != w.covered || g.prec != w.prec || !slices.Equal(g.unit, w.unit) || !slices.Equal(g.uland, w.uland) || !slices.Equal(g.ucovers, w.ucovers) {
			t.Errorf("cell %d,%d: from the parcels layer %+v, from a land tree %+v", g.ix, g.iy, *g, *w)
		}
	}

	// A parcel that is no land: a tree of the land alone.
	b, err := Run(ctx, snapshotOf(t, append(town(), bare)), rules, Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	if st := b.Results[0].radius; st.land.own == nil || st.land.parcels != nil {
		t.Fatal("some parcels are not land, but the radius rule searched the parcels layer")
	}
}
