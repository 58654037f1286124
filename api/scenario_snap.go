package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
)

// scenarioSnaps caches the snapshots of scenarios: the baseline snapshot
// with a scenario version's edits applied. Each snapshot is built once, by
// the first request that needs it, outside the lock: requests for the same
// scenario version wait for that build, requests for others do not.
type scenarioSnaps struct {
	mu sync.Mutex
	m  map[scenKey]*scenBuild
	// building, when set (tests only), is called before a snapshot is
	// built, outside the lock.
	building func(id int64)
}

type scenKey struct {
	id, version int64
	base        *index.Snapshot
}

// scenBuild is one snapshot's build: done is closed once snap or err is
// set.
type scenBuild struct {
	done chan struct{}
	snap *index.Snapshot
	err  *appError
}

// maxScenarioSnaps bounds the snapshots kept; past it the cache starts
// afresh (builds under way finish for those waiting on them).
const maxScenarioSnaps = 32

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
	k := scenKey{id, sc.Version, base}
	s.scens.mu.Lock()
	b, ok := s.scens.m[k]
	if !ok {
		if s.scens.m == nil || len(s.scens.m) >= maxScenarioSnaps {
			s.scens.m = map[scenKey]*scenBuild{}
		}
		b = &scenBuild{done: make(chan struct{})}
		s.scens.m[k] = b
	}
	hook := s.scens.building
	s.scens.mu.Unlock()
	if !ok {
		if hook != nil {
			hook(id)
		}
		s.buildScenario(r.Context(), k, b, sc)
	}
	select {
	case <-b.done:
	case <-r.Context().Done():
		return nil, "", errUnavailable("the request ended while the scenario's snapshot was built", r.Context().Err())
	}
	if b.err != nil {
		return nil, "", b.err
	}
	return b.snap, tag, nil
}

// buildScenario applies a scenario's edits to its key's base and
// completes b. A build that failed is not kept: the next request tries
// again.
func (s *Server) buildScenario(ctx context.Context, k scenKey, b *scenBuild, sc *store.Scenario) {
	defer func() {
		if b.snap == nil && b.err == nil { // a panic, on its way up
			b.err = errInternal(errors.New("building the scenario's snapshot failed"))
		}
		if b.err != nil {
			s.scens.mu.Lock()
			if s.scens.m[k] == b {
				delete(s.scens.m, k)
			}
			s.scens.mu.Unlock()
		}
		close(b.done)
	}()
	// The build serves every request waiting for it, so it does not end with
	// the first one's; a repair in it may still wait for a pool slot.
	ctx = context.WithoutCancel(ctx)
	if t := s.cfg.QueryTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	puts, dels, e := s.parseEdits(ctx, sc.Edits)
	if e != nil {
		b.err = e
		return
	}
	b.snap = k.base.With(puts, dels)
}
