package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb/geojson"
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

func storeError(err error) *appError {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("%v", err)
	case errors.Is(err, store.ErrConflict):
		return &appError{Status: http.StatusPreconditionFailed, Title: "Precondition failed", Detail: err.Error() + "; fetch it again, merge, and retry with the new ETag"}
	case errors.Is(err, store.ErrCommitted):
		return &appError{Status: http.StatusConflict, Title: "Committed", Detail: err.Error() + ": it is part of the baseline and read-only"}
	case errors.Is(err, store.ErrUnavailable):
		return errUnavailable("the store is unavailable; try again", err)
	}
	return errInternal(err)
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

// scenarioEdits reads a stored scenario's edits: features to put and ids
// to delete by layer.
func (s *Server) scenarioEdits(r *http.Request, id int64) ([]*geo.Feature, map[string][]int64, *appError) {
	sc, e := s.readScenario(r, id)
	if e != nil {
		return nil, nil, e
	}
	return s.parseEdits(r.Context(), sc.Edits)
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
	if _, _, e := s.parseEdits(r.Context(), b.Edits); e != nil {
		return nil, e
	}
	return &b, nil
}

// parseEdits turns a scenario's edits into features to put and ids to
// delete, each checked and repaired as an import would (within the
// repair limits of a request).
func (s *Server) parseEdits(ctx context.Context, raw []byte) ([]*geo.Feature, map[string][]int64, *appError) {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil || fc.Type != "FeatureCollection" {
		return nil, nil, errBadRequest("edits must be a GeoJSON FeatureCollection")
	}
	if len(fc.Features) > 10000 {
		return nil, nil, errBadRequest("%d edits: at most 10000", len(fc.Features))
	}
	v := s.validator(ctx)
	var puts []*geo.Feature
	dels := map[string][]int64{}
	for i, gf := range fc.Features {
		op, _ := gf.Properties["op"].(string)
		layer, _ := gf.Properties["layer"].(string)
		if geo.SchemaOf(layer) == nil {
			return nil, nil, errBadRequest("edit %d: layer %q is not one of %s", i+1, layer, strings.Join(layerIDs(), ", "))
		}
		fid := int64(0)
		if f, ok := gf.Properties["fid"].(float64); ok {
			fid = int64(f)
		}
		switch op {
		case "delete":
			if fid < 1 {
				return nil, nil, errBadRequest("edit %d: delete needs fid", i+1)
			}
			dels[layer] = append(dels[layer], fid)
			continue
		case "change":
			if fid < 1 {
				return nil, nil, errBadRequest("edit %d: change needs fid", i+1)
			}
		case "add":
		default:
			return nil, nil, errBadRequest("edit %d: op %q: want add, change or delete", i+1, op)
		}
		if gf.Geometry == nil {
			return nil, nil, errBadRequest("edit %d: %s needs a geometry", i+1, op)
		}
		if n := vertices(gf.Geometry); n > maxVertices {
			return nil, nil, errBadRequest("edit %d has %d vertices: at most %d", i+1, n, maxVertices)
		}
		props := map[string]any{}
		for k, val := range gf.Properties {
			if k != "op" && k != "layer" && k != "fid" {
				props[k] = val
			}
		}
		f := &geo.Feature{ID: fid, Layer: layer, Geom: gf.Geometry, Props: props, Source: "scenario", SourceID: strconv.Itoa(i + 1)}
		if _, reason := v.Fix(f); reason != "" {
			return nil, nil, s.fixRefused("Invalid edit", fmt.Sprintf("edit %d", i+1), reason)
		}
		puts = append(puts, f)
	}
	return puts, dels, nil
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
	puts, dels, e := s.scenarioEdits(r, id)
	if e != nil {
		return e
	}
	for _, f := range puts {
		if f.ID == 0 {
			f.Source = fmt.Sprintf("scenario-%d", id)
		}
	}
	who := user(r)
	// stale: an edit of a feature the baseline no longer has (not found
	// while editing, as against the scenario itself not found).
	var stale error
	edit := func(err error) error {
		if errors.Is(err, store.ErrNotFound) {
			stale = err
		}
		return err
	}
	_, err := s.index.Write(r.Context(), s.store, func(tx store.Tx) error {
		for layer, ids := range dels {
			for _, fid := range ids {
				if err := tx.Delete(r.Context(), layer, fid); err != nil {
					return edit(err)
				}
			}
		}
		if len(puts) > 0 {
			if err := tx.Put(r.Context(), puts); err != nil {
				return edit(err)
			}
		}
		return tx.CommitScenario(r.Context(), id, v, who)
	})
	if stale != nil && errors.Is(err, stale) {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Stale edit", Detail: stale.Error() + ": the scenario changes or deletes a feature the baseline no longer has"}
	}
	if err != nil {
		return storeError(err)
	}
	s.logWrite(r, "scenario committed", "scenario", id, "put", len(puts), "deleted", deletedCount(dels))
	return s.writeScenario(w, r, id)
}

// deletedCount is the number of features dels names.
func deletedCount(dels map[string][]int64) int {
	n := 0
	for _, ids := range dels {
		n += len(ids)
	}
	return n
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
