// Package index keeps every layer in memory in an R-tree (tidwall/rtree) and
// an id map (tidwall/btree), both copy-on-write. Readers take a Snapshot and
// see one committed state of every layer for as long as they hold it; a write
// goes to the store in one transaction and then, under the same lock, into a
// new snapshot that replaces the old one atomically, so no reader ever sees
// half of an edit.
package index

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"
)

// Index is the in-memory copy of a store's layers.
type Index struct {
	mu        sync.Mutex // serialises writers
	cur       atomic.Pointer[Snapshot]
	listeners []func(Dirty)
}

// Dirty says where an applied edit changed each layer: the bounds of every
// feature's geometry before and after, or the whole layer when the edit
// was too large to list; and which features left the index, deleted or
// replaced by a new version (all of them, however large the edit; not
// listed when a sync reloads a whole layer), for those who keep something
// per feature.
type Dirty struct {
	Bounds map[string][]orb.Bound
	All    map[string]bool
	Left   map[string][]*geo.Feature
}

// maxDirtyBounds is how many bounds an edit lists per layer before it
// marks the whole layer dirty instead.
const maxDirtyBounds = 4096

func (d *Dirty) add(layer string, b orb.Bound) {
	if d.All[layer] {
		return
	}
	if len(d.Bounds[layer]) >= maxDirtyBounds {
		d.All[layer] = true
		delete(d.Bounds, layer)
		return
	}
	d.Bounds[layer] = append(d.Bounds[layer], b)
}

// OnApply registers fn to be called after every edit is applied, once the
// new snapshot is visible, with where it changed the layers. Calls are
// serialised with writers: fn must not write to the index.
func (ix *Index) OnApply(fn func(Dirty)) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.listeners = append(ix.listeners, fn)
}

// Snapshot is one committed state of every layer. It is immutable.
type Snapshot struct {
	layers map[string]*Layer
}

// Layer is one layer in a snapshot.
type Layer struct {
	Schema  *geo.Schema
	Version int64
	Updated time.Time
	tree    *rtree.RTreeG[*geo.Feature]
	byID    *btree.Map[int64, *geo.Feature]
}

// New returns an empty index holding every layer of geo.Schemas.
func New() *Index {
	s := &Snapshot{layers: map[string]*Layer{}}
	for _, sc := range geo.Schemas {
		s.layers[sc.ID] = &Layer{Schema: sc, tree: &rtree.RTreeG[*geo.Feature]{}, byID: &btree.Map[int64, *geo.Feature]{}}
	}
	ix := &Index{}
	ix.cur.Store(s)
	return ix
}

// Progress is told how many features of a layer have been loaded so far.
type Progress func(layer string, loaded int)

// Load reads every layer of a store into a new index.
func Load(ctx context.Context, st store.Store, progress Progress) (*Index, error) {
	infos, err := st.Layers(ctx)
	if err != nil {
		return nil, fmt.Errorf("index: list layers: %w", err)
	}
	ix := New()
	snap := ix.cur.Load()
	for _, info := range infos {
		l := snap.layers[info.ID]
		if l == nil {
			return nil, fmt.Errorf("index: store has unknown layer %q", info.ID)
		}
		l.Version, l.Updated = info.Version, info.Updated
		n := 0
		err := st.Scan(ctx, info.ID, func(f *geo.Feature) error {
			l.insert(f)
			n++
			if progress != nil && n%100000 == 0 {
				progress(info.ID, n)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("index: load %s: %w", info.ID, err)
		}
		if progress != nil {
			progress(info.ID, n)
		}
	}
	return ix, nil
}

// With returns a snapshot that is s with the features put (replacing any
// of the same layer and id; a zero id gets a fresh negative one) and the
// ids deleted, for drafts and what-ifs: s is not changed, layers not
// touched are shared, touched ones copied on write. Versions are kept.
func (s *Snapshot) With(put []*geo.Feature, deleted map[string][]int64) *Snapshot {
	next := &Snapshot{layers: make(map[string]*Layer, len(s.layers))}
	for id, l := range s.layers {
		next.layers[id] = l
	}
	touch := func(id string) *Layer {
		l := next.layers[id]
		if l == nil {
			return nil
		}
		if l == s.layers[id] {
			l = &Layer{Schema: l.Schema, Version: l.Version, Updated: l.Updated, tree: l.tree.Copy(), byID: l.byID.Copy()}
			next.layers[id] = l
		}
		return l
	}
	for layer, ids := range deleted {
		l := touch(layer)
		if l == nil {
			continue
		}
		for _, id := range ids {
			if f, ok := l.byID.Delete(id); ok {
				b := f.Bound()
				l.tree.Delete(b.Min, b.Max, f)
			}
		}
	}
	fresh := int64(0)
	for _, f := range put {
		l := touch(f.Layer)
		if l == nil {
			continue
		}
		if f.ID == 0 {
			fresh--
			f.ID = fresh
		}
		if prev, ok := l.byID.Get(f.ID); ok {
			b := prev.Bound()
			l.tree.Delete(b.Min, b.Max, prev)
		}
		l.insert(f)
	}
	return next
}

// Snapshot returns the current committed state.
func (ix *Index) Snapshot() *Snapshot { return ix.cur.Load() }

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
	old := ix.cur.Load()
	dirty := Dirty{Bounds: map[string][]orb.Bound{}, All: map[string]bool{}, Left: map[string][]*geo.Feature{}}
	next := &Snapshot{layers: make(map[string]*Layer, len(old.layers))}
	for id, l := range old.layers {
		if ch.Touched(id) {
			v := ch.Versions[id]
			if v != l.Version+1 {
				// Another process wrote this layer since we last read it:
				// our copy lacks that; mark it so the next Sync reloads it.
				v = -1
			}
			l = &Layer{Schema: l.Schema, Version: v, Updated: ch.Updated, tree: l.tree.Copy(), byID: l.byID.Copy()}
		}
		next.layers[id] = l
	}
	for layer, ids := range ch.Deleted {
		l := next.layers[layer]
		for _, id := range ids {
			if f, ok := l.byID.Delete(id); ok {
				b := f.Bound()
				l.tree.Delete(b.Min, b.Max, f)
				dirty.add(layer, b)
				dirty.Left[layer] = append(dirty.Left[layer], f)
			}
		}
	}
	for _, f := range ch.Put {
		l := next.layers[f.Layer]
		if prev, ok := l.byID.Get(f.ID); ok {
			b := prev.Bound()
			l.tree.Delete(b.Min, b.Max, prev)
			dirty.add(f.Layer, b)
			dirty.Left[f.Layer] = append(dirty.Left[f.Layer], prev)
		}
		l.insert(f)
		dirty.add(f.Layer, f.Bound())
	}
	ix.cur.Store(next)
	for _, fn := range ix.listeners {
		fn(dirty)
	}
}

func (l *Layer) insert(f *geo.Feature) {
	b := f.Bound()
	l.tree.Insert(b.Min, b.Max, f)
	l.byID.Set(f.ID, f)
}

// Layer returns a layer of the snapshot, or nil for an unknown id.
func (s *Snapshot) Layer(id string) *Layer { return s.layers[id] }

// Infos summarises every layer in geo.Schemas order.
func (s *Snapshot) Infos() []store.LayerInfo {
	out := make([]store.LayerInfo, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		l := s.layers[sc.ID]
		info := store.LayerInfo{ID: sc.ID, Title: sc.Title, Count: int64(l.Len()), Version: l.Version, Updated: l.Updated}
		if b, ok := l.Bound(); ok {
			info.BBox = &b
		}
		out = append(out, info)
	}
	return out
}

// Len is the number of features.
func (l *Layer) Len() int { return l.byID.Len() }

// Bound is the extent of the layer; false when empty.
func (l *Layer) Bound() (orb.Bound, bool) {
	if l.tree.Len() == 0 {
		return orb.Bound{}, false
	}
	min, max := l.tree.Bounds()
	return orb.Bound{Min: min, Max: max}, true
}

// Get returns a feature by id.
func (l *Layer) Get(id int64) (*geo.Feature, bool) { return l.byID.Get(id) }

// Search calls fn for every feature whose bounding box intersects b, until fn
// returns false.
func (l *Layer) Search(b orb.Bound, fn func(*geo.Feature) bool) {
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, f *geo.Feature) bool { return fn(f) })
}

// SearchBounds is Search, also passing each feature's bounding box as the
// tree holds it (saving a walk over its vertices).
func (l *Layer) SearchBounds(b orb.Bound, fn func(*geo.Feature, orb.Bound) bool) {
	l.tree.Search(b.Min, b.Max, func(min, max [2]float64, f *geo.Feature) bool {
		return fn(f, orb.Bound{Min: min, Max: max})
	})
}

// Scan calls fn for every feature in id order, until fn returns false.
func (l *Layer) Scan(fn func(*geo.Feature) bool) {
	l.byID.Scan(func(_ int64, f *geo.Feature) bool { return fn(f) })
}

// Ascend calls fn for features with id >= from in id order, until fn returns
// false (for paging).
func (l *Layer) Ascend(from int64, fn func(*geo.Feature) bool) {
	l.byID.Ascend(from, func(_ int64, f *geo.Feature) bool { return fn(f) })
}
