package scenario

import (
	"context"
	"errors"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
)

// Snapshots caches the snapshots of scenarios: the baseline snapshot with
// a scenario version's edits applied. Each snapshot is built once, by the
// first caller that needs it, outside the lock: callers for the same
// scenario version wait for that build (no longer than their context),
// callers for others do not.
type Snapshots struct {
	// edits reads a scenario's edits for a build.
	edits func(ctx context.Context, sc *store.Scenario) (*Edits, error)

	mu sync.Mutex
	m  map[snapKey]*snapBuild
}

type snapKey struct {
	id, version int64
	base        *index.Snapshot
}

// snapBuild is one snapshot's build: done is closed once snap or err is
// set.
type snapBuild struct {
	done chan struct{}
	snap *index.Snapshot
	err  error
}

// maxSnapshots bounds the snapshots kept; past it the cache starts afresh
// (builds under way finish for those waiting on them).
const maxSnapshots = 32

// NewSnapshots returns a cache whose builds read a scenario's edits with
// edits. A build serves every caller waiting for it, so its context does
// not end with theirs: edits bounds its own time.
func NewSnapshots(edits func(ctx context.Context, sc *store.Scenario) (*Edits, error)) *Snapshots {
	return &Snapshots{edits: edits}
}

// ErrAbandoned is the error of a caller whose context ended while the
// snapshot it waited for was built.
var ErrAbandoned = errors.New("the request ended while the scenario's snapshot was built")

// Snapshot returns base with the edits of scenario version sc applied.
// An error is edits' (see Parse), or ErrAbandoned wrapping ctx's.
func (s *Snapshots) Snapshot(ctx context.Context, base *index.Snapshot, sc *store.Scenario) (*index.Snapshot, error) {
	k := snapKey{sc.ID, sc.Version, base}
	s.mu.Lock()
	b, ok := s.m[k]
	if !ok {
		if s.m == nil || len(s.m) >= maxSnapshots {
			s.m = map[snapKey]*snapBuild{}
		}
		b = &snapBuild{done: make(chan struct{})}
		s.m[k] = b
	}
	s.mu.Unlock()
	if !ok {
		s.build(ctx, k, b, sc)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, errors.Join(ErrAbandoned, ctx.Err())
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.snap, nil
}

// build applies a scenario's edits to its key's base and completes b. A
// build that failed is not kept: the next caller tries again.
func (s *Snapshots) build(ctx context.Context, k snapKey, b *snapBuild, sc *store.Scenario) {
	defer func() {
		if b.snap == nil && b.err == nil { // a panic, on its way up
			b.err = errors.New("building the scenario's snapshot failed")
		}
		if b.err != nil {
			s.mu.Lock()
			if s.m[k] == b {
				delete(s.m, k)
			}
			s.mu.Unlock()
		}
		close(b.done)
	}()
	// The build serves every caller waiting for it, so it does not end with
	// the first one's context.
	e, err := s.edits(context.WithoutCancel(ctx), sc)
	if err != nil {
		b.err = err
		return
	}
	b.snap = k.base.With(e.Puts, e.Dels)
}
