package cases

import (
	"math"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// The privacy policy of every public view of cases (/api/cases/public,
// the public case tiles, Open311): a view builds its answer from a
// PublicCase, never from a store.Case, so nothing the policy leaves out
// can reach the public. Left out: the reporter, their contact, anyone's
// name, staff notes and reasons, the zone, and the text of reports not
// written on the public form (an inspector's or a 12345 call-taker's words
// may name people). Points are rounded by PublicPoint; the only photo
// shown is PublicPhoto's, re-encoded as a thumbnail without metadata.

// PublicCase is all of a case any public view may show; a view shows as
// much of it as its format has fields for.
type PublicCase struct {
	ID          int64
	Category    string
	State       string
	Point       orb.Point // PublicPoint's
	Reported    time.Time
	Updated     time.Time
	Deadline    *time.Time
	Overdue     bool
	Unit        string // the responsible unit's id (a public body)
	DuplicateOf int64
	// Description is the reporter's text when a citizen wrote it for the
	// public (source citizen), else "".
	Description string
}

// PublicDecimals is how many decimals of a degree a public point keeps:
// 4, about 11 m north–south and 10 m east–west in China.
const PublicDecimals = 4

// PublicPoint rounds a WGS84 point for the public: to PublicDecimals
// decimals of a degree, so a report cannot be traced to a doorway.
func PublicPoint(p orb.Point) orb.Point {
	const f = 1e4 // 10^PublicDecimals
	return orb.Point{math.Round(p[0]*f) / f, math.Round(p[1]*f) / f}
}

// Public is c as the public may see it at now.
func Public(c *store.Case, now time.Time) PublicCase {
	p := PublicCase{ID: c.ID, Category: c.Category, State: c.State, Point: PublicPoint(c.Point), Reported: c.Reported, Updated: c.Updated,
		Overdue: Overdue(c, now), Unit: c.Unit, DuplicateOf: c.DuplicateOf}
	if c.Deadline != nil {
		d := *c.Deadline
		p.Deadline = &d
	}
	if c.Source == "citizen" {
		p.Description = c.Description
	}
	return p
}

// PublicMapPoint is a map's case (store.CasePoint) as the public may see
// it: its point rounded as PublicPoint does, its id dropped (a map needs
// none; the lists have them), its times kept for the day it was reported.
func PublicMapPoint(p store.CasePoint) store.CasePoint {
	return store.CasePoint{Category: p.Category, State: p.State, Point: PublicPoint(p.Point), Reported: p.Reported, Deadline: p.Deadline, Closed: p.Closed}
}

// PublicPhoto is the one photo of a case the public may see, as a
// thumbnail re-encoded without metadata: the first taken with its report
// (evs is its history, oldest first); 0 when there is none.
func PublicPhoto(evs []store.CaseEvent) int64 {
	if len(evs) == 0 || evs[0].Action != ActReport || len(evs[0].Photos) == 0 {
		return 0
	}
	return evs[0].Photos[0]
}
