package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/scenario"
	"github.com/greenreach/greenreach/store"
)

// Scenario edits are a GeoJSON FeatureCollection; each feature's
// properties carry "op" (add, change or delete), "layer", and for change
// and delete "fid", the baseline feature's id. Added and changed features
// carry their geometry and attributes.

// ScenarioJSON is a scenario as the API shows it.
type ScenarioJSON struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Author      string          `json:"author"`
	Owner       string          `json:"owner"`
	Version     int64           `json:"version"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Committed   *time.Time      `json:"committed,omitempty"`
	CommittedBy string          `json:"committed_by,omitempty"`
	Edits       json.RawMessage `json:"edits,omitempty"`
}

func scenarioJSON(sc *store.Scenario) ScenarioJSON {
	return ScenarioJSON{ID: sc.ID, Name: sc.Name, Author: sc.Author, Owner: sc.Owner, Version: sc.Version, Created: sc.Created, Updated: sc.Updated, Committed: sc.Committed, CommittedBy: sc.CommittedBy, Edits: sc.Edits}
}

func etagOf(sc *store.Scenario) string { return fmt.Sprintf(`"v%d"`, sc.Version) }

// ifMatch reads If-Match as a scenario version; writes require it.
func ifMatch(r *http.Request) (int64, *appError) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, &appError{Status: http.StatusPreconditionRequired, Title: "Precondition required", Detail: `send If-Match with the scenario's ETag (e.g. "v3"), so that no one's edits are overwritten unseen`}
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.TrimPrefix(strings.Trim(h, `"`), "v"), 10, 64)
	if err != nil || v < 1 {
		return 0, errBadRequest("If-Match %q is not a scenario ETag", h)
	}
	return v, nil
}

// writeScenario answers with the stored scenario and its ETag.
func (s *Server) writeScenario(w http.ResponseWriter, r *http.Request, id int64) *appError {
	sc, err := s.store.GetScenario(r.Context(), id)
	if err != nil {
		return storeError(err)
	}
	w.Header().Set("ETag", etagOf(sc))
	return writeJSON(w, http.StatusOK, scenarioJSON(sc))
}

// scenarioEdits reads a stored scenario's edits (package scenario).
func (s *Server) scenarioEdits(r *http.Request, id int64) (*scenario.Edits, *appError) {
	sc, e := s.readScenario(r, id)
	if e != nil {
		return nil, e
	}
	ed, err := scenario.Parse(sc.Edits, s.validator(r.Context()))
	if err != nil {
		return nil, s.domainError(err, "Invalid edit")
	}
	return ed, nil
}

// scenarioAt reads the scenario id of a write and the version its
// If-Match names.
func scenarioAt(r *http.Request) (id, version int64, e *appError) {
	if id, e = scenarioID(r); e != nil {
		return 0, 0, e
	}
	version, e = ifMatch(r)
	return id, version, e
}

func scenarioID(r *http.Request) (int64, *appError) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id < 1 {
		return 0, errBadRequest("scenario id %q is not a positive whole number", mux.Vars(r)["id"])
	}
	return id, nil
}

// scenarioBody is what POST and PATCH take.
type scenarioBody struct {
	Name  string          `json:"name"`
	Edits json.RawMessage `json:"edits"`
}

func (s *Server) readScenarioBody(r *http.Request) (*scenarioBody, *appError) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 8*maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &appError{Status: http.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("the body is over %d bytes", 8*maxBodyBytes)}
		}
		return nil, errBadRequest("reading the body: %v", err)
	}
	var b scenarioBody
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, errBadRequest("the body is not {\"name\": …, \"edits\": FeatureCollection}: %v", err)
	}
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" || len(b.Name) > 200 {
		return nil, errBadRequest("name is required (at most 200 bytes)")
	}
	if len(b.Edits) == 0 {
		b.Edits = json.RawMessage(`{"type":"FeatureCollection","features":[]}`)
	}
	if _, err := scenario.Parse(b.Edits, s.validator(r.Context())); err != nil {
		return nil, s.domainError(err, "Invalid edit")
	}
	return &b, nil
}

func (s *Server) handleScenarioList(w http.ResponseWriter, r *http.Request) *appError {
	list, err := s.store.ListScenarios(r.Context())
	if err != nil {
		return storeError(err)
	}
	out := make([]ScenarioJSON, 0, len(list))
	for i := range list {
		out = append(out, scenarioJSON(&list[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleScenarioCreate(w http.ResponseWriter, r *http.Request) *appError {
	b, e := s.readScenarioBody(r)
	if e != nil {
		return e
	}
	sc := &store.Scenario{Name: b.Name, Author: user(r), Owner: owner(r), Edits: b.Edits}
	if err := s.store.CreateScenario(r.Context(), sc); err != nil {
		return storeError(err)
	}
	s.logWrite(r, "scenario created", "scenario", sc.ID, "name", sc.Name)
	w.Header().Set("ETag", etagOf(sc))
	w.Header().Set("Location", fmt.Sprintf("/api/scenarios/%d", sc.ID))
	return writeJSON(w, http.StatusCreated, scenarioJSON(sc))
}

func (s *Server) handleScenarioGet(w http.ResponseWriter, r *http.Request) *appError {
	id, e := scenarioID(r)
	if e != nil {
		return e
	}
	sc, e := s.readScenario(r, id)
	if e != nil {
		return e
	}
	w.Header().Set("ETag", etagOf(sc))
	return writeJSON(w, http.StatusOK, scenarioJSON(sc))
}

// mayChange refuses a caller who may not change or delete scenario id:
// its owner and admins may; other planners may read it and what-if it.
// A scenario without an owner (created without a token, or before owners
// were kept) is for admins only. The owner never changes, so the check
// needs no lock against the write that follows.
func (s *Server) mayChange(r *http.Request, id int64) *appError {
	sc, e := s.readScenario(r, id)
	if e != nil {
		return e
	}
	c := callerOf(r)
	if c.Allowed(store.RoleAdmin) || sc.Owner != "" && c.Bearer && c.Name == sc.Owner {
		return nil
	}
	whose := "has no owner: only admins may change or delete it"
	if sc.Owner != "" {
		whose = fmt.Sprintf("belongs to %q: only its owner or an admin may change or delete it", sc.Owner)
	}
	return &appError{Status: http.StatusForbidden, Title: "Forbidden", Detail: fmt.Sprintf("scenario %d %s", id, whose)}
}

// owner is who owns a scenario the request creates: the token's name, or
// nobody (admins only) for a caller without a token, whose X-User anyone
// can send.
func owner(r *http.Request) string {
	if c := callerOf(r); c.Bearer {
		return c.Name
	}
	return ""
}

func (s *Server) handleScenarioUpdate(w http.ResponseWriter, r *http.Request) *appError {
	id, v, e := scenarioAt(r)
	if e != nil {
		return e
	}
	if e := s.mayChange(r, id); e != nil {
		return e
	}
	b, e := s.readScenarioBody(r)
	if e != nil {
		return e
	}
	sc := &store.Scenario{ID: id, Name: b.Name, Edits: b.Edits}
	if err := s.store.UpdateScenario(r.Context(), sc, v); err != nil {
		return storeError(err)
	}
	s.logWrite(r, "scenario updated", "scenario", id, "from_version", v)
	return s.writeScenario(w, r, id)
}

func (s *Server) handleScenarioDelete(w http.ResponseWriter, r *http.Request) *appError {
	id, v, e := scenarioAt(r)
	if e != nil {
		return e
	}
	if e := s.mayChange(r, id); e != nil {
		return e
	}
	if err := s.store.DeleteScenario(r.Context(), id, v); err != nil {
		return storeError(err)
	}
	s.logWrite(r, "scenario deleted", "scenario", id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleScenarioCommit: POST /api/scenarios/{id}/commit with If-Match —
// the scenario's edits go into the baseline, and the scenario is marked
// committed by the caller, in one transaction; tiles, queries and audits
// see it on the next request.
func (s *Server) handleScenarioCommit(w http.ResponseWriter, r *http.Request) *appError {
	id, v, e := scenarioAt(r)
	if e != nil {
		return e
	}
	ed, e := s.scenarioEdits(r, id)
	if e != nil {
		return e
	}
	err := scenario.Commit(r.Context(), s.index, s.store, id, v, user(r), ed)
	var stale *scenario.StaleError
	if errors.As(err, &stale) {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Stale edit", Detail: stale.Error() + ": the scenario changes or deletes a feature the baseline no longer has"}
	}
	if err != nil {
		return storeError(err)
	}
	s.logWrite(r, "scenario committed", "scenario", id, "put", len(ed.Puts), "deleted", ed.Deleted())
	return s.writeScenario(w, r, id)
}

// user names the caller: the token's name; without a token (a deployment
// whose anonymous role may write) the X-User header, else "anonymous".
func user(r *http.Request) string {
	if c := callerOf(r); c.Bearer {
		return c.Name
	}
	if u := strings.TrimSpace(r.Header.Get("X-User")); u != "" && len(u) <= 100 {
		return u
	}
	return "anonymous"
}
