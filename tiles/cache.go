package tiles

import (
	"container/list"
	"encoding/binary"
	"hash/maphash"
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

// entryOverhead is what a cached tile costs the heap besides its bytes,
// ETag and source name: the Entry (144 bytes), its list element (48) and
// its slot in byKey (a Key and a pointer, 40 bytes, in a map between 7/16
// and 7/8 full as it grows: about 70 on average). TestCacheBytesTrue
// checks it against the heap.
const entryOverhead = 264

// size is what e costs the heap once cached: its bytes as allocated (the
// cache's own copy, rounded up to its allocation's size class), its ETag,
// its source name (counted though most share one string) and the
// overhead above.
func (e *Entry) size() int64 {
	return int64(cap(e.Gzip)+len(e.ETag)+len(e.Source)) + entryOverhead
}

// Cache is a byte-bounded LRU of encoded tiles. Edits applied to the index
// evict exactly the cached tiles whose area (with the buffer) they touch;
// untouched tiles stay. Safe for concurrent use.
//
// With a doorkeeper (Admit), a tile is stored only when it is cut for the
// second time while the doorkeeper still remembers the first: a flood of
// tiles asked for once each then neither fills the cache nor evicts the
// tiles people look at.
type Cache struct {
	mu        sync.Mutex
	max, used int64
	lru       *list.List // front: most recent; values *Entry
	byKey     map[Key]*list.Element
	stats     CacheStats

	// The doorkeeper: hashes of keys cut once, in two generations of at
	// most door each; when the current one is full, the previous one is
	// forgotten. door 0: every tile is admitted.
	door      int
	seed      maphash.Seed
	cur, prev map[uint64]struct{}
}

// CacheStats counts what the cache did. Refused counts tiles the
// doorkeeper kept out, seen once.
type CacheStats struct {
	Hits, Misses, Evicted, Invalidated, Stale, Refused int64
	Entries                                            int
	Bytes, MaxBytes                                    int64
}

// Admit turns the doorkeeper on: it remembers up to 2n tiles cut once (16
// bytes or so each); n 0 turns it off. Call it before the cache is used.
func (c *Cache) Admit(n int) {
	c.door, c.seed = max(n, 0), maphash.MakeSeed()
	c.cur, c.prev = map[uint64]struct{}{}, map[uint64]struct{}{}
}

// admitted reports whether k was cut before, recently; if not, the
// doorkeeper remembers it. Called holding mu.
func (c *Cache) admitted(k Key) bool {
	if c.door == 0 {
		return true
	}
	s := c.hash(k)
	_, inCur := c.cur[s]
	_, inPrev := c.prev[s]
	if inCur || inPrev {
		delete(c.cur, s)
		delete(c.prev, s)
		return true
	}
	c.remember(s)
	return false
}

// remember puts a key's hash in the doorkeeper. Called holding mu.
func (c *Cache) remember(s uint64) {
	if len(c.cur) >= c.door {
		c.prev, c.cur = c.cur, make(map[uint64]struct{}, c.door/4)
	}
	c.cur[s] = struct{}{}
}

func (c *Cache) hash(k Key) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(k.Source)
	var b [12]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(k.Tile.Z))
	binary.LittleEndian.PutUint32(b[4:], k.Tile.X)
	binary.LittleEndian.PutUint32(b[8:], k.Tile.Y)
	h.Write(b[:])
	return h.Sum64()
}

// NewCache returns a cache holding at most maxBytes of compressed tiles
// (0 or less: caching off).
func NewCache(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, lru: list.New(), byKey: map[Key]*list.Element{}}
}

// Watch makes edits applied to ix invalidate the tiles they touch.
func (c *Cache) Watch(ix interface{ OnApply(func(index.Dirty)) }) { ix.OnApply(c.Invalidate) }

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
// an edit has since replaced is never stored. The cache keeps a copy of
// e.Gzip (and sets e.Gzip to it), so the caller may pass a buffer it
// reuses: a tile the cache refuses is never copied.
func (c *Cache) Put(e *Entry, current func() bool) {
	bound := SearchBound(e.Tile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 || int64(len(e.Gzip)+len(e.ETag)+len(e.Source))+entryOverhead > c.max {
		return
	}
	e.bound = bound
	if !current() {
		c.stats.Stale++
		return
	}
	if !c.admitted(e.Key) {
		c.stats.Refused++
		return
	}
	e.Gzip = append([]byte(nil), e.Gzip...)
	if el, ok := c.byKey[e.Key]; ok {
		c.remove(el)
	}
	c.byKey[e.Key] = c.lru.PushFront(e)
	c.used += e.size()
	c.evict()
}

// evict drops the least recent tiles while the cache holds more than its
// bound; c.mu is held.
func (c *Cache) evict() {
	for c.used > c.max && c.lru.Len() > 0 {
		c.remove(c.lru.Back())
		c.stats.Evicted++
	}
}

// SetMax changes the cache's bound (0 or less: caching off), dropping the
// least recent tiles past it.
func (c *Cache) SetMax(maxBytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.max = maxBytes
	c.evict()
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
		if e := el.Value.(*Entry); touches(e, d) {
			c.remove(el)
			c.stats.Invalidated++
			if c.door > 0 {
				c.remember(c.hash(e.Key)) // it was wanted: cache its next cut
			}
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
