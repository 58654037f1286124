package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Cases over HTTP (issue 19): staff report, list, read and step cases
// through cases.Service; the public sees a status-only view.
//
// Who may do what. The case roles sit beside the planning ladder (public <
// planner < auditor < admin), which they rank with as the public:
//   - inspector and dispatcher read every case; they, and admin, also see
//     the reporter's contact;
//   - auditor reads every case (the monthly assessment), without contacts;
//   - unit reads and acts on the cases dispatched to its unit only (403
//     otherwise), without contacts;
//   - admin may do everything;
//   - planner and the public read /api/cases/public and the categories.
//
// Which steps a role may take is cases.Workflow's (a refusal is 403).

// Case access: the roles that read cases at all, and those that also see
// the reporter's contact.
var (
	caseReaders  = []string{store.RoleInspector, store.RoleDispatcher, store.RoleUnit, store.RoleAuditor, store.RoleAdmin}
	contactRoles = []string{store.RoleInspector, store.RoleDispatcher, store.RoleAdmin}
)

// Limits of the case routes.
const (
	defaultCaseList = 100
	maxCaseList     = 1000
	maxPublicCases  = 5000
	maxCaseJSON     = 64 << 10 // a report's or step's JSON
	maxCodeBytes    = 400      // a zone or unit in a list's filter
	// DefaultCasePhotoBytes is the largest photo one may upload.
	DefaultCasePhotoBytes = 8 << 20
)

// newCaseService is the workflow the case routes share (one Service: it
// serialises duplicate checks). Its bound is the world: the city's bound
// is checked per request (caseBound), as the served layers may change.
func newCaseService(cfg Config, st store.Cases) *cases.Service {
	cat := cfg.CaseCatalog
	if cat == nil {
		cat = cases.Default()
	}
	clock := cfg.CaseClock
	if clock == nil {
		clock = time.Now
	}
	lim := cases.DefaultLimits
	// A cleaned photo may be a little larger than the upload it came from.
	lim.PhotoBytes = int(2 * casePhotoBytes(cfg))
	return &cases.Service{Store: st, Catalog: cat, Zones: cfg.CaseZones, Clock: clock, Limits: lim,
		Bound: orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}}
}

func casePhotoBytes(cfg Config) int64 {
	if cfg.CasePhotoBytes > 0 {
		return cfg.CasePhotoBytes
	}
	return DefaultCasePhotoBytes
}

// caseBound is the area reports must lie in: the configured bound, else
// the city's extent as the served layers have it now (CityBound; nothing
// is inside an empty service).
func (s *Server) caseBound() (orb.Bound, bool) {
	if s.cfg.CaseBound != (orb.Bound{}) {
		return s.cfg.CaseBound, true
	}
	b := s.index.Snapshot().CityBound()
	return b, b != (orb.Bound{})
}

// caseCaller refuses callers who may not read cases: 401 without a token,
// 403 for other roles and for a unit token that names no unit.
func caseCaller(w http.ResponseWriter, r *http.Request) (web.Caller, *appError) {
	c := callerOf(r)
	if slices.Contains(caseReaders, c.Role) {
		if c.Role == store.RoleUnit && c.Unit == "" {
			return c, forbidden("this unit token names no unit; create one with greenreach token create --role unit --unit CODE")
		}
		return c, nil
	}
	what := r.Method + " " + r.URL.Path
	if !c.Bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
		return c, errUnauthorized(what + " needs a token of role inspector, dispatcher, unit, auditor or admin (Authorization: Bearer …)")
	}
	return c, forbidden(what + " needs role inspector, dispatcher, unit, auditor or admin; this token is " + c.Role)
}

func forbidden(detail string) *appError {
	return &appError{Status: http.StatusForbidden, Title: "Forbidden", Detail: detail}
}

// actorOf is the caller as the workflow records it; without a token (a
// deployment whose anonymous role is raised) the name is "anonymous".
func actorOf(c web.Caller) cases.Actor {
	name := c.Name
	if !c.Bearer && name == "" {
		name = "anonymous"
	}
	return cases.Actor{Name: name, Role: c.Role, Unit: c.Unit}
}

// mayRead refuses a unit's token a case not dispatched to its unit.
func mayRead(c web.Caller, k *store.Case) *appError {
	if c.Role == store.RoleUnit && k.Unit != c.Unit {
		return forbidden(fmt.Sprintf("case %d is not dispatched to unit %s", k.ID, c.Unit))
	}
	return nil
}

// readableCase is case id for a caller who may read it (mayRead).
func (s *Server) readableCase(r *http.Request, c web.Caller, id int64) (*store.Case, *appError) {
	k, err := s.store.GetCase(r.Context(), id)
	if err != nil {
		return nil, caseError(err)
	}
	if e := mayRead(c, k); e != nil {
		return nil, e
	}
	return k, nil
}

// caseError is the answer to an error of cases.Service, the store or
// cases/photo.
func caseError(err error) *appError {
	var in *cases.InputError
	var notImage *photo.NotImageError
	var limit *photo.LimitError
	var invalid *photo.InvalidError
	switch {
	case errors.As(err, &in):
		return errBadRequest("%v", err)
	case errors.Is(err, cases.ErrForbidden):
		return forbidden(err.Error())
	case errors.Is(err, cases.ErrKeyReused):
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Idempotency key reused", Detail: err.Error() + "; a new report needs a new key"}
	case errors.Is(err, cases.ErrImpossible):
		return &appError{Status: http.StatusConflict, Title: "Impossible step", Detail: err.Error()}
	case errors.Is(err, store.ErrConflict):
		return &appError{Status: http.StatusPreconditionFailed, Title: "Precondition failed", Detail: err.Error() + "; read the case again and retry with its new ETag"}
	case errors.As(err, &notImage):
		return &appError{Status: http.StatusUnsupportedMediaType, Title: "Not an image", Detail: err.Error()}
	case errors.As(err, &limit):
		return &appError{Status: http.StatusRequestEntityTooLarge, Title: "Photo too large", Detail: err.Error()}
	case errors.As(err, &invalid):
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Invalid image", Detail: err.Error()}
	}
	return storeError(err)
}

// CaseJSON is a case as staff see it; Contact only for the roles that see
// contacts.
type CaseJSON struct {
	ID          int64           `json:"id"`
	Version     int64           `json:"version"`
	Category    string          `json:"category"`
	State       string          `json:"state"`
	Lon         float64         `json:"lon"`
	Lat         float64         `json:"lat"`
	Description string          `json:"description"`
	Source      string          `json:"source"`
	Reporter    string          `json:"reporter"`
	Contact     string          `json:"contact,omitempty"`
	Zone        string          `json:"zone,omitempty"`
	Unit        string          `json:"unit,omitempty"`
	DuplicateOf int64           `json:"duplicate_of,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Reopens     int             `json:"reopens"`
	Reported    time.Time       `json:"reported"`
	Registered  *time.Time      `json:"registered,omitempty"`
	Deadline    *time.Time      `json:"deadline,omitempty"`
	Closed      *time.Time      `json:"closed,omitempty"`
	Updated     time.Time       `json:"updated"`
	Overdue     bool            `json:"overdue"`
	History     []CaseEventJSON `json:"history,omitempty"`
	// Warning says what of a step did not happen (a registered case that
	// could not be dispatched).
	Warning string `json:"warning,omitempty"`
}

// CaseEventJSON is one step of a case's history.
type CaseEventJSON struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Who    string    `json:"who"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Note   string    `json:"note,omitempty"`
	Unit   string    `json:"unit,omitempty"`
	Photos []int64   `json:"photos"`
}

func caseJSON(c web.Caller, k *store.Case, now time.Time) CaseJSON {
	j := CaseJSON{ID: k.ID, Version: k.Version, Category: k.Category, State: k.State, Lon: k.Point[0], Lat: k.Point[1],
		Description: k.Description, Source: k.Source, Reporter: k.Reporter, Zone: k.Zone, Unit: k.Unit, DuplicateOf: k.DuplicateOf,
		Reason: k.Reason, Reopens: k.Reopens, Reported: k.Reported, Registered: k.Registered, Deadline: k.Deadline, Closed: k.Closed,
		Updated: k.Updated, Overdue: cases.Overdue(k, now)}
	if slices.Contains(contactRoles, c.Role) {
		j.Contact = k.Contact
	}
	return j
}

func caseEventsJSON(evs []store.CaseEvent) []CaseEventJSON {
	out := make([]CaseEventJSON, 0, len(evs))
	for _, e := range evs {
		ps := e.Photos
		if ps == nil {
			ps = []int64{}
		}
		out = append(out, CaseEventJSON{ID: e.ID, At: e.At, Who: e.Who, Role: e.Role, Action: e.Action, From: e.From, To: e.To, Note: e.Note, Unit: e.Unit, Photos: ps})
	}
	return out
}

func caseETag(k *store.Case) string { return fmt.Sprintf(`"v%d"`, k.Version) }

// caseIfMatch reads If-Match as a case version; every step requires it.
func caseIfMatch(r *http.Request) (int64, *appError) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, &appError{Status: http.StatusPreconditionRequired, Title: "Precondition required", Detail: `send If-Match with the case's ETag (e.g. "v3"), so that no one's step is taken twice or on a case that moved on`}
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), "v"), 10, 64)
	if err != nil || v < 1 {
		return 0, errBadRequest("If-Match %q is not a case ETag", h)
	}
	return v, nil
}

func caseID(r *http.Request, name string) (int64, *appError) {
	v := mux.Vars(r)[name]
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, errBadRequest("%s %q is not a positive whole number", name, v)
	}
	return id, nil
}

// writeCase answers with a case, its ETag and, when history is set, its
// history.
func (s *Server) writeCase(w http.ResponseWriter, r *http.Request, c web.Caller, k *store.Case, status int, history bool, warning string) *appError {
	j := caseJSON(c, k, s.cases.Clock())
	j.Warning = warning
	if history {
		evs, err := s.cases.History(r.Context(), k.ID)
		if err != nil {
			return caseError(err)
		}
		j.History = caseEventsJSON(evs)
	}
	w.Header().Set("ETag", caseETag(k))
	w.Header().Set("Cache-Control", "private, no-cache")
	return writeJSON(w, status, j)
}

// handleCaseGet: GET /api/cases/{id} — a case with its full history.
func (s *Server) handleCaseGet(w http.ResponseWriter, r *http.Request) *appError {
	c, e := caseCaller(w, r)
	if e != nil {
		return e
	}
	if e := jsonOnly(r); e != nil {
		return e
	}
	id, e := caseID(r, "id")
	if e != nil {
		return e
	}
	k, e := s.readableCase(r, c, id)
	if e != nil {
		return e
	}
	return s.writeCase(w, r, c, k, http.StatusOK, true, "")
}

// CaseListJSON is a page of cases, newest first; Next is the next page's
// URL, if there may be one.
type CaseListJSON struct {
	Cases []CaseJSON `json:"cases"`
	Next  string     `json:"next,omitempty"`
}

// caseFilter reads the list's filters: state (a comma list), category,
// zone, unit, overdue=true, bbox=minlon,minlat,maxlon,maxlat, limit and
// before (the id a page starts below).
func (s *Server) caseFilter(q url.Values, c web.Caller) (store.CaseFilter, *appError) {
	var f store.CaseFilter
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !slices.Contains(caseStates, st) {
				return f, errBadRequest("state=%q: want one or more of %s", st, strings.Join(caseStates, ", "))
			}
			if !slices.Contains(f.States, st) {
				f.States = append(f.States, st)
			}
		}
	}
	if v := q.Get("category"); v != "" {
		if s.cases.Catalog.Category(v) == nil {
			return f, errBadRequest("category=%q is not a case category (GET /api/cases/categories)", v)
		}
		f.Category = v
	}
	f.Zone, f.Unit = q.Get("zone"), q.Get("unit")
	for name, v := range map[string]string{"zone": f.Zone, "unit": f.Unit} {
		if len(v) > maxCodeBytes {
			return f, errBadRequest("%s: longer than its limit of %d bytes", name, maxCodeBytes)
		}
	}
	if c.Role == store.RoleUnit {
		if f.Unit != "" && f.Unit != c.Unit {
			return f, forbidden(fmt.Sprintf("a token of unit %s lists its own cases only", c.Unit))
		}
		f.Unit = c.Unit
	}
	switch v := q.Get("overdue"); v {
	case "", "false":
	case "true":
		// Overdue: open past the deadline (a closed case's deadline is
		// behind it whether it was late or not).
		now := s.cases.Clock()
		f.DueBefore = &now
		for _, st := range f.States {
			if !slices.Contains(cases.Open, st) {
				return f, errBadRequest("overdue=true lists open cases: state %s is not open (%s)", st, strings.Join(cases.Open, ", "))
			}
		}
		if f.States == nil {
			f.States = cases.Open
		}
	default:
		return f, errBadRequest("overdue=%q: want true or false", v)
	}
	if v := q.Get("bbox"); v != "" {
		b, e := bboxParam(v)
		if e != nil {
			return f, e
		}
		f.Bound = &b
	}
	limit, e := intParam(q, "limit", defaultCaseList, 1, maxCaseList)
	if e != nil {
		return f, e
	}
	f.Limit = limit
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, errBadRequest("before=%q: want a case id", v)
		}
		f.Before = n
	}
	return f, nil
}

var caseStates = []string{cases.Reported, cases.Registered, cases.Rejected, cases.Dispatched, cases.Handled, cases.Verified, cases.Closed}

// bboxParam reads minlon,minlat,maxlon,maxlat in WGS84 degrees.
func bboxParam(v string) (orb.Bound, *appError) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return orb.Bound{}, errBadRequest("bbox=%q: want minlon,minlat,maxlon,maxlat", v)
	}
	var n [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 180 || i%2 == 1 && math.Abs(x) > 90 {
			return orb.Bound{}, errBadRequest("bbox=%q: %q is not a longitude or latitude", v, p)
		}
		n[i] = x
	}
	if n[0] > n[2] || n[1] > n[3] {
		return orb.Bound{}, errBadRequest("bbox=%q: the minimum is above the maximum", v)
	}
	return orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}, nil
}

// handleCaseList: GET /api/cases — a page of cases, newest first.
func (s *Server) handleCaseList(w http.ResponseWriter, r *http.Request) *appError {
	c, e := caseCaller(w, r)
	if e != nil {
		return e
	}
	q := queryOf(r)
	if e := jsonOnly(r, "state", "category", "zone", "unit", "overdue", "bbox", "limit", "before"); e != nil {
		return e
	}
	f, e := s.caseFilter(q, c)
	if e != nil {
		return e
	}
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	list, err := s.store.ListCases(r.Context(), f)
	if err != nil {
		return caseError(err)
	}
	now := s.cases.Clock()
	out := CaseListJSON{Cases: make([]CaseJSON, 0, len(list))}
	for i := range list {
		out.Cases = append(out.Cases, caseJSON(c, &list[i], now))
	}
	if len(list) == f.Limit {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", strconv.FormatInt(list[len(list)-1].ID, 10))
		out.Next = web.BaseURL(r) + "/api/cases?" + next.Encode()
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	return writeJSON(w, http.StatusOK, out)
}

// reportBody is what POST /api/cases takes (as JSON, or as the "data"
// part of a multipart form whose "photo" parts are the photos).
type reportBody struct {
	Category    string   `json:"category"`
	Lon         *float64 `json:"lon"`
	Lat         *float64 `json:"lat"`
	Description string   `json:"description"`
	Contact     string   `json:"contact"`
	Source      string   `json:"source"`
}

// handleCaseReport: POST /api/cases — a new case (inspector, dispatcher,
// admin), with photos cleaned of their metadata before they are stored.
func (s *Server) handleCaseReport(w http.ResponseWriter, r *http.Request) *appError {
	c, e := caseCaller(w, r)
	if e != nil {
		return e
	}
	if e := jsonOnly(r); e != nil {
		return e
	}
	if !mayReport(c.Role) {
		return forbidden(fmt.Sprintf("role %q may not report cases", c.Role))
	}
	key, hasKey, e := idempotencyKey(r)
	if e != nil {
		return e
	}
	var b reportBody
	raw, done, e := s.caseBody(w, r, &b)
	if e != nil {
		return e
	}
	defer done()
	r, cancel := s.timed(r)
	defer cancel()
	// What is cheap to check comes before the photos' work.
	if s.cases.Catalog.Category(b.Category) == nil {
		return errBadRequest("category: %q is not a case category (GET /api/cases/categories)", b.Category)
	}
	if b.Lon == nil || b.Lat == nil {
		return errBadRequest("lon and lat are required (WGS84 degrees)")
	}
	p := orb.Point{*b.Lon, *b.Lat}
	if bound, ok := s.caseBound(); !ok || !bound.Contains(p) {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Outside the city",
			Detail: fmt.Sprintf("(%g, %g) is outside the city's bounds [%g, %g – %g, %g]", p[0], p[1], bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1])}
	}
	photos, e := s.cleanPhotos(r, raw)
	if e != nil {
		return e
	}
	rep := cases.Report{Category: b.Category, Point: p, Description: b.Description, Source: b.Source, Contact: b.Contact, Photos: photos}
	var k *store.Case
	var err error
	repeat := false
	if hasKey {
		k, repeat, err = s.cases.ReportOnce(r.Context(), actorOf(c), rep, key)
	} else {
		k, err = s.cases.Report(r.Context(), actorOf(c), rep)
	}
	if err != nil {
		return caseError(err)
	}
	w.Header().Set("Location", fmt.Sprintf("/api/cases/%d", k.ID))
	status := http.StatusCreated
	if repeat {
		status = http.StatusOK
	}
	return s.writeCase(w, r, c, k, status, true, "")
}

// idempotencyKey reads the Idempotency-Key header of a report: one value,
// checked as cases.CheckKey does (400 naming the limit otherwise).
func idempotencyKey(r *http.Request) (string, bool, *appError) {
	vs := r.Header.Values("Idempotency-Key")
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, errBadRequest("Idempotency-Key: %d values; send one key of 1 to %d characters", len(vs), cases.MaxKeyLen)
	}
	if err := cases.CheckKey(vs[0]); err != nil {
		return "", false, caseError(err)
	}
	return vs[0], true, nil
}

// mayReport reports whether the workflow lets role report a case.
func mayReport(role string) bool {
	for _, t := range cases.Workflow {
		if t.Action == cases.ActReport && slices.Contains(t.Roles, role) {
			return true
		}
	}
	return false
}

// stepBody is what POST /api/cases/{id}/{action} takes.
type stepBody struct {
	Note      string `json:"note"`
	Unit      string `json:"unit"`
	Zone      string `json:"zone"`
	Duplicate int64  `json:"duplicate"`
}

// handleCaseStep: POST /api/cases/{id}/{action} with If-Match — one step
// of the workflow: 412 when the case moved on, 409 when the step does not
// follow from its state, 403 when the role or unit may not take it.
func (s *Server) handleCaseStep(w http.ResponseWriter, r *http.Request) *appError {
	c, e := caseCaller(w, r)
	if e != nil {
		return e
	}
	if e := jsonOnly(r); e != nil {
		return e
	}
	id, e := caseID(r, "id")
	if e != nil {
		return e
	}
	version, e := caseIfMatch(r)
	if e != nil {
		return e
	}
	var b stepBody
	raw, done, e := s.caseBody(w, r, &b)
	if e != nil {
		return e
	}
	defer done()
	r, cancel := s.timed(r)
	defer cancel()
	// A refused caller spends no photo work and learns nothing of the
	// case; the Service checks again, with the case's state.
	if _, e := s.readableCase(r, c, id); e != nil {
		return e
	}
	photos, e := s.cleanPhotos(r, raw)
	if e != nil {
		return e
	}
	step := cases.Step{Action: mux.Vars(r)["action"], Note: b.Note, Unit: b.Unit, Zone: b.Zone, Duplicate: b.Duplicate, Photos: photos}
	k, err := s.cases.Take(r.Context(), actorOf(c), id, version, step)
	warning := ""
	if err != nil && k != nil {
		// Registered but not dispatched: the registration stands.
		warning = err.Error()
		s.log.Warn("case step incomplete", "request_id", web.RequestID(r.Context()), "case", id, "err", err)
	} else if err != nil {
		return caseError(err)
	}
	return s.writeCase(w, r, c, k, http.StatusOK, true, warning)
}
