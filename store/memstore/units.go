package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/greenreach/greenreach/store"
)

func (s *Store) PutUnits(ctx context.Context, us []*store.Unit) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	if err := store.CheckUnits(us); err != nil {
		return err
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	n := len(s.d.units)
	for _, u := range us {
		if _, ok := s.d.units[u.ID]; !ok {
			n++
		}
	}
	if n > store.MaxUnits {
		return fmt.Errorf("%d units: more than %d", n, store.MaxUnits)
	}
	if s.d.units == nil {
		s.d.units = map[string]*store.Unit{}
	}
	now := store.Now()
	for _, u := range us {
		u.Updated = now
		c := *u
		s.d.units[u.ID] = &c
	}
	return nil
}

func (s *Store) GetUnit(ctx context.Context, id string) (*store.Unit, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	u, ok := s.d.units[id]
	if !ok {
		return nil, fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
	}
	c := *u
	return &c, nil
}

func (s *Store) ListUnits(ctx context.Context) ([]store.Unit, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	out := make([]store.Unit, 0, len(s.d.units))
	for _, u := range s.d.units {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b store.Unit) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *Store) DeleteUnit(ctx context.Context, id string) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	if _, ok := s.d.units[id]; !ok {
		return fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
	}
	delete(s.d.units, id)
	return nil
}
