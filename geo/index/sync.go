package index

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"
)

// Sync brings the index up to the store's layer versions: a layer some
// other process wrote (another replica, a CLI import) is read again and
// swapped in whole, atomically for readers, under the writers' lock so
// that the index's own writes and syncs stay in order. It returns the
// layers reloaded.
func (ix *Index) Sync(ctx context.Context, st store.Store) ([]string, error) {
	var infos []store.LayerInfo
	var err error
	if v, ok := st.(interface {
		LayerVersions(context.Context) ([]store.LayerInfo, error)
	}); ok {
		infos, err = v.LayerVersions(ctx) // cheaper than counting and measuring
	} else {
		infos, err = st.Layers(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("index: sync: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.cur.Load()
	var stale []store.LayerInfo
	for _, info := range infos {
		if l := old.layers[info.ID]; l != nil && l.Version != info.Version {
			stale = append(stale, info)
		}
	}
	if len(stale) == 0 {
		return nil, nil
	}
	next := &Snapshot{layers: make(map[string]*Layer, len(old.layers))}
	for id, l := range old.layers {
		next.layers[id] = l
	}
	dirty := Dirty{Bounds: map[string][]orb.Bound{}, All: map[string]bool{}}
	var done []string
	for _, info := range stale {
		l := &Layer{Schema: geo.SchemaOf(info.ID), Version: info.Version, Updated: info.Updated, tree: &rtree.RTreeG[*geo.Feature]{}, byID: &btree.Map[int64, *geo.Feature]{}}
		if err := st.Scan(ctx, info.ID, func(f *geo.Feature) error { l.insert(f); return nil }); err != nil {
			return nil, fmt.Errorf("index: sync %s: %w", info.ID, err)
		}
		// A write committed between Layers and Scan shows in the scan;
		// the version then lags and the next sync reads the layer again.
		next.layers[info.ID] = l
		dirty.All[info.ID] = true
		done = append(done, info.ID)
	}
	ix.cur.Store(next)
	for _, fn := range ix.listeners {
		fn(dirty)
	}
	return done, nil
}

// Watcher is a store that says when another process has written to it
// (store/postgis: LISTEN/NOTIFY).
type Watcher interface {
	Watch(ctx context.Context, changed func()) error
}

// Follow keeps the index in step with writes other processes make to the
// store until ctx ends: at once when the store is a Watcher and says so,
// and in any case every poll interval (which also catches a notification
// missed while disconnected). onSync hears each reload or error.
func (ix *Index) Follow(ctx context.Context, st store.Store, poll time.Duration, onSync func(layers []string, err error)) {
	kick := make(chan struct{}, 1)
	if w, ok := st.(Watcher); ok {
		go w.Watch(ctx, func() {
			select {
			case kick <- struct{}{}:
			default:
			}
		})
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-t.C:
		}
		layers, err := ix.Sync(ctx, st)
		if onSync != nil && (err != nil || len(layers) > 0) && ctx.Err() == nil {
			onSync(layers, err)
		}
	}
}
