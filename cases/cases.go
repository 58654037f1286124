// Package cases is the management loop of 数字城管 for greening and
// sanitation: a case is reported (上报), registered or not (立案/不予立案,
// duplicates of an open case nearby merged), dispatched to the unit of its
// responsibility zone (派遣), handled by that unit (处置), checked by an
// inspector (核查; back to the unit when not fixed) and closed (结案).
// Categories with their deadlines and weights are data (categories.yaml);
// the workflow is a table (Workflow); the store keeps each case versioned
// with its full history (store.Cases).
package cases

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Zone is the responsibility zone holding a point and its unit.
type Zone struct {
	ID   string
	Unit string
}

// Zones finds the responsibility zone of a point, for auto-dispatch.
type Zones interface {
	// ZoneAt returns the zone holding p; ok is false where none does.
	ZoneAt(ctx context.Context, p orb.Point) (z Zone, ok bool, err error)
}

// Service runs the workflow on a store. Every time it records comes from
// Clock, never from the wall clock directly.
type Service struct {
	Store   store.Cases
	Catalog *Catalog
	Zones   Zones            // nil: no auto-dispatch
	Clock   func() time.Time // now
	Bound   orb.Bound        // reports outside are refused
	Limits  Limits           // zero: DefaultLimits

	// regMu makes the duplicate check and the registration one step
	// within this Service: of two reports of one problem registered at
	// once, the second sees the first as open and is merged into it.
	regMu sync.Mutex
}

// Actor is who takes a step: a token's name and role, and for role unit
// the unit it speaks for.
type Actor struct {
	Name string
	Role string
	Unit string
}

// Report is a new case as its reporter gives it.
type Report struct {
	Category    string
	Point       orb.Point
	Description string
	Source      string // inspector, citizen, 12345; "" from the actor's role
	Contact     string // never public
	Photos      []store.Photo
}

// Step is one step of an existing case.
type Step struct {
	Action string
	Note   string
	// Unit overrides auto-dispatch (register, dispatch); Zone goes with it.
	Unit, Zone string
	// Duplicate is the open case a merge names (merge by hand).
	Duplicate int64
	Photos    []store.Photo
}

// Sources of a report.
var sources = []string{"inspector", "citizen", "12345"}

func (s *Service) limits() *Limits {
	if s.Limits == (Limits{}) {
		return &DefaultLimits
	}
	return &s.Limits
}

// now is the clock's time as every store keeps it: UTC, milliseconds.
func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Millisecond) }

func (s *Service) actor(who Actor) error {
	if who.Name == "" {
		return inputErr("who", "every step records who took it: the actor needs a name")
	}
	if err := text("who", who.Name, s.limits().Name); err != nil {
		return err
	}
	if who.Role == RoleUnit && who.Unit == "" {
		return inputErr("unit", "an actor of role unit names its unit")
	}
	return text("unit", who.Unit, s.limits().Name)
}

// Report stores a new case in state reported, with its first event.
func (s *Service) Report(ctx context.Context, who Actor, r Report) (*store.Case, error) {
	c, ev, photos, err := s.newCase(who, r)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateCase(ctx, c, ev, photos); err != nil {
		return nil, err
	}
	return c, nil
}

// newCase checks a report and makes its case, first event and photos.
func (s *Service) newCase(who Actor, r Report) (*store.Case, *store.CaseEvent, []*store.Photo, error) {
	l := s.limits()
	if err := s.actor(who); err != nil {
		return nil, nil, nil, err
	}
	if !mayTake(who.Role, ActReport) {
		return nil, nil, nil, &RoleError{Role: who.Role, Action: ActReport}
	}
	cat := s.Catalog.Category(r.Category)
	if cat == nil {
		return nil, nil, nil, inputErr("category", "%q is not a case category", r.Category)
	}
	if err := point(r.Point, s.Bound); err != nil {
		return nil, nil, nil, err
	}
	if err := text("description", r.Description, l.Description); err != nil {
		return nil, nil, nil, err
	}
	if err := text("contact", r.Contact, l.Contact); err != nil {
		return nil, nil, nil, err
	}
	if r.Source == "" {
		r.Source = "inspector"
		if who.Role == store.RolePublic {
			r.Source = "citizen"
		}
	}
	if !slices.Contains(sources, r.Source) {
		return nil, nil, nil, inputErr("source", "%q: want inspector, citizen or 12345", r.Source)
	}
	photos, err := l.photos(r.Photos)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.now()
	c := &store.Case{Category: cat.Code, State: Reported, Point: r.Point, Description: r.Description, Source: r.Source,
		Reporter: who.Name, Contact: r.Contact, Reported: now, Updated: now}
	ev := &store.CaseEvent{At: now, Who: who.Name, Role: who.Role, Action: ActReport, To: Reported, Note: r.Description}
	return c, ev, photos, nil
}

// ReportOnce is Report for a report sent with an idempotency key (the
// IETF draft's Idempotency-Key), so that a report whose answer was lost
// is not stored twice when sent again. The key is scoped to the reporter
// and kept as the case's Ref (IdempotencyRef). The first report with a
// key stores its case; the same report again answers the stored case with
// repeat true; the key with another report is ErrKeyReused. Of concurrent
// reports with one key exactly one is stored (the store's ErrDuplicate),
// the others answer as repeats.
func (s *Service) ReportOnce(ctx context.Context, who Actor, r Report, key string) (c *store.Case, repeat bool, err error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	c, ev, photos, err := s.newCase(who, r)
	if err != nil {
		return nil, false, err
	}
	c.Ref = IdempotencyRef(who.Name, key)
	// A report sent before under another source is found too.
	for _, src := range sources {
		old, err := s.Store.CaseByRef(ctx, src, c.Ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return s.repeat(ctx, old, c, photos, key)
	}
	err = s.Store.CreateCase(ctx, c, ev, photos)
	if errors.Is(err, store.ErrDuplicate) {
		old, err := s.Store.CaseByRef(ctx, c.Source, c.Ref)
		if err != nil {
			return nil, false, err
		}
		return s.repeat(ctx, old, c, photos, key)
	}
	if err != nil {
		return nil, false, err
	}
	return c, false, nil
}

// repeat answers a report whose key a stored case has: that case if the
// report is the one stored (fields and cleaned photos alike), else
// ErrKeyReused.
func (s *Service) repeat(ctx context.Context, old, c *store.Case, photos []*store.Photo, key string) (*store.Case, bool, error) {
	differs := func(what string) (*store.Case, bool, error) {
		return nil, false, fmt.Errorf("%w: key %q is case %d's, reported with another %s", ErrKeyReused, key, old.ID, what)
	}
	switch {
	case old.Source != c.Source:
		return differs("source")
	case old.Category != c.Category:
		return differs("category")
	case old.Point != c.Point:
		return differs("place")
	case old.Description != c.Description:
		return differs("description")
	case old.Contact != c.Contact:
		return differs("contact")
	}
	evs, err := s.Store.CaseEvents(ctx, old.ID)
	if err != nil {
		return nil, false, err
	}
	if len(evs) == 0 || evs[0].Action != ActReport || len(evs[0].Photos) != len(photos) {
		return differs("number of photos")
	}
	for i, id := range evs[0].Photos {
		p, err := s.Store.CasePhoto(ctx, id)
		if err != nil {
			return nil, false, err
		}
		if p.Type != photos[i].Type || !bytes.Equal(p.Data, photos[i].Data) {
			return differs(fmt.Sprintf("photo %d", i+1))
		}
	}
	return old, true, nil
}

// MaxKeyLen is the longest idempotency key.
const MaxKeyLen = 64

// CheckKey checks an idempotency key: 1 to MaxKeyLen characters of
// A–Z, a–z, 0–9 and . _ : -.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return inputErr("Idempotency-Key", "%d characters; want 1 to the limit of %d", len(key), MaxKeyLen)
	}
	for _, r := range key {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._:-", r)) {
			return inputErr("Idempotency-Key", "%q is not one of A-Z, a-z, 0-9 and . _ : - (1 to %d of them)", r, MaxKeyLen)
		}
	}
	return nil
}

// IdempotencyRef is the Ref of a case reported by name with key: the
// key scoped to its reporter ("key:" + name + "/" + key; a key has no
// "/", so two reporters' keys never meet).
func IdempotencyRef(name, key string) string { return "key:" + name + "/" + key }

// Take takes one step of case id at version ifVersion (store.ErrConflict
// when it is no longer there). Registering also merges a duplicate and
// auto-dispatches: see Register.
func (s *Service) Take(ctx context.Context, who Actor, id, ifVersion int64, st Step) (*store.Case, error) {
	if st.Action == ActRegister {
		return s.Register(ctx, who, id, ifVersion, st)
	}
	c, t, photos, err := s.check(ctx, who, id, ifVersion, st)
	if err != nil {
		return nil, err
	}
	if err := s.apply(ctx, who, c, t, st, photos); err != nil {
		return nil, err
	}
	return c, nil
}

// check validates a step against its input limits, the case's version and
// state, and the actor's role, returning the case and its transition.
func (s *Service) check(ctx context.Context, who Actor, id, ifVersion int64, st Step) (*store.Case, *Transition, []*store.Photo, error) {
	l := s.limits()
	if err := s.actor(who); err != nil {
		return nil, nil, nil, err
	}
	if !slices.Contains(actions, st.Action) || st.Action == ActReport {
		return nil, nil, nil, inputErr("action", "%q is not a step of a case", st.Action)
	}
	if err := text("note", st.Note, l.Note); err != nil {
		return nil, nil, nil, err
	}
	if err := text("unit", st.Unit, l.Name); err != nil {
		return nil, nil, nil, err
	}
	if err := text("zone", st.Zone, l.Name); err != nil {
		return nil, nil, nil, err
	}
	photos, err := l.photos(st.Photos)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.Store.GetCase(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	// Who may act comes first, so that a refused actor learns nothing of
	// the case's version or state.
	if !mayTake(who.Role, st.Action) {
		return nil, nil, nil, &RoleError{Case: id, Role: who.Role, Action: st.Action}
	}
	if who.Role == RoleUnit && c.Unit != who.Unit {
		return nil, nil, nil, &RoleError{Case: id, Role: who.Role, Action: st.Action, Unit: who.Unit}
	}
	if c.Version != ifVersion {
		return nil, nil, nil, fmt.Errorf("case %d is at version %d, not %d: %w", id, c.Version, ifVersion, store.ErrConflict)
	}
	t := transition(st.Action, c.State)
	if t == nil {
		return nil, nil, nil, &StepError{Case: id, State: c.State, Action: st.Action}
	}
	if !slices.Contains(t.Roles, who.Role) {
		return nil, nil, nil, &RoleError{Case: id, Role: who.Role, Action: st.Action}
	}
	if t.Note && st.Note == "" {
		return nil, nil, nil, inputErr("note", "%s needs a reason", st.Action)
	}
	if t.Photo && len(photos) == 0 {
		return nil, nil, nil, inputErr("photos", "%s needs a photo", st.Action)
	}
	if t.Action == ActMerge {
		if err := s.openOther(ctx, c, st.Duplicate); err != nil {
			return nil, nil, nil, err
		}
	}
	return c, t, photos, nil
}

// openOther checks that case dup, which c is merged into, is another open
// case of c's category.
func (s *Service) openOther(ctx context.Context, c *store.Case, dup int64) error {
	if dup == 0 || dup == c.ID {
		return inputErr("duplicate", "a merge names the open case it duplicates")
	}
	d, err := s.Store.GetCase(ctx, dup)
	if errors.Is(err, store.ErrNotFound) {
		return inputErr("duplicate", "case %d does not exist", dup)
	}
	if err != nil {
		return err
	}
	if !slices.Contains(Open, d.State) || d.Category != c.Category {
		return inputErr("duplicate", "case %d is %s %s, not an open case of %s", dup, d.State, d.Category, c.Category)
	}
	return nil
}

// apply writes transition t of case orig (read at its version) with its
// event; once stored, orig becomes the stored case, and is left as it was
// when the write fails.
func (s *Service) apply(ctx context.Context, who Actor, orig *store.Case, t *Transition, st Step, photos []*store.Photo) error {
	now := s.now()
	next := *orig
	c := &next
	ifVersion := c.Version
	from := c.State
	c.State, c.Updated = t.To, now
	switch t.Action {
	case ActRegister:
		dl := now.Add(time.Duration(s.Catalog.Category(c.Category).DeadlineHours) * time.Hour)
		c.Registered, c.Deadline = &now, &dl
	case ActReject, ActReturn, ActSendBack:
		c.Reason = st.Note
	case ActMerge:
		c.Reason, c.DuplicateOf = st.Note, st.Duplicate
	case ActDispatch:
		if st.Unit == "" {
			return inputErr("unit", "dispatch names a unit (no zone holds the case's point)")
		}
		c.Unit, c.Zone = st.Unit, st.Zone
	case ActClose:
		c.Closed = &now
	}
	if t.Action == ActSendBack {
		c.Reopens++
	}
	ev := &store.CaseEvent{At: now, Who: who.Name, Role: who.Role, Action: t.Action, From: from, To: t.To, Note: st.Note}
	if t.Action == ActDispatch {
		ev.Unit = c.Unit
	}
	if err := s.Store.StepCase(ctx, c, ifVersion, ev, photos); err != nil {
		return err
	}
	*orig = next
	return nil
}

// Register registers a reported case (立案), unless an open case of its
// category lies within the catalog's duplicate radius: then the case is
// merged into the nearest (rejected, DuplicateOf set). A registered case
// is dispatched at once to st.Unit if given, else to the unit of its zone
// (Zones); where no zone holds it, it waits for a dispatcher. When the
// dispatch fails after the registration was stored, the registered case
// is returned with the error.
func (s *Service) Register(ctx context.Context, who Actor, id, ifVersion int64, st Step) (*store.Case, error) {
	c, merged, err := s.registerOrMerge(ctx, who, id, ifVersion, st)
	if err != nil {
		return nil, err
	}
	if merged {
		return c, nil
	}
	d := Step{Action: ActDispatch, Unit: st.Unit, Zone: st.Zone, Note: "override"}
	if d.Unit == "" && s.Zones != nil {
		z, ok, err := s.Zones.ZoneAt(ctx, c.Point)
		if err != nil {
			return c, fmt.Errorf("case %d registered, not dispatched: zones: %w", c.ID, err)
		}
		if !ok {
			return c, nil
		}
		d = Step{Action: ActDispatch, Unit: z.Unit, Zone: z.ID, Note: "auto"}
	}
	if d.Unit == "" {
		return c, nil
	}
	if err := s.apply(ctx, who, c, transition(ActDispatch, Registered), d, nil); err != nil {
		return c, fmt.Errorf("case %d registered, not dispatched: %w", c.ID, err)
	}
	return c, nil
}

// registerOrMerge registers case id, or merges it into an open case
// nearby (merged true).
func (s *Service) registerOrMerge(ctx context.Context, who Actor, id, ifVersion int64, st Step) (c *store.Case, merged bool, err error) {
	st.Action = ActRegister
	s.regMu.Lock()
	defer s.regMu.Unlock()
	c, t, photos, err := s.check(ctx, who, id, ifVersion, st)
	if err != nil {
		return nil, false, err
	}
	dup, err := s.duplicate(ctx, c)
	if err != nil {
		return nil, false, err
	}
	if dup != nil {
		note := fmt.Sprintf("duplicate of case %d", dup.ID)
		if st.Note != "" {
			note += ": " + st.Note
		}
		t, st = transition(ActMerge, Reported), Step{Note: note, Duplicate: dup.ID}
	}
	if err := s.apply(ctx, who, c, t, st, photos); err != nil {
		return nil, false, err
	}
	return c, dup != nil, nil
}

// duplicate returns the open case of c's category nearest to it within
// the duplicate radius, or nil.
func (s *Service) duplicate(ctx context.Context, c *store.Case) (*store.Case, error) {
	r := s.Catalog.DuplicateRadius
	b := geo.RadiusBound(c.Point, r)
	near, err := s.Store.ListCases(ctx, store.CaseFilter{States: Open, Category: c.Category, Bound: &b})
	if err != nil {
		return nil, err
	}
	var best *store.Case
	bestD := 0.0
	for i := range near {
		o := &near[i]
		d := geo.Distance(c.Point, o.Point)
		if o.ID == c.ID || d > r {
			continue
		}
		if best == nil || d < bestD || d == bestD && o.ID < best.ID {
			best, bestD = o, d
		}
	}
	return best, nil
}

// Overdue reports whether case c is past its deadline at now: open after
// it, or closed after it.
func Overdue(c *store.Case, now time.Time) bool {
	if c.Deadline == nil {
		return false
	}
	end := now
	if c.Closed != nil {
		end = *c.Closed
	}
	return end.After(*c.Deadline)
}

// OverdueAt lists the open cases past their deadline at now (at most
// store.MaxCaseList, newest first).
func (s *Service) OverdueAt(ctx context.Context, now time.Time) ([]store.Case, error) {
	return s.Store.ListCases(ctx, store.CaseFilter{States: Open, DueBefore: &now})
}

// History returns a case's events, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]store.CaseEvent, error) {
	return s.Store.CaseEvents(ctx, id)
}
