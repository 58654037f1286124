package api

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/paulmach/orb/maptile"
)

// coverageTiles are n distinct z16 tiles over the town's parcels: each a
// cache miss when first asked.
func coverageTiles(t *testing.T, s *Server, n int) []string {
	t.Helper()
	b, _ := s.index.Snapshot().Layer(geo.Parcels).Bound()
	c := maptile.At(b.Center(), 16)
	var paths []string
	for i := range n {
		paths = append(paths, tilePath(coverageLayer, maptile.New(c.X+uint32(i%4), c.Y+uint32(i/4), 16)))
	}
	return paths
}

// TestCoverageTilesQueue: the audit behind cold coverage tiles takes a
// turn in the work queue: with the one worker busy and no waiting place,
// a cold coverage tile is refused with 503 and Retry-After naming the
// limit (cheap tiles are not); once free, 12 concurrent cold coverage
// tiles share one audit, built in one turn of work.
func TestCoverageTilesQueue(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.Workers, s.cfg.QueueLength = 1, 0
	s = New(s.cfg, s.store, s.index, s.log)
	h := s.Handler()
	paths := coverageTiles(t, s, 12)

	release, e := s.work.acquire(context.Background()) // a walk under way
	if e != nil {
		t.Fatal(e.Detail)
	}
	rec := get(t, h, paths[0])
	if !isProblem(rec, 503) || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "1 expensive requests are running and 0 waiting") {
		t.Errorf("a cold coverage tile while the work queue is full: %d %.200q (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	if rec := get(t, h, strings.Replace(paths[0], "/"+coverageLayer+"/", "/public/", 1)); rec.Code != 200 {
		t.Errorf("a public tile while the work queue is full: %d %s", rec.Code, rec.Body)
	}
	release()

	var turns, builds atomic.Int32
	unblock := make(chan struct{})
	s.work.running = func() { turns.Add(1); <-unblock }
	s.coverageBuilds.started = func(coverageKey) { builds.Add(1) }
	var wg sync.WaitGroup
	var answered atomic.Int32
	codes := make([]int, len(paths))
	for i, p := range paths {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = get(t, h, p).Code; answered.Add(1) }()
	}
	for turns.Load() == 0 && answered.Load() < int32(len(paths)) { // the build holds its turn
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the others join it
	close(unblock)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("%s: %d", paths[i], c)
		}
	}
	if turns.Load() != 1 || builds.Load() != 1 {
		t.Errorf("%d concurrent cold coverage tiles: %d audit builds, %d turns of work; want 1 and 1", len(paths), builds.Load(), turns.Load())
	}
}

// TestCoverageAuditOutlivesItsCaller: a coverage tile waits for the audit
// no longer than its own deadline (503), while the audit, detached from
// it, goes on and is kept for the next tiles.
func TestCoverageAuditOutlivesItsCaller(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	paths := coverageTiles(t, s, 2)
	unblock := make(chan struct{})
	var once sync.Once
	s.work.running = func() { <-unblock }
	defer once.Do(func() { close(unblock) })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", paths[0], nil).WithContext(ctx))
	if !isProblem(rec, 503) || !strings.Contains(rec.Body.String(), "took longer than") || time.Since(start) > 5*time.Second {
		t.Errorf("a tile whose deadline passed while the audit was held: %d %.200q after %s", rec.Code, rec.Body, time.Since(start))
	}
	once.Do(func() { close(unblock) })
	snap := ix.Snapshot()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := s.audits.Cached(snap, snap, coverage.Walk); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the audit its first caller left was not kept")
		}
	}
	s.work.running = func() { t.Error("a tile took a turn of work for a kept audit") }
	if rec := get(t, h, paths[1]); rec.Code != 200 {
		t.Errorf("a tile after the audit was kept: %d %s", rec.Code, rec.Body)
	}
}

// TestBuilds: a build's failure and panic reach every caller as an error
// (the panic without taking the process down) and are not kept: the next
// caller builds afresh; a build past its time bound is a 503 naming it.
func TestBuilds(t *testing.T) {
	q := newWorkQueue("expensive requests", 1, 0, time.Second)
	bs := newBuilds[string, int](q, 50*time.Millisecond, "the thing")
	ctx := context.Background()
	if _, e := bs.get(ctx, "k", func(context.Context) (int, error) { return 0, errors.New("broken") }); e == nil || e.Status != 500 {
		t.Errorf("a failed build: %+v", e)
	}
	if _, e := bs.get(ctx, "k", func(context.Context) (int, error) { panic("boom") }); e == nil || e.Status != 500 {
		t.Errorf("a panicking build: %+v", e)
	}
	if v, e := bs.get(ctx, "k", func(context.Context) (int, error) { return 7, nil }); e != nil || v != 7 {
		t.Errorf("a build after failed ones: %d %+v", v, e)
	}
	_, e := bs.get(ctx, "slow", func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
	if e == nil || e.Status != 503 || !strings.Contains(e.Detail, "the thing took longer than 50ms") {
		t.Errorf("a build past its time bound: %+v", e)
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if len(bs.m) != 0 {
		t.Errorf("%d builds remembered after they ended", len(bs.m))
	}
}
