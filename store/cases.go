package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Case is a reported problem (数字城管 事件) on its way from report to
// closure. The store keeps it versioned, like a scenario; what a step may
// change and when is package cases's business, the store only guards the
// version and appends the step's event in the same transaction.
type Case struct {
	ID          int64
	Version     int64 // 1 when reported, one more on every step
	Category    string
	State       string
	Point       orb.Point // WGS84 lon/lat
	Description string
	Source      string // inspector, citizen, 12345…
	// Ref is the source's own id of the case: a 12345 工单编号, or for a
	// report sent with an Idempotency-Key the reporter's name and that key
	// (cases.IdempotencyRef); "" when it has none. A store keeps at most
	// one case per Source and Ref set. It never changes after the case is
	// created.
	Ref         string
	Reporter    string // who reported (a token's name), never public
	Contact     string // the reporter's contact, never public
	Zone        string // responsibility zone, once dispatched
	Unit        string // responsible unit the case is dispatched to
	DuplicateOf int64  // the open case this one was merged into
	Reason      string // why not registered, or the last note sent back
	Reopens     int    // times sent back to 处置 by a failed 核查
	Reported    time.Time
	Registered  *time.Time
	Deadline    *time.Time // set on registration from the category
	Closed      *time.Time
	Updated     time.Time
}

// CaseEvent is one step of a case's history; events are only ever
// appended.
type CaseEvent struct {
	ID     int64
	CaseID int64
	At     time.Time
	Who    string
	Role   string
	Action string
	From   string // state before ("" for the report)
	To     string // state after
	Note   string
	Unit   string  // the unit dispatched to, for dispatch steps
	Photos []int64 // ids of the photos taken with this step
}

// Photo is an image attached to a step, kept as given (checking and
// stripping it is package cases/photo's).
type Photo struct {
	ID      int64
	CaseID  int64
	EventID int64
	Type    string // MIME type
	Data    []byte
}

// CaseFilter selects cases for ListCases; zero fields select everything.
type CaseFilter struct {
	States   []string
	Category string
	Unit     string
	Zone     string
	Bound    *orb.Bound // the case's point inside (edges included)
	// DueBefore selects cases with a deadline before it (overdue at it
	// when still open).
	DueBefore *time.Time
	// ReportedFrom and ReportedBefore select cases reported at or after
	// the one and before the other (Open311's start_date and end_date).
	ReportedFrom, ReportedBefore *time.Time
	// ActiveFrom selects cases reported at or after it or not closed
	// before it (still open, or closed at or after it): those that may
	// count in an assessment of the months from it.
	ActiveFrom *time.Time
	// Before selects cases with an id below it: the next page of a list
	// whose last case had that id.
	Before int64
	// Limit caps the answer (newest first); 0 or more than MaxCaseList
	// means MaxCaseList.
	Limit int
}

// ErrDuplicate: CreateCase was given a Source and Ref a stored case has.
var ErrDuplicate = errors.New("a case with that source and ref is stored already")

// MaxCaseList is the most cases one ListCases returns.
const MaxCaseList = 10000

// MaxCaseBatch is the most cases one CreateCases stores.
const MaxCaseBatch = 10000

// CaseArea selects cases for a map: points inside Bound (edges
// included), reported at or after From and before Before, with the
// filters; zero filters select everything.
type CaseArea struct {
	Bound        orb.Bound
	From, Before time.Time
	States       []string
	Category     string
	Unit         string
}

// CasePoint is what a map draws of a case: no text anyone wrote, no
// person.
type CasePoint struct {
	ID       int64
	Category string
	State    string
	Point    orb.Point
	Reported time.Time
	Deadline *time.Time
	Closed   *time.Time
}

// CaseCell is a cell of a CaseCells grid with its count of cases: Col
// from the bound's west edge, Row from its south edge.
type CaseCell struct {
	Col, Row int
	Count    int
}

// MaxCaseGrid is the most cells a side of a CaseCells grid may have.
const MaxCaseGrid = 256

// CaseCellOf is the cell of an n×n grid over b that p falls in: equal
// steps of longitude and latitude, the east and north edges in the last
// column and row. Every store counts by it, so their grids agree.
func CaseCellOf(b orb.Bound, n int, p orb.Point) (col, row int) {
	dx, dy := (b.Max[0]-b.Min[0])/float64(n), (b.Max[1]-b.Min[1])/float64(n)
	col, row = int(math.Floor((p[0]-b.Min[0])/dx)), int(math.Floor((p[1]-b.Min[1])/dy))
	return min(max(col, 0), n-1), min(max(row, 0), n-1)
}

// CheckCaseGrid refuses a grid CaseCells cannot count.
func CheckCaseGrid(a CaseArea, n int) error {
	b := a.Bound
	if n < 1 || n > MaxCaseGrid {
		return fmt.Errorf("a grid of %d cells a side: from 1 to %d", n, MaxCaseGrid)
	}
	if !(b.Max[0] > b.Min[0]) || !(b.Max[1] > b.Min[1]) {
		return fmt.Errorf("a grid over an empty bound %v", b)
	}
	return nil
}

// NewCase is a case to create with its first event (CreateCases).
type NewCase struct {
	Case  *Case
	Event *CaseEvent
}

// Cases keeps cases, their events and photos beside the layers.
type Cases interface {
	// CreateCase stores a new case with its first event and that event's
	// photos in one transaction, setting c.ID, c.Version (1), ev.ID,
	// ev.CaseID, ev.Photos and each photo's ID, CaseID and EventID. Times
	// are the caller's. A case with a Ref whose Source and Ref are stored
	// already is ErrDuplicate and stores nothing: of concurrent creations
	// of one Source and Ref exactly one succeeds.
	CreateCase(ctx context.Context, c *Case, ev *CaseEvent, photos []*Photo) error
	// CreateCases stores many new cases, each with its first event, in one
	// transaction: all of them or none. A case with a Ref whose Source and
	// Ref are stored already (or come earlier in cs) is skipped and keeps
	// ID 0; the others get their IDs as from CreateCase. It returns how
	// many it stored; more than MaxCaseBatch cases is an error (nothing
	// stored).
	CreateCases(ctx context.Context, cs []NewCase) (int, error)
	// GetCase returns one case or ErrNotFound.
	GetCase(ctx context.Context, id int64) (*Case, error)
	// CaseByRef returns the case of a source with that Ref, or ErrNotFound
	// (always for ref "").
	CaseByRef(ctx context.Context, source, ref string) (*Case, error)
	// ListCases returns the cases the filter selects, newest first.
	ListCases(ctx context.Context, f CaseFilter) ([]Case, error)
	// StepCase writes every field of c but ID, Ref, Reported and Version if its
	// stored version is ifVersion (ErrConflict otherwise, ErrNotFound when
	// there is no such case), raising the version by one and setting
	// c.Version, and appends ev with its photos in the same transaction.
	// The check and the write are one statement, so of two concurrent
	// steps from the same version exactly one succeeds.
	StepCase(ctx context.Context, c *Case, ifVersion int64, ev *CaseEvent, photos []*Photo) error
	// CaseEvents returns a case's history, oldest first (ErrNotFound if
	// there is no such case).
	CaseEvents(ctx context.Context, id int64) ([]CaseEvent, error)
	// CasePhoto returns one photo with its data, or ErrNotFound.
	CasePhoto(ctx context.Context, id int64) (*Photo, error)
	// CasePoints returns the cases a selects, newest first, at most limit
	// (1 to MaxCaseList) of them, and whether there were more.
	CasePoints(ctx context.Context, a CaseArea, limit int) ([]CasePoint, bool, error)
	// CaseCells counts the cases a selects in each cell (CaseCellOf) of an
	// n×n grid over a.Bound, leaving out empty cells; the cells come by
	// row, then column. CheckCaseGrid's refusals are errors.
	CaseCells(ctx context.Context, a CaseArea, n int) ([]CaseCell, error)
}

// CheckCaseBatch refuses a CreateCases batch over MaxCaseBatch.
func CheckCaseBatch(cs []NewCase) error {
	if len(cs) > MaxCaseBatch {
		return fmt.Errorf("%d cases, more than the %d one batch may store", len(cs), MaxCaseBatch)
	}
	return nil
}

// CheckCaseLimit refuses a CasePoints limit out of its range.
func CheckCaseLimit(limit int) error {
	if limit < 1 || limit > MaxCaseList {
		return fmt.Errorf("a limit of %d cases: from 1 to %d", limit, MaxCaseList)
	}
	return nil
}
