// Package memstore is a store.Store held in memory. It is the fake behind
// handler tests and passes the same contract (storetest) as the real stores.
// Nothing is durable beyond the process: reopening a Store's Opener returns
// the same data.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

type state struct {
	feats    map[string]map[int64]*geo.Feature
	keys     map[string]map[string]int64 // layer → source\x00sourceID → id
	versions map[string]store.LayerInfo
	nextID   map[string]int64
}

func (s *state) clone() *state {
	c := &state{feats: map[string]map[int64]*geo.Feature{}, keys: map[string]map[string]int64{}, versions: maps.Clone(s.versions), nextID: maps.Clone(s.nextID)}
	for l := range s.feats {
		c.feats[l] = maps.Clone(s.feats[l])
		c.keys[l] = maps.Clone(s.keys[l])
	}
	return c
}

// Data is the shared content behind Stores opened on it.
type Data struct {
	mu        sync.RWMutex
	wmu       sync.Mutex
	st        *state
	scen      map[int64]*store.Scenario // guarded by wmu
	nextScen  int64
	tokens    []*store.Token // guarded by wmu
	nextToken int64
	cases     caseData               // guarded by wmu
	units     map[string]*store.Unit // guarded by wmu
	survey    surveyData             // guarded by wmu
}

// NewData returns empty data.
func NewData() *Data {
	st := &state{feats: map[string]map[int64]*geo.Feature{}, keys: map[string]map[string]int64{}, versions: map[string]store.LayerInfo{}, nextID: map[string]int64{}}
	for _, sc := range geo.Schemas {
		st.feats[sc.ID] = map[int64]*geo.Feature{}
		st.keys[sc.ID] = map[string]int64{}
		st.versions[sc.ID] = store.LayerInfo{ID: sc.ID, Title: sc.Title}
	}
	return &Data{st: st, scen: map[int64]*store.Scenario{}}
}

// Open returns a Store on the data.
func (d *Data) Open() *Store { return &Store{d: d} }

// New returns a Store on new empty data.
func New() *Store { return NewData().Open() }

// Store is an in-memory store.Store.
type Store struct {
	d      *Data
	closed bool
	// Unavailable, when set, makes Ping and Write fail with store.ErrUnavailable
	// (for fault tests).
	Unavailable bool
}

func (s *Store) Kind() string { return "memory" }

func (s *Store) read() *state {
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	return s.d.st
}

func (s *Store) Layers(ctx context.Context) ([]store.LayerInfo, error) {
	st := s.read()
	var out []store.LayerInfo
	for _, sc := range geo.Schemas {
		info := st.versions[sc.ID]
		info.Count = int64(len(st.feats[sc.ID]))
		info.BBox = nil
		for _, f := range st.feats[sc.ID] {
			b := f.Bound()
			if info.BBox == nil {
				info.BBox = &b
			} else {
				u := info.BBox.Union(b)
				info.BBox = &u
			}
		}
		out = append(out, info)
	}
	return out, ctx.Err()
}

func (s *Store) Scan(ctx context.Context, layer string, fn func(*geo.Feature) error) error {
	st := s.read()
	m, ok := st.feats[layer]
	if !ok {
		return fmt.Errorf("memstore: unknown layer %q", layer)
	}
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sortInts(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(copyFeature(m[id])); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) Get(ctx context.Context, layer string, id int64) (*geo.Feature, error) {
	f, ok := s.read().feats[layer][id]
	if !ok {
		return nil, fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	return copyFeature(f), nil
}

func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	if s.Unavailable {
		return nil, fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	tx := &tx{s: s, st: s.read().clone(), rec: store.NewRecorder(store.Now())}
	if err := fn(tx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: commit: %w", err)
	}
	for layer := range tx.rec.C.Versions {
		info := tx.st.versions[layer]
		info.Version++
		info.Updated = tx.rec.C.Updated
		tx.st.versions[layer] = info
		tx.rec.C.Versions[layer] = info.Version
	}
	s.d.mu.Lock()
	s.d.st = tx.st
	s.d.mu.Unlock()
	tx.applyCommits(tx.rec.C.Updated)
	tx.applySurvey(tx.rec.C.Updated)
	return &tx.rec.C, nil
}

func (s *Store) Ping(ctx context.Context) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	return ctx.Err()
}

func (s *Store) Close() error { s.closed = true; return nil }

type tx struct {
	s      *Store
	st     *state
	rec    *store.Recorder
	commit []commitMark
	survey []*store.SurveyEntry
}

func (t *tx) Put(ctx context.Context, feats []*geo.Feature) error {
	for _, f := range feats {
		if err := geo.Prepare(f); err != nil {
			return err
		}
	}
	for _, f := range feats {
		m, keys := t.st.feats[f.Layer], t.st.keys[f.Layer]
		key := f.Source + "\x00" + f.SourceID
		id := f.ID
		if id == 0 {
			id = keys[key]
		}
		prev, exists := m[id]
		if f.ID != 0 && !exists {
			return fmt.Errorf("%s %d: %w", f.Layer, f.ID, store.ErrNotFound)
		}
		if f.Version != 0 && (!exists || prev.Version != f.Version) {
			return fmt.Errorf("%s %s/%s: version %d: %w", f.Layer, f.Source, f.SourceID, f.Version, store.ErrConflict)
		}
		if exists {
			delete(keys, prev.Source+"\x00"+prev.SourceID)
			f.Version = prev.Version + 1
		} else {
			t.st.nextID[f.Layer]++
			id = t.st.nextID[f.Layer]
			f.Version = 1
		}
		f.ID, f.Updated = id, t.rec.C.Updated
		m[id] = copyFeature(f)
		keys[key] = id
	}
	t.rec.Put(feats)
	return ctx.Err()
}

func (t *tx) Delete(ctx context.Context, layer string, id int64) error {
	f, ok := t.st.feats[layer][id]
	if !ok {
		return fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	delete(t.st.feats[layer], id)
	delete(t.st.keys[layer], f.Source+"\x00"+f.SourceID)
	t.rec.Delete(layer, id)
	return ctx.Err()
}

func (t *tx) DeleteSource(ctx context.Context, layer, source string, keep map[string]bool) ([]int64, error) {
	var ids []int64
	for id, f := range t.st.feats[layer] {
		if f.Source == source && !keep[f.SourceID] {
			ids = append(ids, id)
		}
	}
	sortInts(ids)
	for _, id := range ids {
		if err := t.Delete(ctx, layer, id); err != nil {
			return nil, err
		}
	}
	return ids, ctx.Err()
}

func copyFeature(f *geo.Feature) *geo.Feature {
	c := *f
	c.Geom = orb.Clone(f.Geom)
	c.Props = maps.Clone(f.Props)
	return &c
}

func sortInts(a []int64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
