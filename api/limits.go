package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// workQueue lets a fixed number of expensive jobs run at once; a bounded
// number more wait for a turn, each no longer than a bound and its
// request's deadline. Past either, the request is refused with 503 and
// Retry-After rather than piling up memory and CPU.
type workQueue struct {
	what    string // what it runs, for refusals: "expensive requests"
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
	// running, when set (by tests), is called holding a slot, before the
	// job runs.
	running func()
}

func newWorkQueue(what string, workers, queue int, wait time.Duration) *workQueue {
	return &workQueue{what: what, slots: make(chan struct{}, max(workers, 1)), queue: int64(max(queue, 0)), wait: wait}
}

// acquire waits for a slot; the caller must call release once done.
func (q *workQueue) acquire(ctx context.Context) (release func(), e *appError) {
	release = func() { <-q.slots }
	select {
	case q.slots <- struct{}{}:
		q.hook()
		return release, nil
	default:
	}
	if q.waiting.Add(1) > q.queue {
		q.waiting.Add(-1)
		return nil, q.busy(fmt.Sprintf("%d %s are running and %d waiting, the most allowed", cap(q.slots), q.what, q.queue))
	}
	defer q.waiting.Add(-1)
	t := time.NewTimer(q.wait)
	defer t.Stop()
	select {
	case q.slots <- struct{}{}:
		q.hook()
		return release, nil
	case <-t.C:
		return nil, q.busy(fmt.Sprintf("no turn among the %d %s running at once came within %s", cap(q.slots), q.what, q.wait))
	case <-ctx.Done():
		return nil, q.busy(fmt.Sprintf("no turn among the %d %s running at once came before the request's deadline", cap(q.slots), q.what))
	}
}

func (q *workQueue) hook() {
	if q.running != nil {
		q.running()
	}
}

func (q *workQueue) busy(detail string) *appError {
	return &appError{Status: http.StatusServiceUnavailable, Title: "Busy", Detail: detail + "; retry later", RetryAfter: max(1, int(math.Ceil(q.wait.Seconds())))}
}

// maxPhotoUploads is how many case bodies with photos are held at once
// (handle_cases_photos.go).
const maxPhotoUploads = 8

// defaultRepairVertices bounds the vertices of a request's invalid
// polygons: GEOS repairs 20,000 in about half a second.
const defaultRepairVertices = 20000

// rateLimiter is a token bucket per client address for anonymous callers:
// rate tokens a second, up to burst. It tracks at most size clients: when
// full it forgets those whose buckets have filled up again (they lose
// nothing), and if that is not enough, arbitrary ones (which then start
// afresh with a full bucket), so that the limiter cannot grow without
// bound whatever addresses call.
type rateLimiter struct {
	rate  float64
	burst float64
	size  int
	mu    sync.Mutex
	m     map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(rate float64, burst, size int) *rateLimiter {
	if rate <= 0 {
		return nil
	}
	return &rateLimiter{rate: rate, burst: float64(max(burst, 1)), size: max(size, 1), m: map[netip.Addr]*bucket{}}
}

// clientKey groups IPv6 addresses by their /64, which one host can hold
// whole.
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// take spends a token of a's bucket; without one, it says how long until
// there is.
func (l *rateLimiter) take(a netip.Addr, now time.Time) (wait time.Duration, ok bool) {
	k := clientKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[k]
	if b == nil {
		if len(l.m) >= l.size {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.m[k] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// evict makes room: buckets full again go first, then arbitrary ones
// down to seven eighths of the size, so that eviction is rare.
func (l *rateLimiter) evict(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.m {
		if now.Sub(b.at) >= full {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) <= l.size*7/8 {
			break
		}
		delete(l.m, k)
	}
}

func (l *rateLimiter) clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// refusalLog logs refusals that tell the caller to retry (429, a full
// queue's 503) in sum: a flood of them would otherwise spend a log line
// each. It writes at most one line a second, with how many were refused
// since the line before and the latest reason; the count of the last
// second of a flood is written with the next refusal.
type refusalLog struct {
	mu   sync.Mutex
	n    int
	last time.Time // of the latest line
}

func (l *refusalLog) note(log *slog.Logger, e *appError) {
	now := time.Now()
	l.mu.Lock()
	l.n++
	if !l.last.IsZero() && now.Sub(l.last) < time.Second {
		l.mu.Unlock()
		return
	}
	n := l.n
	l.n, l.last = 0, now
	l.mu.Unlock()
	log.Info("requests refused", "count", n, "latest_status", e.Status, "latest_detail", e.Detail)
}

// builds shares expensive builds among the requests that need the same
// thing (the audit behind coverage tiles): one build per key at a time,
// run in a goroutine of its own under a context of its own — detached from
// the callers, bounded by timeout (0: none) — that first takes a turn in
// queue, so that however many requests need it, a build counts once
// against the work queue, and not at all past it. Each caller waits for
// the build no longer than its own context. A build is forgotten once
// done: what it makes is kept, if at all, by the cache it fills, and a
// failed one is tried afresh by the next caller.
type builds[K comparable, V any] struct {
	queue   *workQueue
	timeout time.Duration
	what    string // what is built, for errors: "the coverage audit"

	mu sync.Mutex
	m  map[K]*build[V]
	// started, when set (by tests), is called as a build starts.
	started func(K)
}

// build is one build under way: done is closed once v or e is set.
type build[V any] struct {
	done chan struct{}
	v    V
	e    *appError
}

func newBuilds[K comparable, V any](queue *workQueue, timeout time.Duration, what string) *builds[K, V] {
	return &builds[K, V]{queue: queue, timeout: timeout, what: what, m: map[K]*build[V]{}}
}

// get returns what fn builds for k, joining the build under way if there
// is one and starting one otherwise. fn runs holding a turn of the queue,
// with the build's context; its error past that context's deadline is a
// 503 naming the time bound.
func (bs *builds[K, V]) get(ctx context.Context, k K, fn func(context.Context) (V, error)) (V, *appError) {
	bs.mu.Lock()
	b, ok := bs.m[k]
	if !ok {
		b = &build[V]{done: make(chan struct{})}
		bs.m[k] = b
		if bs.started != nil {
			bs.started(k)
		}
		// The build serves every caller waiting for it, so it does not end
		// with the first one's context; it keeps its values (request id).
		bctx, cancel := context.WithoutCancel(ctx), context.CancelFunc(func() {})
		if bs.timeout > 0 {
			bctx, cancel = context.WithTimeout(bctx, bs.timeout)
		}
		go bs.run(bctx, cancel, k, b, fn)
	}
	bs.mu.Unlock()
	select {
	case <-b.done:
		return b.v, b.e
	case <-ctx.Done():
		var zero V
		return zero, errInternal(fmt.Errorf("waiting for %s: %w", bs.what, ctx.Err())) // past the deadline: 503
	}
}

// run is one build: a turn of the queue, fn, then b completed and k
// forgotten, whatever happened (a panic too).
func (bs *builds[K, V]) run(ctx context.Context, cancel context.CancelFunc, k K, b *build[V], fn func(context.Context) (V, error)) {
	defer func() {
		if p := recover(); p != nil { // no request's recover is above this goroutine
			b.e = errInternal(fmt.Errorf("building %s: panic: %v", bs.what, p))
		}
		cancel()
		bs.mu.Lock()
		delete(bs.m, k)
		bs.mu.Unlock()
		close(b.done)
	}()
	release, e := bs.queue.acquire(ctx)
	if e != nil {
		b.e = e
		return
	}
	defer release()
	v, err := fn(ctx)
	switch {
	case err == nil:
		b.v = v
	case ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		b.e = &appError{Status: http.StatusServiceUnavailable, Title: "Query timeout", Detail: fmt.Sprintf("building %s took longer than %s; retry later", bs.what, bs.timeout), Err: err}
	default:
		b.e = errInternal(err)
	}
}
