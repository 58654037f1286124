package memstore

import (
	"cmp"
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
	if c.Ref != "" && d.byRef(c.Source, c.Ref) != nil {
		return fmt.Errorf("case of %s with ref %q: %w", c.Source, c.Ref, store.ErrDuplicate)
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

// byRef is the case of source with ref, or nil (wmu held).
func (d *caseData) byRef(source, ref string) *store.Case {
	for _, c := range d.cases {
		if c.Source == source && c.Ref == ref {
			return c
		}
	}
	return nil
}

func (s *Store) CaseByRef(ctx context.Context, source, ref string) (*store.Case, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	if c := s.d.cases.byRef(source, ref); c != nil && ref != "" {
		return cloneCase(c), nil
	}
	return nil, fmt.Errorf("case of %s with ref %q: %w", source, ref, store.ErrNotFound)
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

// areaMatches reports whether a selects c.
func areaMatches(a *store.CaseArea, c *store.Case) bool {
	return a.Bound.Contains(c.Point) && !c.Reported.Before(a.From) && c.Reported.Before(a.Before) &&
		(len(a.States) == 0 || slices.Contains(a.States, c.State)) &&
		(a.Category == "" || a.Category == c.Category) &&
		(a.Unit == "" || a.Unit == c.Unit)
}

func (s *Store) CasePoints(ctx context.Context, a store.CaseArea, limit int) ([]store.CasePoint, bool, error) {
	if err := store.CheckCaseLimit(limit); err != nil {
		return nil, false, err
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	var out []store.CasePoint
	for _, c := range s.d.cases.cases {
		if areaMatches(&a, c) {
			out = append(out, store.CasePoint{ID: c.ID, Category: c.Category, State: c.State, Point: c.Point, Reported: c.Reported,
				Deadline: cloneTime(c.Deadline), Closed: cloneTime(c.Closed)})
		}
	}
	slices.SortFunc(out, func(a, b store.CasePoint) int { return cmp.Compare(b.ID, a.ID) })
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func (s *Store) CaseCells(ctx context.Context, a store.CaseArea, n int) ([]store.CaseCell, error) {
	if err := store.CheckCaseGrid(a, n); err != nil {
		return nil, err
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	counts := map[[2]int]int{}
	for _, c := range s.d.cases.cases {
		if areaMatches(&a, c) {
			col, row := store.CaseCellOf(a.Bound, n, c.Point)
			counts[[2]int{row, col}]++
		}
	}
	out := make([]store.CaseCell, 0, len(counts))
	for k, v := range counts {
		out = append(out, store.CaseCell{Col: k[1], Row: k[0], Count: v})
	}
	slices.SortFunc(out, func(a, b store.CaseCell) int { return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(a.Col, b.Col)) })
	return out, nil
}
