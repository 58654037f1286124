package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/survey"
)

// The green-space survey (普查, issue 19) over HTTP: staff read a green
// space's survey record, its history and the survey table, and edit the
// record with If-Match (package survey checks and applies the edit).
//
// Who may do what:
//   - inspector, planner and admin edit every survey field of every green
//     space;
//   - a unit's token edits the counted fields (trees, shrub_m2, lawn_m2)
//     of the green spaces in its care — whose unit attribute is its unit —
//     and nothing else: the grade and the responsible unit are the
//     bureau's to set, so a unit cannot regrade or hand over its own
//     green spaces. It reads every record, but the history and survey
//     table of its own green spaces only;
//   - dispatcher and auditor read records, histories and the table;
//   - planners' ladder aside, the public reads the survey attributes as
//     any attribute of the public green layer, never the history (it
//     names staff).
var (
	surveyReaders = []string{store.RoleInspector, store.RoleDispatcher, store.RoleUnit, store.RolePlanner, store.RoleAuditor, store.RoleAdmin}
	surveyEditors = survey.Editors
)

// Limits of the survey routes.
const (
	defaultSurveyHistory = 200
)

// newSurveyService is the survey service over the server's store and index, made once.
func newSurveyService(st store.Store, ix *live.Index) *survey.Service {
	return &survey.Service{Store: st, Index: ix}
}

// surveyCaller refuses callers outside roles: 401 without a token, 403
// for other roles and for a unit token that names no unit.
func surveyCaller(w http.ResponseWriter, r *http.Request, roles []string) (web.Caller, *appError) {
	c := callerOf(r)
	if slices.Contains(roles, c.Role) {
		if c.Role == store.RoleUnit && c.Unit == "" {
			return c, forbidden("this unit token names no unit; create one with greenreach token create --role unit --unit CODE")
		}
		return c, nil
	}
	what := r.Method + " " + r.URL.Path
	list := strings.Join(roles, ", ")
	if !c.Bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
		return c, errUnauthorized(what + " needs a token of role " + list + " (Authorization: Bearer …)")
	}
	return c, forbidden(what + " needs role " + list + "; this token is " + c.Role)
}

// surveyError is the answer to an error of package survey or the store.
func surveyError(err error) *appError {
	var in *survey.InputError
	switch {
	case errors.As(err, &in):
		return &appError{Status: http.StatusBadRequest, Title: "Invalid survey edit", Detail: err.Error()}
	case errors.Is(err, survey.ErrForbidden):
		return forbidden(err.Error())
	case errors.Is(err, store.ErrConflict):
		return &appError{Status: http.StatusPreconditionFailed, Title: "Survey record changed", Detail: err.Error() + "; read the record again and retry with its new ETag"}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("%v", err)
	}
	return storeError(err)
}

// surveyIfMatch reads If-Match as a green space's version: "v3", or the
// ETag of its OGC API item ("green-12-v3"); every edit requires it.
func surveyIfMatch(r *http.Request, id int64) (int64, *appError) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, &appError{Status: http.StatusPreconditionRequired, Title: "Survey version required",
			Detail: `send If-Match with the green space's ETag (e.g. "v3"), so that no one's survey is overwritten unseen`}
	}
	tag := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	tag = strings.TrimPrefix(tag, fmt.Sprintf("%s-%d-", geo.Green, id))
	v, err := strconv.ParseInt(strings.TrimPrefix(tag, "v"), 10, 64)
	if err != nil || v < 1 || !strings.HasPrefix(tag, "v") {
		return 0, errBadRequest("If-Match %q is not an ETag of green space %d (e.g. \"v3\")", h, id)
	}
	return v, nil
}

// SurveyJSON is a green space's survey record; Editable lists the fields
// the caller may change, Changes what an edit changed.
type SurveyJSON struct {
	ID       int64             `json:"id"`
	Version  int64             `json:"version"`
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	AreaM2   float64           `json:"area_m2"`
	Grade    any               `json:"grade"`
	Unit     any               `json:"unit"`
	UnitName string            `json:"unit_name,omitempty"`
	Trees    any               `json:"trees"`
	ShrubM2  any               `json:"shrub_m2"`
	LawnM2   any               `json:"lawn_m2"`
	Updated  time.Time         `json:"updated"`
	Editable []string          `json:"editable"`
	Changes  []SurveyEntryJSON `json:"changes,omitempty"`
}

// SurveyEntryJSON is one changed field of a survey's history; Old and New
// are the field's values (null for none).
type SurveyEntryJSON struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Role    string    `json:"role"`
	Version int64     `json:"version"`
	Field   string    `json:"field"`
	Old     any       `json:"old"`
	New     any       `json:"new"`
	Note    string    `json:"note,omitempty"`
}

// SurveyHistoryJSON is a green space's survey history, newest first.
type SurveyHistoryJSON struct {
	ID      int64             `json:"id"`
	History []SurveyEntryJSON `json:"history"`
}

func surveyEntriesJSON(es []store.SurveyEntry) []SurveyEntryJSON {
	out := make([]SurveyEntryJSON, 0, len(es))
	for _, e := range es {
		out = append(out, SurveyEntryJSON{ID: e.ID, At: e.At, Who: e.Who, Role: e.Role, Version: e.Version, Field: e.Field,
			Old: survey.Value(e.Field, e.Old), New: survey.Value(e.Field, e.New), Note: e.Note})
	}
	return out
}

// editable lists the fields c may edit on f.
func editable(c web.Caller, f *geo.Feature) []string {
	switch {
	case c.Role == store.RoleUnit && f.Text("unit") == c.Unit:
		return survey.UnitFields
	case c.Role == store.RoleUnit || !slices.Contains(surveyEditors, c.Role):
		return []string{}
	}
	return survey.Fields
}

// writeSurvey answers with a green space's survey record and its ETag.
func (s *Server) writeSurvey(w http.ResponseWriter, r *http.Request, c web.Caller, f *geo.Feature, changes []store.SurveyEntry) *appError {
	j := SurveyJSON{ID: f.ID, Version: f.Version, Name: f.Text("name"), Kind: f.Text("kind"), AreaM2: f.Float("area_m2"),
		Grade: f.Value("grade"), Unit: f.Value("unit"), Trees: f.Value("trees"), ShrubM2: f.Value("shrub_m2"), LawnM2: f.Value("lawn_m2"),
		Updated: f.Updated, Editable: editable(c, f)}
	if id := f.Text("unit"); id != "" {
		if u, err := s.store.GetUnit(r.Context(), id); err == nil {
			j.UnitName = u.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return surveyError(err)
		}
	}
	if changes != nil {
		j.Changes = surveyEntriesJSON(changes)
	}
	w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, f.Version))
	w.Header().Set("Cache-Control", "private, no-cache")
	return writeJSON(w, http.StatusOK, j)
}

// surveyGreen parses a request about one green space: its caller (one of
// roles), an answer in JSON with no query parameters but known, and the
// green space's {id}.
func surveyGreen(w http.ResponseWriter, r *http.Request, roles []string, known ...string) (web.Caller, int64, *appError) {
	c, e := surveyCaller(w, r, roles)
	if e != nil {
		return c, 0, e
	}
	if e := jsonOnly(r, known...); e != nil {
		return c, 0, e
	}
	id, e := caseID(r, "id")
	return c, id, e
}

// handleSurveyGet: GET /api/survey/green/{id} — a green space's survey
// record with its ETag and the fields the caller may edit.
func (s *Server) handleSurveyGet(w http.ResponseWriter, r *http.Request) *appError {
	c, id, e := surveyGreen(w, r, surveyReaders)
	if e != nil {
		return e
	}
	f, err := s.store.Get(r.Context(), geo.Green, id)
	if err != nil {
		return surveyError(err)
	}
	return s.writeSurvey(w, r, c, f, nil)
}

// handleSurveyEdit: PATCH /api/survey/green/{id} with If-Match and a JSON
// object of survey fields (and a note): 428 without If-Match, 412 when
// the green space moved on, 400 for a field unknown, of the wrong type or
// out of range (nothing is written), 403 for a unit's token beyond its
// green spaces' counts.
func (s *Server) handleSurveyEdit(w http.ResponseWriter, r *http.Request) *appError {
	c, id, e := surveyGreen(w, r, surveyEditors)
	if e != nil {
		return e
	}
	version, e := surveyIfMatch(r, id)
	if e != nil {
		return e
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/merge-patch+json") {
		return &appError{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: fmt.Sprintf("Content-Type %q: send application/json", ct)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, survey.MaxBody))
	if err != nil {
		return s.bodyError(err, survey.MaxBody)
	}
	edit, err := survey.Decode(body)
	if err != nil {
		return surveyError(err)
	}
	name := c.Name
	if !c.Bearer && name == "" {
		name = "anonymous"
	}
	res, err := s.survey.Apply(r.Context(), survey.Actor{Name: name, Role: c.Role, Unit: c.Unit}, id, version, edit)
	if err != nil {
		return surveyError(err)
	}
	changes := res.Entries
	if changes == nil {
		changes = []store.SurveyEntry{}
	}
	return s.writeSurvey(w, r, c, res.Feature, changes)
}

// mayReadSurvey refuses a unit's token the history of a green space not
// in its care.
func (s *Server) mayReadSurvey(r *http.Request, c web.Caller, id int64) *appError {
	if c.Role != store.RoleUnit {
		return nil
	}
	f, err := s.store.Get(r.Context(), geo.Green, id)
	if err != nil {
		return surveyError(err)
	}
	if f.Text("unit") != c.Unit {
		return forbidden(fmt.Sprintf("green space %d is not in the care of unit %s", id, c.Unit))
	}
	return nil
}

// handleSurveyHistory: GET /api/survey/green/{id}/history[?limit=] — the
// survey history of a green space, newest first.
func (s *Server) handleSurveyHistory(w http.ResponseWriter, r *http.Request) *appError {
	c, id, e := surveyGreen(w, r, surveyReaders, "limit")
	if e != nil {
		return e
	}
	limit, e := intParam(queryOf(r), "limit", defaultSurveyHistory, 1, survey.MaxHistory)
	if e != nil {
		return e
	}
	if e := s.mayReadSurvey(r, c, id); e != nil {
		return e
	}
	es, err := s.survey.History(r.Context(), id, limit)
	if err != nil {
		return surveyError(err)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	return writeJSON(w, http.StatusOK, SurveyHistoryJSON{ID: id, History: surveyEntriesJSON(es)})
}

// handleSurveyCSV: GET /api/survey/green.csv[?lang=][&bom=false] — the
// survey table (普查表) of every green space, or a unit's own, from the
// served snapshot: UTF-8 with a BOM, headed with the schema's aliases.
func (s *Server) handleSurveyCSV(w http.ResponseWriter, r *http.Request) *appError {
	c, e := surveyCaller(w, r, surveyReaders)
	if e != nil {
		return e
	}
	q := queryOf(r)
	if e := onlyParams(q, "lang", "bom"); e != nil {
		return e
	}
	noBOM := false
	switch v := q.Get("bom"); v {
	case "", "true":
	case "false":
		noBOM = true
	default:
		return errBadRequest("bom=%q: want true or false", v)
	}
	l, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	units, err := s.store.ListUnits(r.Context())
	if err != nil {
		return surveyError(err)
	}
	names := make(map[string]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Name
	}
	layer := s.index.Snapshot().Layer(geo.Green)
	each := func(fn func(*geo.Feature) bool) {
		if layer == nil {
			return
		}
		layer.Scan(func(f *geo.Feature) bool {
			if c.Role == store.RoleUnit && f.Text("unit") != c.Unit {
				return true
			}
			return fn(f)
		})
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="survey-green.csv"`)
	w.Header().Set("Cache-Control", "private, no-cache")
	if err := survey.WriteCSV(r.Context(), w, l, noBOM, each, func(id string) string { return names[id] }); err != nil {
		// The header is sent: the cut-off table is the answer; log why.
		s.log.Warn("survey table cut off", "request_id", web.RequestID(r.Context()), "err", err)
	}
	return nil
}
