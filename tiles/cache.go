package tiles

import (
	"container/list"
	"sync"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Key names a cached tile: the tile source ("public" or a layer) and its
// address.
type Key struct {
	Source string
	Tile   maptile.Tile
}

// Entry is a cached tile.
type Entry struct {
	Key
	Layers []string // the layers it was cut from
	// Global tiles (the coverage layer: distances change far from an
	// edit) go with any edit to their layers, wherever it is.
	Global bool
	Gzip   []byte // the tile, gzip-compressed
	Raw    int    // its uncompressed size
	ETag   string // quoted, from its content
	bound  orb.Bound
}

func (e *Entry) size() int64 { return int64(len(e.Gzip)) + 160 }

// Cache is a byte-bounded LRU of encoded tiles. Edits applied to the index
// evict exactly the cached tiles whose area (with the buffer) they touch;
// untouched tiles stay. Safe for concurrent use.
type Cache struct {
	mu        sync.Mutex
	max, used int64
	lru       *list.List // front: most recent; values *Entry
	byKey     map[Key]*list.Element
	stats     CacheStats
}

// CacheStats counts what the cache did.
type CacheStats struct {
	Hits, Misses, Evicted, Invalidated, Stale int64
	Entries                                   int
	Bytes, MaxBytes                           int64
}

// NewCache returns a cache holding at most maxBytes of compressed tiles
// (0 or less: caching off).
func NewCache(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, lru: list.New(), byKey: map[Key]*list.Element{}}
}

// Watch makes edits applied to ix invalidate the tiles they touch.
func (c *Cache) Watch(ix *index.Index) { ix.OnApply(c.Invalidate) }

// Get returns a cached tile.
func (c *Cache) Get(k Key) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		c.stats.Misses++
		return nil, false
	}
	c.stats.Hits++
	c.lru.MoveToFront(el)
	return el.Value.(*Entry), true
}

// Put stores e if current() still holds: it is checked under the cache's
// lock, which invalidation also takes, so a tile cut from a snapshot that
// an edit has since replaced is never stored.
func (c *Cache) Put(e *Entry, current func() bool) {
	if c.max <= 0 || e.size() > c.max {
		return
	}
	e.bound = SearchBound(e.Tile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !current() {
		c.stats.Stale++
		return
	}
	if el, ok := c.byKey[e.Key]; ok {
		c.remove(el)
	}
	c.byKey[e.Key] = c.lru.PushFront(e)
	c.used += e.size()
	for c.used > c.max {
		c.remove(c.lru.Back())
		c.stats.Evicted++
	}
}

func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*Entry)
	delete(c.byKey, e.Key)
	c.used -= e.size()
}

// Invalidate drops the tiles an edit touched.
func (c *Cache) Invalidate(d index.Dirty) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if touches(el.Value.(*Entry), d) {
			c.remove(el)
			c.stats.Invalidated++
		}
		el = next
	}
}

func touches(e *Entry, d index.Dirty) bool {
	for _, l := range e.Layers {
		if d.All[l] || (e.Global && len(d.Bounds[l]) > 0) {
			return true
		}
		for _, b := range d.Bounds[l] {
			if b.Intersects(e.bound) {
				return true
			}
		}
	}
	return false
}

// Stats returns the counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes, s.MaxBytes = len(c.byKey), c.used, c.max
	return s
}
