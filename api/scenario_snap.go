package api

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
)

// scenarioSnaps caches the snapshots of scenarios: the baseline snapshot
// with a scenario version's edits applied.
type scenarioSnaps struct {
	mu sync.Mutex
	m  map[scenKey]*index.Snapshot
}

type scenKey struct {
	id, version int64
	base        *index.Snapshot
}

// snapshotFor returns the snapshot a request reads: the current baseline,
// or with ?scenario=ID that baseline with the scenario's edits. tag names
// the scenario version ("" for the baseline).
func (s *Server) snapshotFor(r *http.Request) (snap *index.Snapshot, tag string, e *appError) {
	base := s.index.Snapshot()
	if r.URL.RawQuery == "" { // most requests: no query to parse
		return base, "", nil
	}
	v := r.URL.Query().Get("scenario")
	if v == "" {
		return base, "", nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return nil, "", errBadRequest("scenario=%q is not a positive whole number", v)
	}
	sc, err := s.store.GetScenario(r.Context(), id)
	if err != nil {
		return nil, "", storeError(err)
	}
	tag = "s" + strconv.FormatInt(id, 10) + "v" + strconv.FormatInt(sc.Version, 10)
	k := scenKey{id, sc.Version, base}
	s.scens.mu.Lock()
	snap, ok := s.scens.m[k]
	s.scens.mu.Unlock()
	if ok {
		return snap, tag, nil
	}
	// Edits are parsed and repaired outside the lock: a repair may wait
	// for a turn in the repair pool.
	puts, dels, e := s.parseEdits(r.Context(), sc.Edits)
	if e != nil {
		return nil, "", e
	}
	s.scens.mu.Lock()
	defer s.scens.mu.Unlock()
	if snap, ok := s.scens.m[k]; ok {
		return snap, tag, nil
	}
	if s.scens.m == nil || len(s.scens.m) > 32 {
		s.scens.m = map[scenKey]*index.Snapshot{}
	}
	snap = base.With(puts, dels)
	s.scens.m[k] = snap
	return snap, tag, nil
}
