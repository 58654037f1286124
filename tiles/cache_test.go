package tiles

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func entry(src string, t maptile.Tile, n int, layers ...string) *Entry {
	return &Entry{Key: Key{Source: src, Tile: t}, Layers: layers, Gzip: make([]byte, n), ETag: `"x"`}
}

// cost is what the cache charges for e once it has stored its copy.
func cost(e *Entry) int64 {
	c := *e
	c.Gzip = append([]byte(nil), e.Gzip...)
	return c.size()
}

func TestCacheLRU(t *testing.T) {
	c := NewCache(3 * cost(entry("green", maptile.New(0, 0, 14), 1000, geo.Green)))
	yes := func() bool { return true }
	for i := 0; i < 3; i++ {
		c.Put(entry("green", maptile.New(uint32(i), 0, 14), 1000, geo.Green), yes)
	}
	c.Get(Key{"green", maptile.New(0, 0, 14)}) // 0 is now the most recent
	c.Put(entry("green", maptile.New(3, 0, 14), 1000, geo.Green), yes)
	for i, want := range []bool{true, false, true, true} {
		if _, ok := c.Get(Key{"green", maptile.New(uint32(i), 0, 14)}); ok != want {
			t.Errorf("tile %d cached = %v, want %v", i, ok, want)
		}
	}
	st := c.Stats()
	if st.Entries != 3 || st.Bytes > st.MaxBytes || st.Evicted != 1 {
		t.Errorf("stats %+v", st)
	}
	// A tile cut from a snapshot an edit has replaced is not stored; one
	// larger than the whole cache neither.
	c.Put(entry("green", maptile.New(9, 0, 14), 10, geo.Green), func() bool { return false })
	c.Put(entry("green", maptile.New(10, 0, 14), 5000, geo.Green), yes)
	if _, ok := c.Get(Key{"green", maptile.New(9, 0, 14)}); ok {
		t.Error("stale tile stored")
	}
	if _, ok := c.Get(Key{"green", maptile.New(10, 0, 14)}); ok {
		t.Error("oversized tile stored")
	}
	if NewCache(0).Put(entry("g", maptile.New(0, 0, 0), 1, geo.Green), yes); NewCache(0).Stats().Entries != 0 {
		t.Error("cache of size 0 stores")
	}
}

// TestCacheInvalidate: an edit evicts exactly the tiles whose buffered area
// it touches, in the layers it touched.
func TestCacheInvalidate(t *testing.T) {
	yes := func() bool { return true }
	centre := maptile.At(orb.Point{104.06, 30.66}, 14)
	b := centre.Bound()
	inner := orb.Bound{Min: orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*0.4, b.Min[1] + (b.Max[1]-b.Min[1])*0.4}, Max: orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*0.6, b.Min[1] + (b.Max[1]-b.Min[1])*0.6}}
	// Just inside the tile's east edge: within the neighbour's buffer.
	edge := orb.Bound{Min: orb.Point{b.Max[0] - (b.Max[0]-b.Min[0])*0.001, b.Min[1] + (b.Max[1]-b.Min[1])*0.5}, Max: orb.Point{b.Max[0] - (b.Max[0]-b.Min[0])*0.0005, b.Min[1] + (b.Max[1]-b.Min[1])*0.5}}
	east := maptile.New(centre.X+1, centre.Y, 14)
	west := maptile.New(centre.X-1, centre.Y, 14)
	parent := centre.Parent()
	tests := []struct {
		name  string
		dirty index.Dirty
		gone  []Key
	}{
		{"inside one tile", index.Dirty{Bounds: map[string][]orb.Bound{geo.Green: {inner}}},
			[]Key{{"green", centre}, {"public", centre}, {"green", parent}}},
		{"at an edge: the neighbour's buffer too", index.Dirty{Bounds: map[string][]orb.Bound{geo.Green: {edge}}},
			[]Key{{"green", centre}, {"public", centre}, {"green", parent}, {"green", east}}},
		{"another layer", index.Dirty{Bounds: map[string][]orb.Bound{geo.Parcels: {inner}}}, nil},
		{"roads: only the composite and the roads tiles", index.Dirty{Bounds: map[string][]orb.Bound{geo.Roads: {inner}}},
			[]Key{{"public", centre}}},
		{"whole layer", index.Dirty{All: map[string]bool{geo.Green: true}},
			[]Key{{"green", centre}, {"public", centre}, {"green", parent}, {"green", east}, {"green", west}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache(1 << 20)
			all := []*Entry{
				entry("green", centre, 10, geo.Green), entry("public", centre, 10, Public...),
				entry("green", parent, 10, geo.Green), entry("green", east, 10, geo.Green), entry("green", west, 10, geo.Green),
			}
			for _, e := range all {
				c.Put(e, yes)
			}
			c.Invalidate(tc.dirty)
			gone := map[Key]bool{}
			for _, k := range tc.gone {
				gone[k] = true
			}
			for _, e := range all {
				if _, ok := c.Get(e.Key); ok == gone[e.Key] {
					t.Errorf("%s %v: cached = %v", e.Source, e.Tile, ok)
				}
			}
		})
	}
}

// TestCacheDoorkeeper: with the doorkeeper, a tile cut once is not
// cached and the second cut is; 100,000 distinct tiles cut once each leave
// the cache empty and the doorkeeper within its bound; a tile an edit
// invalidated is cached again at its next cut.
func TestCacheDoorkeeper(t *testing.T) {
	c := NewCache(1 << 30)
	c.Admit(1000)
	yes := func() bool { return true }
	k := maptile.New(5, 7, 14)
	c.Put(entry("green", k, 100, geo.Green), yes)
	if st := c.Stats(); st.Entries != 0 || st.Refused != 1 {
		t.Fatalf("after one cut: %+v, want nothing cached, 1 refused", st)
	}
	c.Put(entry("green", k, 100, geo.Green), yes)
	if _, ok := c.Get(Key{"green", k}); !ok {
		t.Fatal("a tile cut twice is not cached")
	}
	// Another source's tile at the same address is another tile.
	c.Put(entry("roads", k, 100, geo.Roads), yes)
	if _, ok := c.Get(Key{"roads", k}); ok {
		t.Error("a roads tile cut once is cached because a green tile at its address was")
	}
	for i := range 100000 {
		c.Put(entry("public", maptile.New(uint32(i%1000), uint32(i/1000), 18), 1000, geo.Green), yes)
	}
	if st := c.Stats(); st.Entries != 1 || st.Bytes != cost(entry("green", k, 100, geo.Green)) {
		t.Errorf("after 100,000 tiles cut once: %+v, want only the tile cut twice", st)
	}
	if n := len(c.cur) + len(c.prev); n > 2000 {
		t.Errorf("the doorkeeper remembers %d tiles, want at most 2,000", n)
	}
	c.Invalidate(index.Dirty{All: map[string]bool{geo.Green: true}})
	if _, ok := c.Get(Key{"green", k}); ok {
		t.Fatal("an invalidated tile is still cached")
	}
	c.Put(entry("green", k, 100, geo.Green), yes)
	if _, ok := c.Get(Key{"green", k}); !ok {
		t.Error("an invalidated tile is not cached at its next cut")
	}
}

// TestCacheBytesTrue: what the cache says it holds is what its tiles cost
// the heap (within a quarter), for many small tiles, whose overhead weighs
// most; a cache overfilled with them grows the heap by no more than its
// bound (and a quarter).
func TestCacheBytesTrue(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	yes := func() bool { return true }
	sources := []string{"public", "green", "roads", "waste", "areas"}
	layers := []string{geo.Green}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 512)
	fill := func(c *Cache, n int) {
		for i := range n {
			k := Key{Source: sources[i%len(sources)], Tile: maptile.New(uint32(i%4096), uint32(i/4096), 20)}
			// As the service cuts them: the ETag a quoted hexadecimal hash.
			gz := append([]byte(nil), buf[:16+rng.IntN(400)]...)
			c.Put(&Entry{Key: k, Layers: layers, Gzip: gz, Raw: len(gz), ETag: `"` + strconv.FormatUint(rng.Uint64(), 16) + `"`}, yes)
		}
	}
	const n = 20000
	before := heap()
	c := NewCache(1 << 30)
	fill(c, n)
	grown, st := heap()-before, c.Stats()
	if st.Entries != n {
		t.Fatalf("%d entries cached, want %d", st.Entries, n)
	}
	t.Logf("%d tiles: the heap grew %d bytes (%.0f per tile), the cache says %d (%.0f per tile)",
		n, grown, float64(grown)/n, st.Bytes, float64(st.Bytes)/n)
	if r := float64(grown) / float64(st.Bytes); r < 0.75 || r > 1.25 {
		t.Errorf("the heap grew %.2f× what the cache says it holds, want 0.75–1.25×", r)
	}
	runtime.KeepAlive(c)
	c = nil

	before = heap()
	const bound = 2 << 20
	c = NewCache(bound)
	fill(c, 4*n)
	grown, st = heap()-before, c.Stats()
	if st.Evicted == 0 || st.Bytes > bound {
		t.Fatalf("cache of %d bytes overfilled: %+v", bound, st)
	}
	if grown > bound*5/4 {
		t.Errorf("a cache bounded to %d bytes grew the heap by %d", bound, grown)
	}
	runtime.KeepAlive(c)
}

// TestCacheSetMax: lowering the bound drops the least recent tiles past
// it; raising it lets more in; 0 turns caching off.
func TestCacheSetMax(t *testing.T) {
	one := cost(entry("green", maptile.New(0, 0, 14), 1000, geo.Green))
	c := NewCache(4 * one)
	yes := func() bool { return true }
	for i := 0; i < 4; i++ {
		c.Put(entry("green", maptile.New(uint32(i), 0, 14), 1000, geo.Green), yes)
	}
	c.Get(Key{"green", maptile.New(0, 0, 14)})
	c.SetMax(2 * one)
	for i, want := range []bool{true, false, false, true} {
		if _, ok := c.Get(Key{"green", maptile.New(uint32(i), 0, 14)}); ok != want {
			t.Errorf("after SetMax(2): tile %d cached = %v, want %v", i, ok, want)
		}
	}
	if st := c.Stats(); st.Entries != 2 || st.Bytes != 2*one || st.MaxBytes != 2*one {
		t.Errorf("after SetMax(2): %+v", st)
	}
	c.SetMax(3 * one)
	c.Put(entry("green", maptile.New(7, 0, 14), 1000, geo.Green), yes)
	if st := c.Stats(); st.Entries != 3 {
		t.Errorf("after SetMax(3) and a put: %d tiles, want 3", st.Entries)
	}
	c.SetMax(0)
	c.Put(entry("green", maptile.New(8, 0, 14), 1000, geo.Green), yes)
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("after SetMax(0): %+v", st)
	}
}
