package live

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
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
	var done []string
	for _, info := range infos {
		if l := old.Layer(info.ID); l != nil && l.Version != info.Version {
			stale = append(stale, info)
			done = append(done, info.ID)
		}
	}
	if len(stale) == 0 {
		return nil, nil
	}
	// A write committed between Layers and Scan shows in the scan; the
	// version then lags and the next sync reads the layer again.
	next, dirty, err := old.Reload(ctx, stale, st.Scan)
	if err != nil {
		return nil, err
	}
	ix.publish(next, dirty)
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
