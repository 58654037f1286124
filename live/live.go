// Package live keeps the in-memory index of a store's layers current: a
// write goes to the store in one transaction and then, under the same
// lock, into a new snapshot (geo/index) that replaces the old one
// atomically, so no reader ever sees half of an edit and the index follows
// the store's commit order; writes other processes make are read back by
// Sync and Follow. The index owns the tile encoder that cuts its snapshots
// (Tiles), and tells it of the features that leave.
package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
)

// Index is the in-memory copy of a store's layers.
type Index struct {
	mu        sync.Mutex // serialises writers
	cur       atomic.Pointer[index.Snapshot]
	listeners []func(index.Dirty)
	tiles     *tiles.Encoder
	// loading is how far Fill has come; nil once the index holds its
	// store (or for an index made ready).
	loading atomic.Pointer[LoadStatus]
}

// LoadStatus is how far the first load of an index has come.
type LoadStatus struct {
	Layer  string // the last layer to report (layers are read at once)
	Loaded int64  // features read so far
	Total  int64  // features in the store when the load began; 0 before it knows
}

// New returns an empty index holding every layer of geo.Schemas.
func New() *Index {
	return with(index.Empty())
}

func with(s *index.Snapshot) *Index {
	ix := &Index{tiles: tiles.NewEncoder()}
	ix.cur.Store(s)
	// What the encoder keeps of a feature goes when the feature leaves,
	// and all of a layer's when a sync reads it again whole.
	ix.listeners = append(ix.listeners, ix.tiles.Forget)
	return ix
}

// Tiles is the encoder that cuts tiles of the index's snapshots.
func (ix *Index) Tiles() *tiles.Encoder { return ix.tiles }

// Load reads every layer of a store into a new index.
func Load(ctx context.Context, st store.Store, progress index.Progress) (*Index, error) {
	ix := Pending()
	if err := ix.Fill(ctx, st, progress); err != nil {
		return nil, err
	}
	return ix, nil
}

// Pending returns an empty index that is not ready until Fill has read
// its store into it: a service can answer (that it is loading) meanwhile.
func Pending() *Index {
	ix := New()
	ix.loading.Store(&LoadStatus{})
	return ix
}

// Ready says whether the index holds its store; when not, how far Fill
// has come.
func (ix *Index) Ready() (bool, LoadStatus) {
	if p := ix.loading.Load(); p != nil {
		return false, *p
	}
	return true, LoadStatus{}
}

// Fill reads every layer of st into ix, which Pending made, as one new
// snapshot, and makes ix ready. progress, if not nil, hears of each layer
// as index.Read tells it (from several goroutines at once).
func (ix *Index) Fill(ctx context.Context, st store.Store, progress index.Progress) error {
	infos, err := st.Layers(ctx)
	if err != nil {
		return fmt.Errorf("index: list layers: %w", err)
	}
	var total int64
	for _, info := range infos {
		total += info.Count
	}
	ix.loading.Store(&LoadStatus{Total: total})
	var mu sync.Mutex // layers are read at once
	loaded := map[string]int64{}
	s, err := index.Read(ctx, infos, st.Scan, func(layer string, n int) {
		mu.Lock()
		loaded[layer] = int64(n)
		var sum int64
		for _, k := range loaded {
			sum += k
		}
		ix.loading.Store(&LoadStatus{Layer: layer, Loaded: sum, Total: total})
		mu.Unlock()
		if progress != nil {
			progress(layer, n)
		}
	})
	if err != nil {
		return err
	}
	dirty := index.Dirty{All: map[string]bool{}, Reloaded: map[string]bool{}}
	for _, info := range infos {
		dirty.All[info.ID], dirty.Reloaded[info.ID] = true, true
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.publish(s, dirty)
	ix.loading.Store(nil)
	return nil
}

// OnApply registers fn to be called after every edit is applied, once the
// new snapshot is visible, with where it changed the layers. Calls are
// serialised with writers: fn must not write to the index.
func (ix *Index) OnApply(fn func(index.Dirty)) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.listeners = append(ix.listeners, fn)
}

// Snapshot returns the current committed state.
func (ix *Index) Snapshot() *index.Snapshot { return ix.cur.Load() }

// Write runs fn in one store transaction and, once it has committed, applies
// its changes to the index. Writers are serialised so the index follows the
// store's commit order.
func (ix *Index) Write(ctx context.Context, st store.Store, fn func(store.Tx) error) (*store.Changes, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ch, err := st.Write(ctx, fn)
	if err != nil {
		return nil, err
	}
	ix.apply(ch)
	return ch, nil
}

// Through returns st with every Write made by ix.Write, for code that
// writes to a store.Store (importer.Load): its writes take the index's
// lock and reach the index in the store's commit order. Its other methods
// are st's store.Store methods (optional ones, such as Watcher, are not
// passed on).
func (ix *Index) Through(st store.Store) store.Store { return through{st, ix} }

type through struct {
	store.Store
	ix *Index
}

func (t through) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	return t.ix.Write(ctx, t.Store, fn)
}

// Apply applies changes committed elsewhere (e.g. by another replica).
func (ix *Index) Apply(ch *store.Changes) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.apply(ch)
}

func (ix *Index) apply(ch *store.Changes) {
	if len(ch.Versions) == 0 {
		return
	}
	next, dirty := ix.cur.Load().Apply(index.Edit{Put: ch.Put, Deleted: ch.Deleted, Versions: ch.Versions, Updated: ch.Updated})
	ix.publish(next, dirty)
}

// publish makes next current and tells the listeners; ix.mu is held.
func (ix *Index) publish(next *index.Snapshot, dirty index.Dirty) {
	ix.cur.Store(next)
	for _, fn := range ix.listeners {
		fn(dirty)
	}
}
