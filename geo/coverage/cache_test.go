package coverage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/store"
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

// TestAuditCacheFollowsBaseline: a cache following a live index brings
// the audits it held up to date after each commit, in the background: the
// new baseline's audit (both modes) comes without a full run and has a
// full run's figures; a commit to the roads drops them, and the next is
// run afresh.
func TestAuditCacheFollowsBaseline(t *testing.T) {
	ctx := context.Background()
	lt := newLiveTown(t, "small")
	c := NewCache(Default(), nil)
	defer c.Close()
	c.Follow(lt.ix)
	base := lt.ix.Snapshot()
	for _, mode := range []string{Walk, Straight} {
		if _, err := c.Audit(ctx, base, base, mode); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(22, 3))
	park := &geo.Feature{Layer: geo.Green, Source: "test", SourceID: "park", Geom: mbox(randomPoint(rng, base), 120, 90),
		Props: map[string]any{"name": "new", "kind": "park", "public": true}}
	_, next, _ := lt.commit(t, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{park}) })
	// Brought up to date in the background, without being asked for.
	deadline := time.Now().Add(time.Minute)
	for {
		if _, ok := c.Cached(next, next, Walk); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new baseline's audit was not made in the background")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, mode := range []string{Walk, Straight} {
		got, err := c.Audit(ctx, next, next, mode)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(ctx, next, Default(), Options{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if d := auditDiff(got, want); d != "" {
			t.Fatalf("%s: %s", mode, d)
		}
	}
	if runs, updates := c.Counts(); runs != 2 || updates != 2 {
		t.Errorf("after a park's commit: %d full runs, %d updates; want 2 (the first audits), 2", runs, updates)
	}
	// Two commits in a row, the audit asked for at once: it waits for
	// both to be followed rather than running.
	for i := range 2 {
		f := &geo.Feature{Layer: geo.Waste, Source: "test", SourceID: fmt.Sprint("cp", i), Geom: randomPoint(rng, base),
			Props: map[string]any{"name": "new", "kind": "collection_point"}}
		_, next, _ = lt.commit(t, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{f}) })
	}
	if _, err := c.Audit(ctx, next, next, Walk); err != nil {
		t.Fatal(err)
	}
	if runs, updates := c.Counts(); runs != 2 || updates != 6 {
		t.Errorf("after two more commits: %d full runs, %d updates; want 2, 6", runs, updates)
	}
	// The roads: the walking network changes, the audits are run afresh.
	road := pick(rng, next, geo.Roads, nil)
	_, next, _ = lt.commit(t, func(tx store.Tx) error { return tx.Delete(ctx, geo.Roads, road.ID) })
	got, err := c.Audit(ctx, next, next, Walk)
	if err != nil {
		t.Fatal(err)
	}
	if runs, _ := c.Counts(); runs != 3 {
		t.Errorf("after a road's commit: %d full runs, want 3", runs)
	}
	want, err := Run(ctx, next, Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := auditDiff(got, want); d != "" {
		t.Fatal(d)
	}
}
