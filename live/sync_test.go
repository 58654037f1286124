package live

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestSyncTwoWriters: two indexes over one store, each writing in turn;
// after Sync each holds both writers' features, including when a local
// write came after a remote one it had not seen.
func TestSyncTwoWriters(t *testing.T) {
	ctx := context.Background()
	data := memstore.NewData()
	sa, sb := data.Open(), data.Open()
	a, _ := Load(ctx, sa, nil)
	b, _ := Load(ctx, sb, nil)
	put := func(ix *Index, st store.Store, id string, x float64) {
		if _, err := ix.Write(ctx, st, func(tx store.Tx) error {
			return tx.Put(ctx, []*geo.Feature{{Layer: geo.Waste, Source: "t", SourceID: id, Geom: orb.Point{x, 30.6}, Props: map[string]any{}}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(a, sa, "a1", 104.0)
	put(b, sb, "b1", 104.1) // b had not seen a1: its copy is behind
	if v := b.Snapshot().Layer(geo.Waste).Version; v != -1 {
		t.Errorf("b's waste version %d after a write over an unseen one, want -1 (stale)", v)
	}
	for _, ix := range []*Index{a, b} {
		st := store.Store(sa)
		if ix == b {
			st = sb
		}
		if _, err := ix.Sync(ctx, st); err != nil {
			t.Fatal(err)
		}
		if n := ix.Snapshot().Layer(geo.Waste).Len(); n != 2 {
			t.Errorf("after sync: %d waste points, want 2", n)
		}
	}
	if layers, _ := a.Sync(ctx, sa); len(layers) != 0 {
		t.Errorf("a second sync reloaded %v", layers)
	}
}
