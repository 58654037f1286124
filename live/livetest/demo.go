// Package livetest gives tests a live index over the demo town.
package livetest

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles/tilestest"
)

// Demo returns the demo town of a size (small, city, metro; seed 1) in a
// memory store, and the store's live index.
func Demo(t testing.TB, size string) (store.Store, *live.Index) {
	t.Helper()
	st := tilestest.Town(t, size)
	ix, err := live.Load(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, ix
}
