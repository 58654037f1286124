package network

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
)

// Cache keeps the walking networks of the latest versions of the roads
// layer, so that walks, audits and what-ifs on the same roads share one
// graph. A version is a roads layer value: an edit to the roads makes a
// new one, and so does a scenario that edits them (its snapshot keeps the
// baseline's Version number but holds other roads); snapshots that did not
// touch the roads share the layer and so the graph. Each network is built
// once, by the first caller that needs it; others wait for that build for
// no longer than their context. A nil *Cache builds every time.
type Cache struct {
	size int
	log  *slog.Logger

	mu    sync.Mutex
	m     map[*index.Layer]*walksBuild
	clock uint64 // use counter, for least-recently-used eviction
	// building, when set (tests only), is called before a network is
	// built, outside the lock.
	building func(roads *index.Layer)
}

// walksBuild is one network's build: done is closed once w or err is set.
type walksBuild struct {
	done chan struct{}
	w    *Walks
	err  error
	used uint64
}

// DefaultCacheSize is how many roads versions a Cache keeps by default:
// the baseline's, the one before it, and a few scenarios that edit roads.
const DefaultCacheSize = 4

// NewCache returns a cache of at most size networks (DefaultCacheSize if
// size < 1); log, if not nil, hears of each build.
func NewCache(size int, log *slog.Logger) *Cache {
	if size < 1 {
		size = DefaultCacheSize
	}
	return &Cache{size: size, log: log, m: map[*index.Layer]*walksBuild{}}
}

// Walks returns the walking network of a roads layer, building it if the
// cache does not hold it. It returns ctx's error if ctx is done before the
// network is ready.
func (c *Cache) Walks(ctx context.Context, roads *index.Layer) (*Walks, error) {
	if c == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return NewWalks(roads), nil
	}
	c.mu.Lock()
	c.clock++
	b, ok := c.m[roads]
	if !ok {
		b = &walksBuild{done: make(chan struct{})}
		c.evict()
		c.m[roads] = b
	}
	b.used = c.clock
	hook := c.building
	c.mu.Unlock()
	if !ok {
		if hook != nil {
			hook(roads)
		}
		c.build(roads, b)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		select {
		case <-b.done: // ready as well: take it
		default:
			return nil, ctx.Err()
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.w, nil
}

// evict makes room for one more network by forgetting the least recently
// used; a build under way finishes for those waiting on it. c.mu is held.
func (c *Cache) evict() {
	for len(c.m) >= c.size {
		var oldest *index.Layer
		for k, b := range c.m {
			if oldest == nil || b.used < c.m[oldest].used {
				oldest = k
			}
		}
		delete(c.m, oldest)
	}
}

// build builds the network of roads and completes b. A build that failed
// (a panic) is not kept: the next caller tries again.
func (c *Cache) build(roads *index.Layer, b *walksBuild) {
	defer func() {
		if b.w == nil {
			b.err = errors.New("building the walking network failed")
			c.mu.Lock()
			if c.m[roads] == b {
				delete(c.m, roads)
			}
			c.mu.Unlock()
		}
		close(b.done)
	}()
	b.w = NewWalks(roads)
	if c.log != nil {
		c.log.Info("walking network built", "roads_version", roads.Version, "graph", b.w.Graph.String())
	}
}
