package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/greenreach/greenreach/store"
)

// caseData holds cases, their events and photos, guarded by the writers'
// lock (wmu) like scenarios. Its zero value is empty.
type caseData struct {
	cases     map[int64]*store.Case
	events    map[int64][]store.CaseEvent // case → its history
	photos    map[int64]*store.Photo
	lastCase  int64
	lastEvent int64
	lastPhoto int64
}

func cloneCase(c *store.Case) *store.Case {
	n := *c
	n.Registered, n.Deadline, n.Closed = cloneTime(c.Registered), cloneTime(c.Deadline), cloneTime(c.Closed)
	return &n
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

// appendEvent stores ev and its photos for case id (wmu held).
func (d *caseData) appendEvent(id int64, ev *store.CaseEvent, photos []*store.Photo) {
	if d.events == nil {
		d.events, d.photos = map[int64][]store.CaseEvent{}, map[int64]*store.Photo{}
	}
	d.lastEvent++
	ev.ID, ev.CaseID, ev.Photos = d.lastEvent, id, nil
	for _, p := range photos {
		d.lastPhoto++
		p.ID, p.CaseID, p.EventID = d.lastPhoto, id, ev.ID
		c := *p
		c.Data = slices.Clone(p.Data)
		d.photos[p.ID] = &c
		ev.Photos = append(ev.Photos, p.ID)
	}
	e := *ev
	e.Photos = slices.Clone(ev.Photos)
	d.events[id] = append(d.events[id], e)
}

func (s *Store) CreateCase(ctx context.Context, c *store.Case, ev *store.CaseEvent, photos []*store.Photo) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	d := &s.d.cases
	if d.cases == nil {
		d.cases = map[int64]*store.Case{}
	}
	d.lastCase++
	c.ID, c.Version = d.lastCase, 1
	d.cases[c.ID] = cloneCase(c)
	d.appendEvent(c.ID, ev, photos)
	return nil
}

// refKey names a case by its source's own id.
type refKey struct{ source, ref string }

func (s *Store) CreateCases(ctx context.Context, cs []store.NewCase) (int, error) {
	if s.Unavailable {
		return 0, fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	if err := store.CheckCaseBatch(cs); err != nil {
		return 0, err
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	d := &s.d.cases
	if d.cases == nil {
		d.cases = map[int64]*store.Case{}
	}
	seen := map[refKey]bool{}
	for _, c := range d.cases {
		if c.Ref != "" {
			seen[refKey{c.Source, c.Ref}] = true
		}
	}
	n := 0
	for _, nc := range cs {
		c := nc.Case
		if k := (refKey{c.Source, c.Ref}); c.Ref != "" {
			if seen[k] {
				c.ID = 0
				continue
			}
			seen[k] = true
		}
		d.lastCase++
		c.ID, c.Version = d.lastCase, 1
		d.cases[c.ID] = cloneCase(c)
		d.appendEvent(c.ID, nc.Event, nil)
		n++
	}
	return n, nil
}

func (s *Store) GetCase(ctx context.Context, id int64) (*store.Case, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	c, ok := s.d.cases.cases[id]
	if !ok {
		return nil, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	return cloneCase(c), nil
}

// caseMatches reports whether f selects c.
func caseMatches(f *store.CaseFilter, c *store.Case) bool {
	return (len(f.States) == 0 || slices.Contains(f.States, c.State)) &&
		(f.Category == "" || f.Category == c.Category) &&
		(f.Unit == "" || f.Unit == c.Unit) &&
		(f.Zone == "" || f.Zone == c.Zone) &&
		(f.Before <= 0 || c.ID < f.Before) &&
		(f.Bound == nil || f.Bound.Contains(c.Point)) &&
		(f.DueBefore == nil || c.Deadline != nil && c.Deadline.Before(*f.DueBefore)) &&
		(f.ReportedFrom == nil || !c.Reported.Before(*f.ReportedFrom)) &&
		(f.ReportedBefore == nil || c.Reported.Before(*f.ReportedBefore)) &&
		(f.ActiveFrom == nil || !c.Reported.Before(*f.ActiveFrom) || c.Closed == nil || !c.Closed.Before(*f.ActiveFrom))
}

func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	limit := f.Limit
	if limit <= 0 || limit > store.MaxCaseList {
		limit = store.MaxCaseList
	}
	var out []store.Case
	for _, c := range s.d.cases.cases {
		if caseMatches(&f, c) {
			out = append(out, *cloneCase(c))
		}
	}
	slices.SortFunc(out, func(a, b store.Case) int { return int(b.ID - a.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Store) StepCase(ctx context.Context, c *store.Case, ifVersion int64, ev *store.CaseEvent, photos []*store.Photo) error {
	if s.Unavailable {
		return fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	cur, ok := s.d.cases.cases[c.ID]
	if !ok {
		return fmt.Errorf("case %d: %w", c.ID, store.ErrNotFound)
	}
	if cur.Version != ifVersion {
		return fmt.Errorf("case %d is at version %d, not %d: %w", c.ID, cur.Version, ifVersion, store.ErrConflict)
	}
	next := cloneCase(c)
	next.Reported, next.Version, next.Ref = cur.Reported, cur.Version+1, cur.Ref
	s.d.cases.cases[c.ID] = next
	c.Version, c.Reported, c.Ref = next.Version, next.Reported, next.Ref
	s.d.cases.appendEvent(c.ID, ev, photos)
	return nil
}

func (s *Store) CaseEvents(ctx context.Context, id int64) ([]store.CaseEvent, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	if _, ok := s.d.cases.cases[id]; !ok {
		return nil, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	out := slices.Clone(s.d.cases.events[id])
	for i := range out {
		out[i].Photos = slices.Clone(out[i].Photos)
	}
	return out, nil
}

func (s *Store) CasePhoto(ctx context.Context, id int64) (*store.Photo, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	p, ok := s.d.cases.photos[id]
	if !ok {
		return nil, fmt.Errorf("photo %d: %w", id, store.ErrNotFound)
	}
	c := *p
	c.Data = slices.Clone(p.Data)
	return &c, nil
}
