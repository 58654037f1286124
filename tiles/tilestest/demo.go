package tilestest

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// Demo returns the demo town of a size (small, city, metro; seed 1) in a
// memory store, and the store's index.
func Demo(t testing.TB, size string) (store.Store, *index.Index) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: size}); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, ix
}
