package live

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// TestTilesLetGo: the index's tile encoder keeps a feature it drew only
// while the feature is in the index — not once a write deletes it, nor
// once a sync reads its layer again after another process rewrote it (a
// weak pointer to the feature is cleared by the garbage collector) — and
// a tile cut after either shows the index as it now is.
func TestTilesLetGo(t *testing.T) {
	ctx := context.Background()
	data := memstore.NewData()
	st, other := data.Open(), data.Open()
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, append(storetest.Sample("t", "1", 104.06, 30.66), storetest.Sample("t", "2", 104.08, 30.66)...))
	}); err != nil {
		t.Fatal(err)
	}
	ix, err := Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	// drawn draws every park and tells how many the tile holds.
	drawn := func() int {
		t.Helper()
		snap := ix.Snapshot()
		b, _ := snap.Layer(geo.Green).Bound()
		tile := maptile.At(b.Center(), 12)
		out, err := ix.Tiles().Encode(snap, []string{geo.Green}, tile)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := mvt.Unmarshal(out)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range ls {
			n += len(l.Features)
		}
		return n
	}
	parks := func() []weak.Pointer[geo.Feature] {
		var ps []weak.Pointer[geo.Feature]
		ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool { ps = append(ps, weak.Make(f)); return true })
		return ps
	}
	gone := func(ps ...weak.Pointer[geo.Feature]) bool {
		runtime.GC()
		runtime.GC()
		for _, p := range ps {
			if p.Value() != nil {
				return false
			}
		}
		return true
	}
	if n := drawn(); n != 2 {
		t.Fatalf("%d parks drawn, want 2", n)
	}
	first := parks()[0]
	id := first.Value().ID
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Delete(ctx, geo.Green, id) }); err != nil {
		t.Fatal(err)
	}
	if !gone(first) {
		t.Error("the deleted park is kept alive")
	}
	if n := drawn(); n != 1 {
		t.Errorf("after the delete, %d parks drawn, want 1", n)
	}
	// Another process renames the other park; the sync reads green again.
	before := parks()
	if _, err := other.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, storetest.Sample("t", "2", 104.08, 30.66)[:1])
	}); err != nil {
		t.Fatal(err)
	}
	if layers, err := ix.Sync(ctx, st); err != nil || len(layers) != 1 || layers[0] != geo.Green {
		t.Fatalf("sync reloaded %v, %v; want green", layers, err)
	}
	if !gone(before...) {
		t.Error("the park of green's version before the sync is kept alive")
	}
	if n := drawn(); n != 1 {
		t.Errorf("after the sync, %d parks drawn, want 1", n)
	}
}
