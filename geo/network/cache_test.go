package network

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// streets returns a snapshot whose roads are an n×n grid of 50 m blocks.
func streets(n int) *index.Snapshot {
	var feats []*geo.Feature
	id := int64(1)
	for i := 0; i <= n; i++ {
		var ew, ns orb.LineString
		for j := 0; j <= n; j++ {
			ew = append(ew, m(float64(j*50), float64(i*50)))
			ns = append(ns, m(float64(i*50), float64(j*50)))
		}
		feats = append(feats, road(id, true, ew...), road(id+1, true, ns...))
		id += 2
	}
	return index.Empty().With(feats, nil)
}

// counting returns a cache of size whose builds are counted per roads
// layer.
func counting(size int) (*Cache, func(*index.Layer) int) {
	c := NewCache(size, nil)
	var mu sync.Mutex
	n := map[*index.Layer]int{}
	c.building = func(l *index.Layer) { mu.Lock(); n[l]++; mu.Unlock() }
	return c, func(l *index.Layer) int { mu.Lock(); defer mu.Unlock(); return n[l] }
}

// TestCacheOneNetworkPerRoads: snapshots that share their roads share one
// network, built once; a snapshot whose roads were edited (same Version
// number, other roads) gets its own; a nil cache builds every time.
func TestCacheOneNetworkPerRoads(t *testing.T) {
	ctx := context.Background()
	base := streets(4)
	other := base.With([]*geo.Feature{{Layer: geo.Waste, Geom: m(10, 10)}}, nil)
	edited := base.With([]*geo.Feature{road(100, true, m(200, 200), m(300, 300))}, nil)
	if other.Layer(geo.Roads) != base.Layer(geo.Roads) || edited.Layer(geo.Roads).Version != base.Layer(geo.Roads).Version {
		t.Fatal("the test's snapshots are not what it needs")
	}
	c, builds := counting(4)
	w1, err := c.Walks(ctx, base.Layer(geo.Roads))
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := c.Walks(ctx, other.Layer(geo.Roads))
	if w1 != w2 || builds(base.Layer(geo.Roads)) != 1 {
		t.Errorf("same roads: %p %p, %d builds, want one network built once", w1, w2, builds(base.Layer(geo.Roads)))
	}
	w3, _ := c.Walks(ctx, edited.Layer(geo.Roads))
	if w3 == w1 || len(w3.Graph.Edges) <= len(w1.Graph.Edges) {
		t.Errorf("edited roads: %d edges, the baseline's %d", len(w3.Graph.Edges), len(w1.Graph.Edges))
	}
	var none *Cache
	n1, _ := none.Walks(ctx, base.Layer(geo.Roads))
	n2, _ := none.Walks(ctx, base.Layer(geo.Roads))
	if n1 == n2 || len(n1.Graph.Edges) != len(w1.Graph.Edges) {
		t.Error("a nil cache kept its network, or built another")
	}
}

// TestCacheBounded: a cache of two keeps the two roads versions used last.
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	base := streets(2)
	var roads []*index.Layer
	for i := range 3 {
		s := base.With([]*geo.Feature{road(int64(100+i), true, m(0, 0), m(10, float64(10+i)))}, nil)
		roads = append(roads, s.Layer(geo.Roads))
	}
	c, builds := counting(2)
	for _, i := range []int{0, 1, 0, 2, 0, 1} {
		if _, err := c.Walks(ctx, roads[i]); err != nil {
			t.Fatal(err)
		}
	}
	// 0 built, 1 built, 0 kept, 2 built (1 goes), 0 kept, 1 built again.
	if got := []int{builds(roads[0]), builds(roads[1]), builds(roads[2])}; got[0] != 1 || got[1] != 2 || got[2] != 1 {
		t.Errorf("builds per version %v, want [1 2 1]", got)
	}
	if len(c.m) > 2 {
		t.Errorf("%d networks kept, want at most 2", len(c.m))
	}
}

// TestCacheWaitsWithContext: while a network is built, a second caller
// for it waits no longer than its context, and one for other roads does
// not wait; the build happens once and serves the callers after it.
func TestCacheWaitsWithContext(t *testing.T) {
	base := streets(3)
	a := base.Layer(geo.Roads)
	b := base.With([]*geo.Feature{road(100, true, m(0, 0), m(10, 10))}, nil).Layer(geo.Roads)
	c := NewCache(4, nil)
	entered, release := make(chan struct{}), make(chan struct{})
	var buildsA atomic.Int32
	c.building = func(l *index.Layer) {
		if l == a && buildsA.Add(1) == 1 {
			close(entered)
			<-release
		}
	}
	first := make(chan *Walks)
	go func() {
		w, _ := c.Walks(context.Background(), a)
		first <- w
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Walks(ctx, a); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a caller waiting past its deadline: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Walks(context.Background(), b); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(20 * time.Second):
		t.Error("other roads waited for the build of the first")
	}
	close(release)
	w := <-first
	if again, _ := c.Walks(context.Background(), a); w == nil || again != w || buildsA.Load() != 1 {
		t.Errorf("the build did not serve the callers after it: %d builds", buildsA.Load())
	}
}
