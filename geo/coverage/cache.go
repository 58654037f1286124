package coverage

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
)

// Cache keeps the audits of one rule set per snapshot and mode: any edit
// makes a new snapshot, and so a new audit on demand. The current
// baseline's audits are kept until the baseline changes; other snapshots'
// (scenarios') a few at a time. One audit runs at a time; a caller waits
// for its turn no longer than its context. A kept audit is had without
// waiting (Cached). When the baseline moves by an edit (Advance), the
// cache brings the audits it held up to date incrementally (Audit.Update)
// in its turn, so that the new baseline's are had without a full audit.
type Cache struct {
	rules    *RuleSet
	networks *network.Cache

	turn chan struct{} // holds a token while an audit runs

	// ctx ends with Close, and with it the following of the baseline.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards what follows
	base   *index.Snapshot
	byMode map[string]*Audit
	other  map[auditKey]*Audit
	// The baseline's moves not yet followed, oldest first, and whether a
	// goroutine (at most one) is following them.
	steps     []baseStep
	following bool
	// applying is the move being followed (taken off steps), if any.
	applying *baseStep
	// Audits made: full runs, and brought up to date from another.
	runs, updates int
}

// baseStep is a move of the baseline by one edit.
type baseStep struct {
	prev, next *index.Snapshot
	dirty      index.Dirty
}

// maxSteps bounds the moves of the baseline waiting to be followed; past
// it they are dropped, and the next audit asked for is run afresh.
const maxSteps = 64

// updateTimeout bounds the bringing up to date of one audit by one edit.
const updateTimeout = time.Minute

type auditKey struct {
	snap *index.Snapshot
	mode string
}

// maxOtherAudits bounds the audits kept of snapshots other than the
// baseline; past it the cache of those starts afresh.
const maxOtherAudits = 8

// NewCache returns a cache of audits of rs whose walking networks come
// from networks (nil: each audit builds its own).
func NewCache(rs *RuleSet, networks *network.Cache) *Cache {
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{rules: rs, networks: networks, turn: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// Close stops following the baseline (an update under way is cancelled).
func (c *Cache) Close() { c.cancel() }

// Audit returns the audit of snap in mode, running it if the cache does
// not hold it; base is the current baseline's snapshot.
func (c *Cache) Audit(ctx context.Context, snap, base *index.Snapshot, mode string) (*Audit, error) {
	if a, ok := c.Cached(snap, base, mode); ok {
		return a, nil
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.turn }()
	// The baseline's moves first: snap may be one of them.
	c.catchUp()
	if a, ok := c.Cached(snap, base, mode); ok { // run while this one waited
		return a, nil
	}
	a, err := c.Run(ctx, snap, mode)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.runs++
	c.mu.Unlock()
	c.keep(snap, base, mode, a)
	return a, nil
}

// Cached returns the audit of snap in mode if the cache holds it, without
// waiting for an audit under way.
func (c *Cache) Cached(snap, base *index.Snapshot, mode string) (*Audit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap != base {
		a, ok := c.other[auditKey{snap, mode}]
		return a, ok
	}
	if c.base != snap {
		return nil, false
	}
	a, ok := c.byMode[mode]
	return a, ok
}

// keep holds a's audit of snap in mode: a new baseline's replace the old
// one's.
func (c *Cache) keep(snap, base *index.Snapshot, mode string, a *Audit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap != base {
		if c.other == nil || len(c.other) >= maxOtherAudits {
			c.other = map[auditKey]*Audit{}
		}
		c.other[auditKey{snap, mode}] = a
		return
	}
	if c.base != snap {
		c.base, c.byMode = snap, map[string]*Audit{}
	}
	c.byMode[mode] = a
}

// Run audits snap in mode with the cache's rules and networks, without
// keeping the audit.
func (c *Cache) Run(ctx context.Context, snap *index.Snapshot, mode string) (*Audit, error) {
	return Run(ctx, snap, c.rules, Options{Mode: mode, Networks: c.networks})
}

// Follow has the cache follow ix's baseline: after each edit ix applies,
// the audits the cache held of the snapshot before it are brought up to
// date for the snapshot after (Advance). ix calls its listeners one at a
// time, with its new snapshot current.
func (c *Cache) Follow(ix interface {
	OnApply(func(index.Dirty))
	Snapshot() *index.Snapshot
}) {
	last := ix.Snapshot()
	ix.OnApply(func(d index.Dirty) {
		next := ix.Snapshot()
		c.Advance(last, next, d)
		last = next
	})
}

// Advance tells the cache that the baseline moved from prev to next by
// an edit that changed the layers where dirty says. If the cache holds
// prev's audits (or will, by the moves before), they are brought up to
// date for next in the background, one audit at a time in the cache's
// turn; an audit of next asked for meanwhile waits for that rather than
// running afresh. A move it cannot follow incrementally drops the
// baseline's audits: the next one asked for is run.
func (c *Cache) Advance(prev, next *index.Snapshot, dirty index.Dirty) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.base
	if c.applying != nil {
		from = c.applying.next // held once it is applied
	}
	if n := len(c.steps); n > 0 {
		from = c.steps[n-1].next
	}
	if from != prev || len(c.byMode) == 0 && len(c.steps) == 0 && c.applying == nil {
		return // nothing held to bring up to date
	}
	if len(c.steps) >= maxSteps {
		c.steps, c.base, c.byMode = nil, nil, nil
		return
	}
	c.steps = append(c.steps, baseStep{prev, next, dirty})
	if !c.following && c.ctx.Err() == nil {
		c.following = true
		go c.follow()
	}
}

// follow takes the cache's turn to follow the baseline's moves until none
// is left or the cache is closed.
func (c *Cache) follow() {
	for {
		select {
		case c.turn <- struct{}{}:
		case <-c.ctx.Done():
			c.mu.Lock()
			c.following = false
			c.mu.Unlock()
			return
		}
		c.catchUp()
		<-c.turn
		c.mu.Lock()
		if len(c.steps) == 0 || c.ctx.Err() != nil {
			c.following = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// catchUp brings the baseline's audits up to date with every move
// waiting; the caller holds the turn.
func (c *Cache) catchUp() {
	for {
		c.mu.Lock()
		if len(c.steps) == 0 {
			c.mu.Unlock()
			return
		}
		s := c.steps[0]
		c.steps = c.steps[1:]
		base, held := c.base, c.byMode
		if base != s.prev || len(held) == 0 {
			c.mu.Unlock()
			continue
		}
		c.applying = &s
		c.mu.Unlock()
		next, err := c.update(held, s)
		c.mu.Lock()
		c.applying = nil
		if err != nil {
			// Too wide, failed or cancelled: the new baseline's audits are
			// run when asked for; the old ones are of no more use.
			c.base, c.byMode = nil, nil
		} else {
			c.base, c.byMode = s.next, next
			c.updates += len(next)
		}
		c.mu.Unlock()
	}
}

// update brings each of the audits held (by mode) up to date by step s.
func (c *Cache) update(held map[string]*Audit, s baseStep) (map[string]*Audit, error) {
	ch, ok := ChangeOf(s.prev, s.next, s.dirty)
	if !ok {
		return nil, ErrWide
	}
	out := make(map[string]*Audit, len(held))
	for _, mode := range slices.Sorted(maps.Keys(held)) {
		ctx, cancel := context.WithTimeout(c.ctx, updateTimeout)
		a, err := held[mode].Update(ctx, s.next, ch)
		cancel()
		if err != nil {
			return nil, err
		}
		out[mode] = a
	}
	return out, nil
}

// Counts returns how many audits the cache has run afresh and how many it
// has brought up to date from the one before.
func (c *Cache) Counts() (runs, updates int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs, c.updates
}
