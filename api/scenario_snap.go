package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/scenario"
	"github.com/greenreach/greenreach/store"
)

// readScenario returns scenario id for a caller who may see it. Drafts
// are for planners and above: for a caller below, the answer is the same
// 404 as for an id that does not exist, and the store is not asked, so
// ids cannot be told apart or enumerated. Every route that reads a
// scenario (?scenario= or the path) goes through here.
func (s *Server) readScenario(r *http.Request, id int64) (*store.Scenario, *appError) {
	if !callerOf(r).Allowed(store.RolePlanner) {
		return nil, scenarioNotFound(id)
	}
	sc, err := s.store.GetScenario(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, scenarioNotFound(id)
	}
	if err != nil {
		return nil, storeError(err)
	}
	return sc, nil
}

func scenarioNotFound(id int64) *appError { return errNotFound("scenario %d not found", id) }

// snapshotFor returns the snapshot a request reads: the current baseline,
// or with ?scenario=ID that baseline with the scenario's edits. tag names
// the scenario version ("" for the baseline).
func (s *Server) snapshotFor(r *http.Request) (snap *index.Snapshot, tag string, e *appError) {
	base := s.index.Snapshot()
	if r.URL.RawQuery == "" { // most requests: no query to parse
		return base, "", nil
	}
	v := queryOf(r).Get("scenario")
	if v == "" {
		return base, "", nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return nil, "", errBadRequest("scenario=%q is not a positive whole number", v)
	}
	sc, e := s.readScenario(r, id)
	if e != nil {
		return nil, "", e
	}
	tag = "s" + strconv.FormatInt(id, 10) + "v" + strconv.FormatInt(sc.Version, 10)
	snap, err = s.scens.Snapshot(r.Context(), base, sc)
	switch {
	case errors.Is(err, scenario.ErrAbandoned):
		return nil, "", errUnavailable(scenario.ErrAbandoned.Error(), r.Context().Err())
	case err != nil:
		return nil, "", s.domainError(err, "Invalid edit")
	}
	return snap, tag, nil
}

// scenarioSnapshots returns the cache of scenario snapshots: each build
// reads the edits as a request would, repairs within a request's limits
// and its time within QueryTimeout; a repair may still wait for a slot.
func (s *Server) scenarioSnapshots() *scenario.Snapshots {
	return scenario.NewSnapshots(func(ctx context.Context, sc *store.Scenario) (*scenario.Edits, error) {
		if t := s.cfg.QueryTimeout; t > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			defer cancel()
		}
		if s.scenBuilding != nil {
			s.scenBuilding(sc.ID)
		}
		return scenario.Parse(sc.Edits, s.validator(ctx))
	})
}
