package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/live/livetest"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func demoServer(t *testing.T) (*Server, store.Store, *live.Index) {
	t.Helper()
	st, ix := livetest.Demo(t, "small")
	return New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))), st, ix
}

func tilePath(src string, t maptile.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", src, t.Z, t.X, t.Y)
}

// TestTileCacheInvalidation: after an edit to one park, the tiles whose
// content changed are exactly the ones the cache missed on, every other tile
// is still a hit with its old ETag, and every answer equals a tile cut
// afresh from the current snapshot.
func TestTileCacheInvalidation(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	gb, _ := snap.Layer(geo.Green).Bound()
	var all []maptile.Tile
	for z := maptile.Zoom(12); z <= 15; z++ {
		all = slices.AppendSeq(all, tiles.Covering(gb, z).All())
	}
	fetch := func(src string, tl maptile.Tile) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, tilePath(src, tl), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d %s", tilePath(src, tl), rec.Code, rec.Body)
		}
		return rec
	}
	sources := []string{"green", "public", "roads"}
	before := map[string]string{}
	for _, src := range sources {
		for _, tl := range all {
			fetch(src, tl) // the doorkeeper caches a tile on its second cut
			before[tilePath(src, tl)] = fetch(src, tl).Header().Get("ETag")
		}
	}
	if n := s.tiles.Stats().Entries; n != len(all)*len(sources) {
		t.Fatalf("%d tiles cached, want %d", n, len(all)*len(sources))
	}
	// Move a park 300 m east.
	var park *geo.Feature
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return f.Float("area_m2") < 20000 })
	moved := *park
	moved.Geom = orb.Clone(park.Geom)
	shift(moved.Geom, 0.003)
	ctx := context.Background()
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{&moved}) }); err != nil {
		t.Fatal(err)
	}
	now := ix.Snapshot()
	changed, missed, stored, compressed := 0, 0, 0, 0
	for _, src := range sources {
		layers := tileSources[src].layers
		for _, tl := range all {
			rec := fetch(src, tl)
			raw, err := tiles.NewEncoder().Encode(now, layers, tl)
			if err != nil {
				t.Fatal(err)
			}
			if got := gunzipped(t, rec); !bytes.Equal(got, raw) {
				t.Fatalf("%s: served tile differs from one cut from the current snapshot", tilePath(src, tl))
			}
			// Small tiles are gzip-framed but stored; the others compressed.
			if n := rec.Body.Len(); len(raw) < gzip.StoreBelow && n < len(raw) || len(raw) >= gzip.StoreBelow && n >= len(raw) {
				t.Errorf("%s: %d bytes raw, %d gzipped (stored below %d)", tilePath(src, tl), len(raw), n, gzip.StoreBelow)
			} else if len(raw) < gzip.StoreBelow {
				stored++
			} else {
				compressed++
			}
			etagChanged := rec.Header().Get("ETag") != before[tilePath(src, tl)]
			miss := rec.Header().Get("X-Cache") == "MISS"
			if etagChanged {
				changed++
				if !miss {
					t.Errorf("%s changed but was served from the cache", tilePath(src, tl))
				}
			}
			if miss {
				missed++
				touched := tiles.SearchBound(tl).Intersects(park.Bound()) || tiles.SearchBound(tl).Intersects(moved.Bound())
				if !touched || src == "roads" {
					t.Errorf("%s was evicted though the edit did not touch it", tilePath(src, tl))
				}
			}
		}
	}
	t.Logf("%d tiles × %d sources; the edit changed %d, the cache re-cut %d; %d stored, %d compressed", len(all), len(sources), changed, missed, stored, compressed)
	if stored == 0 || compressed == 0 {
		t.Errorf("%d tiles stored, %d compressed: both kinds should occur", stored, compressed)
	}
	if changed == 0 || missed > 4*changed {
		t.Errorf("changed %d, re-cut %d", changed, missed)
	}
}

func shift(g orb.Geometry, dx float64) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			for i := range r {
				r[i][0] += dx
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			shift(p, dx)
		}
	}
}

func gunzipped(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.Bytes()
	}
	b, err := gunzip(rec.Body.Bytes(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTileCacheUnderEdits: readers hammer tiles while a writer moves parks
// back and forth; afterwards every cached tile equals a fresh cut from the
// final snapshot (no tile cut from a replaced snapshot survived).
func TestTileCacheUnderEdits(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	gb, _ := snap.Layer(geo.Green).Bound()
	ts := slices.Collect(tiles.Covering(gb, 14).All())
	var parks []*geo.Feature
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool { parks = append(parks, f); return len(parks) < 20 })
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tilePath("green", ts[i%len(ts)]), nil))
			}
		}(r)
	}
	for i := 0; i < 60; i++ {
		p := *parks[i%len(parks)]
		p.Geom = orb.Clone(p.Geom)
		shift(p.Geom, 0.002*float64(1-2*(i/len(parks)%2)))
		if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{&p}) }); err != nil {
			t.Fatal(err)
		}
		parks[i%len(parks)] = &p
		time.Sleep(2 * time.Millisecond) // let readers cut and cache tiles between edits
	}
	close(stop)
	wg.Wait()
	final := ix.Snapshot()
	checked := 0
	for _, tl := range ts {
		e, ok := s.tiles.Get(tiles.Key{Source: "green", Tile: tl})
		if !ok {
			continue
		}
		checked++
		raw, _ := tiles.NewEncoder().Encode(final, []string{geo.Green}, tl)
		got, err := gunzip(e.Gzip, e.Raw)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("cached %v is stale", tl)
		}
	}
	st2 := s.tiles.Stats()
	t.Logf("%d cached tiles checked; cache %+v", checked, st2)
	if checked == 0 || st2.Invalidated == 0 || st2.Hits == 0 {
		t.Error("the readers and the writer did not overlap enough to test anything")
	}
}

// nopWriter is a ResponseWriter that keeps headers and drops the body.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkTileRequest: the service's own cost around a cached tile —
// metrics, request id, authentication, routing, cache lookup, headers —
// against a bare handler writing the same headers and bytes, in the same
// run; reports the bare handler's ns per request and the ratio (x-bare).
func BenchmarkTileRequest(b *testing.B) {
	s, _, ix := demoServer(&testing.T{})
	h := s.Handler()
	gb, _ := ix.Snapshot().Layer(geo.Green).Bound()
	var reqs []*http.Request
	for tl := range tiles.Covering(gb, 15).All() {
		r := httptest.NewRequest(http.MethodGet, tilePath("public", tl), nil)
		r.Header.Set("Accept-Encoding", "gzip")
		reqs = append(reqs, r)
	}
	w := &nopWriter{h: http.Header{}}
	for _, r := range reqs { // warm the cache
		h.ServeHTTP(w, r)
		clear(w.h)
	}
	// The bare handler: the cached tile's bytes and the same headers.
	body := map[string][]byte{}
	for _, r := range reqs {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body[r.URL.Path] = rec.Body.Bytes()
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := body[r.URL.Path]
		hd := w.Header()
		for k, v := range map[string]string{"X-Request-Id": "0123456789abcdef", "ETag": `"0123456789abcdef"`, "Cache-Control": "public, max-age=60",
			"Vary": "Accept-Encoding", "X-Cache": "HIT", "Content-Type": "application/vnd.mapbox-vector-tile", "Content-Encoding": "gzip"} {
			hd.Set(k, v)
		}
		hd.Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data)
	})
	run := func(hh http.Handler, n int) time.Duration {
		start := time.Now()
		for i := 0; i < n; i++ {
			clear(w.h)
			hh.ServeHTTP(w, reqs[i%len(reqs)])
		}
		return time.Since(start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	ours := run(h, b.N)
	b.StopTimer()
	base := run(bare, b.N)
	b.ReportMetric(float64(base)/float64(b.N), "bare-ns/req")
	b.ReportMetric(float64(ours)/float64(base), "x-bare")
}

// TestTileCacheBytesTrue: the tiles the route caches grow the heap by what
// the cache says it holds (within a quarter), their requests gone.
func TestTileCacheBytesTrue(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	gb, _ := ix.Snapshot().Layer(geo.Green).Bound()
	var paths []string
	for z := maptile.Zoom(12); z <= 19; z++ {
		for tl := range tiles.Covering(gb, z).All() {
			paths = append(paths, tilePath("public", tl), tilePath("green", tl))
		}
	}
	get := func(p string) {
		r := httptest.NewRequest(http.MethodGet, p, nil)
		r.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	for _, p := range paths[len(paths)-200:] { // what the first tiles set up
		get(p)
	}
	paths = paths[:len(paths)-200]
	before, st0 := heap(), s.tiles.Stats()
	for _, p := range paths {
		get(p)
		get(p) // the doorkeeper admits a tile cut twice
	}
	grown, st := heap()-before, s.tiles.Stats()
	n, held := st.Entries-st0.Entries, st.Bytes-st0.Bytes
	if n < 2000 {
		t.Fatalf("%d tiles cached of %d, want at least 2,000", n, len(paths))
	}
	t.Logf("%d tiles cached: the heap grew %d bytes, the cache says %d", n, grown, held)
	if r := float64(grown) / float64(held); r < 0.75 || r > 1.25 {
		t.Errorf("the heap grew %.2f× what the cache says it holds, want 0.75–1.25×", r)
	}
}
