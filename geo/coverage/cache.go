package coverage

import (
	"context"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
)

// Cache keeps the audits of one rule set per snapshot and mode: any edit
// makes a new snapshot, and so a new audit on demand. The current
// baseline's audits are kept until the baseline changes; other snapshots'
// (scenarios') a few at a time. One audit runs at a time; a caller waits
// for its turn no longer than its context. A kept audit is had without
// waiting (Cached).
type Cache struct {
	rules    *RuleSet
	networks *network.Cache

	turn chan struct{} // holds a token while an audit runs

	mu     sync.Mutex // guards what follows
	base   *index.Snapshot
	byMode map[string]*Audit
	other  map[auditKey]*Audit
}

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
	return &Cache{rules: rs, networks: networks, turn: make(chan struct{}, 1)}
}

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
	if a, ok := c.Cached(snap, base, mode); ok { // run while this one waited
		return a, nil
	}
	a, err := c.Run(ctx, snap, mode)
	if err != nil {
		return nil, err
	}
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
