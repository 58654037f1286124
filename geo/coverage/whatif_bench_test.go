package coverage

import (
	"context"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// BenchmarkWhatIfCity times a what-if of a 100×100 m park at random
// parcels of the generated city town, over every rule (as bench/whatif).
func BenchmarkWhatIfCity(b *testing.B) {
	ctx := context.Background()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "city"}, func(x []*geo.Feature) error { fs = append(fs, x...); return nil }); err != nil {
		b.Fatal(err)
	}
	st := memstore.New()
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		b.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	snap := ix.Snapshot()
	base, err := Run(ctx, snap, Default(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := base.Parcels[rng.Intn(len(base.Parcels))]
		add := []*geo.Feature{{Layer: geo.Green, Geom: square(p.Point, 100), Props: map[string]any{"kind": "park", "public": true}}}
		if _, err := base.WhatIf(ctx, add); err != nil {
			b.Fatal(err)
		}
	}
}
