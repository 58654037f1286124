package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/greenreach/greenreach/store"
)

// Scenarios live beside the layers in Data, guarded by the writers' lock
// (wmu): a commit marks its scenario in the same critical section as its
// edits land.

func (s *Store) scenario(id int64) (*store.Scenario, error) {
	sc, ok := s.d.scen[id]
	if !ok {
		return nil, fmt.Errorf("scenario %d: %w", id, store.ErrNotFound)
	}
	return sc, nil
}

func cloneScenario(sc *store.Scenario) *store.Scenario {
	c := *sc
	c.Edits = slices.Clone(sc.Edits)
	return &c
}

func (s *Store) ListScenarios(ctx context.Context) ([]store.Scenario, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	var out []store.Scenario
	for _, sc := range s.d.scen {
		c := *sc
		c.Edits = nil
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b store.Scenario) int { return int(b.ID - a.ID) })
	return out, nil
}

func (s *Store) GetScenario(ctx context.Context, id int64) (*store.Scenario, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	sc, err := s.scenario(id)
	if err != nil {
		return nil, err
	}
	return cloneScenario(sc), nil
}

func (s *Store) CreateScenario(ctx context.Context, sc *store.Scenario) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	s.d.nextScen++
	now := store.Now()
	sc.ID, sc.Version, sc.Created, sc.Updated, sc.Committed, sc.CommittedBy = s.d.nextScen, 1, now, now, nil, ""
	s.d.scen[sc.ID] = cloneScenario(sc)
	return nil
}

// check finds scenario id at version v, writable.
func (s *Store) check(id, v int64) (*store.Scenario, error) {
	cur, err := s.scenario(id)
	if err != nil {
		return nil, err
	}
	if cur.Committed != nil {
		return nil, fmt.Errorf("scenario %d: %w", id, store.ErrCommitted)
	}
	if cur.Version != v {
		return nil, fmt.Errorf("scenario %d is at version %d, not %d: %w", id, cur.Version, v, store.ErrConflict)
	}
	return cur, nil
}

func (s *Store) UpdateScenario(ctx context.Context, sc *store.Scenario, ifVersion int64) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	cur, err := s.check(sc.ID, ifVersion)
	if err != nil {
		return err
	}
	next := cloneScenario(cur)
	next.Name, next.Edits, next.Version, next.Updated = sc.Name, slices.Clone(sc.Edits), cur.Version+1, store.Now()
	s.d.scen[sc.ID] = next
	sc.Version, sc.Updated, sc.Created, sc.Author, sc.Owner = next.Version, next.Updated, next.Created, next.Author, next.Owner
	return nil
}

func (s *Store) DeleteScenario(ctx context.Context, id, ifVersion int64) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	cur, err := s.scenario(id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return fmt.Errorf("scenario %d is at version %d, not %d: %w", id, cur.Version, ifVersion, store.ErrConflict)
	}
	delete(s.d.scen, id)
	return nil
}

// CommitScenario is checked now and applied when the Write commits (the
// writers' lock is held throughout).
func (t *tx) CommitScenario(ctx context.Context, id, ifVersion int64, who string) error {
	if _, err := t.s.check(id, ifVersion); err != nil {
		return err
	}
	t.commit = append(t.commit, commitMark{id, who})
	return nil
}

type commitMark struct {
	id  int64
	who string
}

func (t *tx) applyCommits(at time.Time) {
	for _, c := range t.commit {
		next := cloneScenario(t.s.d.scen[c.id])
		next.Committed, next.CommittedBy, next.Version = &at, c.who, next.Version+1
		t.s.d.scen[c.id] = next
	}
}
