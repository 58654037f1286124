package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
)

// Imported is a report taken from another system's export: its own id
// there (Ref) and when it was reported there (At; zero means now).
type Imported struct {
	Report
	Ref string
	At  time.Time
}

// RowError is the refusal of one report of a batch (Index into it).
type RowError struct {
	Index int
	Err   error
}

// BatchError lists every refused report of a batch, of which nothing was
// stored.
type BatchError struct{ Rows []RowError }

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d reports refused, none stored", len(e.Rows))
	for i, r := range e.Rows {
		if i == 3 {
			fmt.Fprintf(&b, "; …")
			break
		}
		fmt.Fprintf(&b, "; report %d: %v", r.Index+1, r.Err)
	}
	return b.String()
}

func (e *BatchError) Unwrap() error { return ErrInput }

// maxClockSkew is how far in the future an imported report's time may lie.
const maxClockSkew = 10 * time.Minute

// ReportAll checks every report as Report does (photos aside: imports
// carry none) and stores them all in one transaction (store.CreateCases),
// or none: when any is refused the error is a *BatchError listing each.
// A report whose Source and Ref are stored already is skipped, so a
// re-import adds nothing; the count is of the cases stored.
func (s *Service) ReportAll(ctx context.Context, who Actor, rs []Imported) (int, error) {
	batch, err := s.checkAll(ctx, who, rs)
	if err != nil {
		return 0, err
	}
	return s.Store.CreateCases(ctx, batch)
}

// CheckAll checks a batch as ReportAll does, storing nothing.
func (s *Service) CheckAll(ctx context.Context, who Actor, rs []Imported) error {
	_, err := s.checkAll(ctx, who, rs)
	return err
}

func (s *Service) checkAll(ctx context.Context, who Actor, rs []Imported) ([]store.NewCase, error) {
	if err := s.actor(who); err != nil {
		return nil, err
	}
	if !mayTake(who.Role, ActReport) {
		return nil, &RoleError{Role: who.Role, Action: ActReport}
	}
	if len(rs) > store.MaxCaseBatch {
		return nil, inputErr("reports", "%d reports, more than the %d one import may hold", len(rs), store.MaxCaseBatch)
	}
	now := s.now()
	batch := make([]store.NewCase, 0, len(rs))
	var bad []RowError
	for i := range rs {
		if i%1000 == 999 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		nc, err := s.imported(who, &rs[i], now)
		if err != nil {
			bad = append(bad, RowError{Index: i, Err: err})
			continue
		}
		batch = append(batch, nc)
	}
	if len(bad) > 0 {
		return nil, &BatchError{Rows: bad}
	}
	return batch, nil
}

// imported checks one imported report and makes its case and first event.
func (s *Service) imported(who Actor, r *Imported, now time.Time) (store.NewCase, error) {
	l := s.limits()
	cat := s.Catalog.Category(r.Category)
	if cat == nil {
		return store.NewCase{}, inputErr("category", "%q is not a case category", r.Category)
	}
	if err := point(r.Point, s.Bound); err != nil {
		return store.NewCase{}, err
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"description", r.Description, l.Description}, {"contact", r.Contact, l.Contact}, {"ref", r.Ref, l.Name}} {
		if err := text(f.name, f.v, f.max); err != nil {
			return store.NewCase{}, err
		}
	}
	if r.Source == "" {
		r.Source = "inspector"
	}
	if !slices.Contains(sources, r.Source) {
		return store.NewCase{}, inputErr("source", "%q: want inspector, citizen or 12345", r.Source)
	}
	if len(r.Photos) > 0 {
		return store.NewCase{}, inputErr("photos", "an imported report carries no photos")
	}
	at := r.At.UTC().Truncate(time.Millisecond)
	if r.At.IsZero() {
		at = now
	}
	if at.After(now.Add(maxClockSkew)) {
		return store.NewCase{}, inputErr("time", "reported at %s, after now (%s)", at.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	c := &store.Case{Category: cat.Code, State: Reported, Point: r.Point, Description: r.Description, Source: r.Source, Ref: r.Ref,
		Reporter: who.Name, Contact: r.Contact, Reported: at, Updated: now}
	note := r.Description
	if r.Ref != "" {
		note = r.Source + " " + r.Ref + ": " + r.Description
	}
	ev := &store.CaseEvent{At: at, Who: who.Name, Role: who.Role, Action: ActReport, To: Reported, Note: note}
	return store.NewCase{Case: c, Event: ev}, nil
}
