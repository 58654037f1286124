package coverage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/network"
)

// TestAuditCache: audits are kept per snapshot and mode; a new baseline
// replaces the old one's; a scenario's snapshot has its own, and shares
// the baseline's walking network when it leaves the roads alone; the
// kept audit's figures are those of a fresh run; audits walk the
// networks of the cache they are given.
func TestAuditCache(t *testing.T) {
	ctx := context.Background()
	base := fixtureTown(t)
	networks := network.NewCache(0, nil)
	c := NewCache(Default(), networks)
	walk, err := c.Audit(ctx, base, base, Walk)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := networks.Walks(ctx, base.Layer(geo.Roads)); walk.graph != w.Graph {
		t.Error("the audit did not walk the cache's network")
	}
	if again, _ := c.Audit(ctx, base, base, Walk); again != walk {
		t.Error("the baseline's audit was run again")
	}
	straight, _ := c.Audit(ctx, base, base, Straight)
	if straight == walk || straight.Mode != Straight {
		t.Errorf("straight mode: %v", straight.Mode)
	}
	fresh, err := Run(ctx, base, Default(), Options{Mode: Walk})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := find(t, walk, "park-500m-walk", "city").Value, find(t, fresh, "park-500m-walk", "city").Value; got != want {
		t.Errorf("cached audit %.6f, a fresh run %.6f", got, want)
	}
	// A scenario: a park added. Its audit is kept beside the baseline's,
	// on the same walking network.
	park := &geo.Feature{Layer: geo.Green, Geom: rect(100, 200, 180, 260), Props: map[string]any{"kind": "park", "public": true}}
	scen := base.With([]*geo.Feature{park}, nil)
	sa, err := c.Audit(ctx, scen, base, Walk)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Audit(ctx, scen, base, Walk); again != sa || sa == walk {
		t.Error("the scenario's audit was not kept apart")
	}
	if sa.graph != walk.graph {
		t.Error("a scenario that leaves the roads alone got another walking network")
	}
	if again, _ := c.Audit(ctx, base, base, Walk); again != walk {
		t.Error("the scenario's audit displaced the baseline's")
	}
	// The scenario becomes the baseline: its audits are run afresh.
	if nb, _ := c.Audit(ctx, scen, scen, Walk); nb == walk || nb == sa {
		t.Error("a new baseline kept an old audit")
	}
}

// TestAuditCacheWaitsWithContext: while an audit runs, another caller
// waits for its turn no longer than its context.
func TestAuditCacheWaitsWithContext(t *testing.T) {
	base := fixtureTown(t)
	c := NewCache(Default(), nil)
	c.turn <- struct{}{} // an audit under way
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Audit(ctx, base, base, Walk); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: %v", err)
	}
	<-c.turn
	if _, err := c.Audit(context.Background(), base, base, Walk); err != nil {
		t.Error(err)
	}
}

// TestAuditCacheCached: Cached answers at once, while an audit holds the
// turn: a miss before the audit is kept, the kept audit after, and a
// miss for another mode or a scenario's snapshot.
func TestAuditCacheCached(t *testing.T) {
	base := fixtureTown(t)
	c := NewCache(Default(), nil)
	if _, ok := c.Cached(base, base, Walk); ok {
		t.Error("an empty cache holds an audit")
	}
	a, err := c.Audit(context.Background(), base, base, Walk)
	if err != nil {
		t.Fatal(err)
	}
	c.turn <- struct{}{} // an audit under way
	defer func() { <-c.turn }()
	if got, ok := c.Cached(base, base, Walk); !ok || got != a {
		t.Error("the kept audit is not had while another runs")
	}
	if got, err := c.Audit(context.Background(), base, base, Walk); err != nil || got != a {
		t.Errorf("Audit of a kept audit waited or ran again: %v", err)
	}
	scen := base.With(nil, nil)
	if _, ok := c.Cached(base, base, Straight); ok {
		t.Error("another mode's audit is held")
	}
	if _, ok := c.Cached(scen, base, Walk); ok {
		t.Error("a scenario's audit is held")
	}
}
