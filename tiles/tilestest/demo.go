package tilestest

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// Town returns the demo town of a size (small, city, metro; seed 1) in a
// memory store.
func Town(t testing.TB, size string) store.Store {
	t.Helper()
	st := memstore.New()
	if _, err := demotown.Into(context.Background(), st, demotown.Options{Seed: 1, Size: size}); err != nil {
		t.Fatal(err)
	}
	return st
}

// Demo returns the demo town of a size (small, city, metro; seed 1) in a
// memory store, and a snapshot of the store's layers.
func Demo(t testing.TB, size string) (store.Store, *index.Snapshot) {
	t.Helper()
	ctx := context.Background()
	st := Town(t, size)
	infos, err := st.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := index.Read(ctx, infos, st.Scan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, snap
}
