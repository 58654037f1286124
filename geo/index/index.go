// Package index keeps every layer in memory in an R-tree (tidwall/rtree) and
// an id map (tidwall/btree), both copy-on-write, as immutable snapshots: a
// Snapshot is one committed state of every layer, seen whole by a reader
// for as long as it holds it; an edit (Apply, With) or a reload (Reload)
// makes a new one, sharing what it did not touch. The package knows no
// store: package live keeps a current snapshot in step with one.
package index

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"
)

// Dirty says where an applied edit changed each layer: the bounds of every
// feature's geometry before and after, or the whole layer when the edit
// was too large to list; and which features left the index, deleted or
// replaced by a new version (all of them, however large the edit; not
// listed when a reload reads a whole layer again, which Reloaded names),
// for those who keep something per feature.
type Dirty struct {
	Bounds   map[string][]orb.Bound
	All      map[string]bool
	Left     map[string][]*geo.Feature
	Reloaded map[string]bool // layers read again whole: all of their features left
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

func newLayer(sc *geo.Schema, version int64, updated time.Time) *Layer {
	return &Layer{Schema: sc, Version: version, Updated: updated, tree: &rtree.RTreeG[*geo.Feature]{}, byID: &btree.Map[int64, *geo.Feature]{}}
}

// Empty returns a snapshot holding every layer of geo.Schemas, empty.
func Empty() *Snapshot {
	s := &Snapshot{layers: map[string]*Layer{}}
	for _, sc := range geo.Schemas {
		s.layers[sc.ID] = newLayer(sc, 0, time.Time{})
	}
	return s
}

// Progress is told how many features of a layer have been loaded so far.
type Progress func(layer string, loaded int)

// ScanFunc calls fn for every feature of a layer until fn returns an
// error, which it returns (store.Store.Scan has this shape). Each feature
// is fn's to keep: Read and Reload pack their attributes (geo.Feature.Pack).
type ScanFunc func(ctx context.Context, layer string, fn func(*geo.Feature) error) error

// Read returns a snapshot of every layer of geo.Schemas, those of infos
// read with scan and given their version and update time. progress, if not
// nil, hears of each layer every 100,000 features and at its end. Layers
// are read at once, up to GOMAXPROCS of them, largest first (a city is
// mostly parcels): scan and progress are called from several goroutines.
// A layer of infos that geo.Schemas lacks is an error.
func Read(ctx context.Context, infos []geo.LayerInfo, scan ScanFunc, progress Progress) (*Snapshot, error) {
	s := Empty()
	for _, info := range infos {
		if s.layers[info.ID] == nil {
			return nil, fmt.Errorf("index: store has unknown layer %q", info.ID)
		}
	}
	order := slices.Clone(infos)
	slices.SortStableFunc(order, func(a, b geo.LayerInfo) int { return cmp.Compare(b.Count, a.Count) })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	next := make(chan geo.LayerInfo, len(order))
	for _, info := range order {
		next <- info
	}
	close(next)
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for info := range next {
				if ctx.Err() != nil {
					return // another layer failed
				}
				l, err := readLayer(ctx, info, scan, progress)
				mu.Lock()
				switch {
				case err == nil:
					s.layers[info.ID] = l
				case first == nil:
					first = fmt.Errorf("index: load %s: %w", info.ID, err)
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err() // the caller's
	}
	if first != nil {
		return nil, first
	}
	return s, nil
}

// Reload returns s with the layers of infos read again whole with scan,
// and where that changed them: everywhere (Dirty.All, Dirty.Reloaded).
// Layers that s lacks are passed over.
func (s *Snapshot) Reload(ctx context.Context, infos []geo.LayerInfo, scan ScanFunc) (*Snapshot, Dirty, error) {
	next := s.shallow()
	dirty := Dirty{Bounds: map[string][]orb.Bound{}, All: map[string]bool{}, Reloaded: map[string]bool{}}
	for _, info := range infos {
		if s.layers[info.ID] == nil {
			continue
		}
		l, err := readLayer(ctx, info, scan, nil)
		if err != nil {
			return nil, Dirty{}, fmt.Errorf("index: sync %s: %w", info.ID, err)
		}
		next.layers[info.ID] = l
		dirty.All[info.ID], dirty.Reloaded[info.ID] = true, true
	}
	return next, dirty, nil
}

func readLayer(ctx context.Context, info geo.LayerInfo, scan ScanFunc, progress Progress) (*Layer, error) {
	l := newLayer(geo.SchemaOf(info.ID), info.Version, info.Updated)
	n := 0
	source := ""
	err := scan(ctx, info.ID, func(f *geo.Feature) error {
		// A layer holds many features: their attributes are packed, and
		// a run of features from one source shares its name.
		f.Pack()
		if f.Source == source {
			f.Source = source
		}
		source = f.Source
		l.insert(f)
		n++
		if progress != nil && n%100000 == 0 {
			progress(info.ID, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(info.ID, n)
	}
	return l, nil
}

// shallow returns a new snapshot sharing every layer of s.
func (s *Snapshot) shallow() *Snapshot {
	next := &Snapshot{layers: make(map[string]*Layer, len(s.layers))}
	for id, l := range s.layers {
		next.layers[id] = l
	}
	return next
}

// copyLayer returns a copy of l (copy on write) with a version and time.
func copyLayer(l *Layer, version int64, updated time.Time) *Layer {
	return &Layer{Schema: l.Schema, Version: version, Updated: updated, tree: l.tree.Copy(), byID: l.byID.Copy()}
}

// With returns a snapshot that is s with the features put (replacing any
// of the same layer and id; a zero id gets a fresh negative one) and the
// ids deleted, for drafts and what-ifs: s is not changed, layers not
// touched are shared, touched ones copied on write. Versions are kept.
func (s *Snapshot) With(put []*geo.Feature, deleted map[string][]int64) *Snapshot {
	next := s.shallow()
	touch := func(id string) *Layer {
		l := next.layers[id]
		if l == nil {
			return nil
		}
		if l == s.layers[id] {
			l = copyLayer(l, l.Version, l.Updated)
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

// Edit is a committed write, as a store reports it: the features put, with
// their ids and versions; the ids deleted, by layer; the new version of
// each layer touched; and when.
type Edit struct {
	Put      []*geo.Feature
	Deleted  map[string][]int64
	Versions map[string]int64
	Updated  time.Time
}

// Apply returns s with e applied, and where that changed the layers. A
// touched layer whose new version is not one more than s's was written by
// someone s has not seen: its version becomes -1, so that the next reload
// reads it again.
func (s *Snapshot) Apply(e Edit) (*Snapshot, Dirty) {
	dirty := Dirty{Bounds: map[string][]orb.Bound{}, All: map[string]bool{}, Left: map[string][]*geo.Feature{}}
	next := s.shallow()
	for id, l := range s.layers {
		if v, ok := e.Versions[id]; ok {
			if v != l.Version+1 {
				v = -1
			}
			next.layers[id] = copyLayer(l, v, e.Updated)
		}
	}
	for layer, ids := range e.Deleted {
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
	for _, f := range e.Put {
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
	return next, dirty
}

func (l *Layer) insert(f *geo.Feature) {
	b := f.Bound()
	l.tree.Insert(b.Min, b.Max, f)
	l.byID.Set(f.ID, f)
}

// Layer returns a layer of the snapshot, or nil for an unknown id.
func (s *Snapshot) Layer(id string) *Layer { return s.layers[id] }

// Infos summarises every layer in geo.Schemas order.
func (s *Snapshot) Infos() []geo.LayerInfo {
	out := make([]geo.LayerInfo, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		l := s.layers[sc.ID]
		info := geo.LayerInfo{ID: sc.ID, Title: sc.Title, Count: int64(l.Len()), Version: l.Version, Updated: l.Updated}
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
