package cases

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/store"
)

// ZoneStreet is what the assessment reads of a responsibility zone: its
// code (store.Case.Zone), its unit and the street (街道) it lies in.
type ZoneStreet struct {
	Code, Unit, Street string
}

// NoStreet is the street of a unit that no zone places in one, and of a
// case whose zone names none.
const NoStreet = "未划分街道"

// MaxAssessCases bounds the cases one assessment keeps in memory.
const MaxAssessCases = 500_000

// ErrAssessTooLarge is wrapped when the cases of an assessment exceed
// MaxAssessCases.
var ErrAssessTooLarge = errors.New("too many cases to assess")

// AssessInput reads from st what months from [from, end) are assessed on:
// the cases in a state the rules count that were reported before end and
// were reported at or after from, are still open, or were closed at or
// after from (earlier ones deduct nothing in those months); and the units
// — every unit of units, and any unit met only in those cases — each in
// the street of most of its zones (NoStreet when none has one). A case's
// weight is its category's in cat; its street is its zone's, else its
// unit's; its re-opens are the failed 核查 (send_back steps) the store
// counts with each step.
func AssessInput(ctx context.Context, st store.Cases, units []store.Unit, zones []ZoneStreet, cat *Catalog, r *assess.Rules, from, end time.Time) (*assess.Input, error) {
	zoneStreet := make(map[string]string, len(zones))
	unitStreet := unitStreets(zones)
	for _, z := range zones {
		if z.Street != "" {
			zoneStreet[z.Code] = z.Street
		}
	}
	counted, _ := r.States()
	in := &assess.Input{Units: make([]assess.Unit, 0, len(units))}
	listed := make(map[string]bool, len(units))
	for _, u := range units {
		in.Units = append(in.Units, assess.Unit{ID: u.ID, Name: u.Name, Street: orNoStreet(unitStreet[u.ID])})
		listed[u.ID] = true
	}
	met := map[string]assess.Month{} // units met only in cases: their first month
	f := store.CaseFilter{States: counted, ReportedBefore: &end, ActiveFrom: &from, Limit: store.MaxCaseList}
	for {
		page, err := st.ListCases(ctx, f)
		if err != nil {
			return nil, err
		}
		for i := range page {
			c := &page[i]
			if c.Reported.Before(from) && c.Closed != nil && c.Closed.Before(from) {
				continue
			}
			if len(in.Cases) == MaxAssessCases {
				return nil, fmt.Errorf("%w: more than %d cases count in %s – %s", ErrAssessTooLarge, MaxAssessCases,
					from.In(assess.Zone).Format("2006-01-02"), end.In(assess.Zone).Format("2006-01-02"))
			}
			street := zoneStreet[c.Zone]
			if street == "" {
				street = orNoStreet(unitStreet[c.Unit])
			}
			rec, err := Record(c, cat, street)
			if err != nil {
				return nil, err
			}
			in.Cases = append(in.Cases, rec)
			if !listed[c.Unit] && c.Unit != "" {
				m := assess.MonthOf(c.Reported)
				if old, ok := met[c.Unit]; !ok || m.Before(old) {
					met[c.Unit] = m
				}
			}
		}
		if len(page) < store.MaxCaseList {
			break
		}
		f.Before = page[len(page)-1].ID
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// Units met only in cases (a unit since deleted) are listed in their
	// zones' street, or their first case's, from their first month.
	ids := make([]string, 0, len(met))
	for id := range met {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		street := unitStreet[id]
		if street == "" {
			for _, c := range in.Cases {
				if c.Unit == id {
					street = c.Street
					break
				}
			}
		}
		in.Units = append(in.Units, assess.Unit{ID: id, Street: orNoStreet(street), From: met[id]})
	}
	return in, nil
}

// Record is case c as the assessment sees it, in street.
func Record(c *store.Case, cat *Catalog, street string) (assess.Record, error) {
	k := cat.Category(c.Category)
	if k == nil {
		return assess.Record{}, fmt.Errorf("case %d: category %q is not in the catalog", c.ID, c.Category)
	}
	rec := assess.Record{ID: fmt.Sprint(c.ID), Unit: c.Unit, Street: street, Category: c.Category, Weight: k.Weight,
		Reported: c.Reported, State: c.State, Reopens: c.Reopens}
	switch {
	case c.Deadline != nil:
		rec.Deadline = *c.Deadline
	case c.Registered != nil:
		rec.Deadline = c.Registered.Add(time.Duration(k.DeadlineHours) * time.Hour)
	default:
		return assess.Record{}, fmt.Errorf("case %d is %s with no deadline", c.ID, c.State)
	}
	if c.Closed != nil {
		rec.Closed = *c.Closed
	}
	return rec, nil
}

// unitStreets places each unit in the street most of its zones lie in
// (the first by name on a tie).
func unitStreets(zones []ZoneStreet) map[string]string {
	n := map[string]map[string]int{}
	for _, z := range zones {
		if z.Unit == "" || z.Street == "" {
			continue
		}
		if n[z.Unit] == nil {
			n[z.Unit] = map[string]int{}
		}
		n[z.Unit][z.Street]++
	}
	out := make(map[string]string, len(n))
	for u, streets := range n {
		best, bestN := "", 0
		for s, k := range streets {
			if k > bestN || k == bestN && cmp.Less(s, best) {
				best, bestN = s, k
			}
		}
		out[u] = best
	}
	return out
}

func orNoStreet(s string) string {
	if s == "" {
		return NoStreet
	}
	return s
}
