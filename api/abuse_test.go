package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestMaxHeaderBytes: a request line of 100 KB (a huge query string) is
// refused with 431 by the server before any handler parses it; one under
// the bound reaches the handler.
func TestMaxHeaderBytes(t *testing.T) {
	s, _, _ := demoServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := s.httpServer()
	go srv.Serve(l)
	defer srv.Close()
	status := func(query string) int {
		resp, err := http.Get("http://" + l.Addr().String() + "/api/search?q=park" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	big := strings.Repeat("&x=1", 100<<10/4)
	if got := status(big); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 100 KB query string: %d, want 431", got)
	}
	if got := status(strings.Repeat("&x=1", 1000)); got != http.StatusBadRequest {
		t.Errorf("a 4 KB query string of unknown parameters: %d, want 400 from the handler", got)
	}
}

// TestReadQueue: with one read worker and one waiting place, a third
// concurrent heavy read (within, search, at, items) is refused with 503 and
// Retry-After naming the limit; the two others are answered. A blocking
// hook holds the first in its slot.
func TestReadQueue(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.ReadWorkers, s.cfg.ReadQueue = 1, 1
	s = New(s.cfg, s.store, s.index, s.log)
	entered, unblock := make(chan struct{}, 2), make(chan struct{})
	s.reads.running = func() { entered <- struct{}{}; <-unblock }
	h := s.Handler()
	paths := []string{"/api/within?lon=104.06&lat=30.66&meters=50000&layer=roads", "/collections/roads/items?limit=10000"}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = get(t, h, paths[i]).Code }()
		if i == 0 {
			<-entered // the first holds the only slot
		}
	}
	for s.reads.waiting.Load() != 1 { // the second is queued
		time.Sleep(time.Millisecond)
	}
	for _, p := range []string{"/api/within?lon=104.06&lat=30.66&meters=100&layer=green", "/api/search?q=park", "/api/at?lon=104.06&lat=30.66", "/collections/green/items"} {
		rec := get(t, h, p)
		if !isProblem(rec, 503) || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "1 heavy reads are running and 1 waiting") {
			t.Errorf("%s while the read queue is full: %d %s (Retry-After %q)", p, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
	}
	// Cheap routes do not queue.
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz while the read queue is full: %d", rec.Code)
	}
	close(unblock)
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 {
		t.Errorf("the running and the queued read: %v, want 200 200", codes)
	}
}

// chunkRecorder records the largest single Write a handler makes.
type chunkRecorder struct {
	*httptest.ResponseRecorder
	largest int
}

func (c *chunkRecorder) Write(b []byte) (int, error) {
	c.largest = max(c.largest, len(b))
	return c.ResponseRecorder.Write(b)
}

// TestStreamedAnswers: a whole-town within and a page of 10,000 items are
// written feature by feature (no single write of more than 64 KiB, so the
// answer is never whole in memory), and the bytes are those json.Marshal
// gives for the FeatureCollection built from the same features.
func TestStreamedAnswers(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	b, _ := snap.Layer(geo.Roads).Bound()
	c := b.Center()
	serve := func(path string) *chunkRecorder {
		rec := &chunkRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body)
		}
		return rec
	}

	within := serve(fmt.Sprintf("/api/within?lon=%f&lat=%f&meters=50000&layer=roads", c[0], c[1]))
	hits := snap.Layer(geo.Roads).Within(orb.Point{c[0], c[1]}, 50000)
	fc := geojson.NewFeatureCollection()
	for _, h := range hits {
		gf := featureJSON(geo.Roads, h.Feature)
		gf.Properties["distance_m"] = math.Round(h.Distance*10) / 10
		fc.Append(gf)
	}
	want, _ := json.Marshal(fc)
	if len(hits) < 100 || !bytes.Equal(within.Body.Bytes(), append(want, '\n')) {
		t.Errorf("within the whole town (%d roads): the answer differs from json.Marshal of its collection", len(hits))
	}
	if within.largest > 64<<10 {
		t.Errorf("within the whole town (%d bytes) was written %d bytes at once", within.Body.Len(), within.largest)
	}

	items := serve("/collections/roads/items?limit=10000")
	var got struct {
		Features       []json.RawMessage
		NumberMatched  int
		NumberReturned int
		TimeStamp      string
		Links          []features.Link
	}
	if err := json.Unmarshal(items.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	fc = geojson.NewFeatureCollection()
	snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool { fc.Append(featureJSON(geo.Roads, f)); return len(fc.Features) < 10000 })
	fc.ExtraMembers = geojson.Properties{"numberMatched": got.NumberMatched, "numberReturned": got.NumberReturned, "timeStamp": got.TimeStamp, "links": got.Links}
	want, _ = json.Marshal(fc)
	if got.NumberReturned < 100 || !bytes.Equal(items.Body.Bytes(), append(want, '\n')) {
		t.Errorf("a page of %d items: the answer differs from json.Marshal of its collection", got.NumberReturned)
	}
	if items.largest > 64<<10 {
		t.Errorf("a page of %d items (%d bytes) was written %d bytes at once", got.NumberReturned, items.Body.Len(), items.largest)
	}
}

// TestRefusalsLoggedInSum: 200 requests refused by the rate limit make
// one log line (with their count), not one each.
func TestRefusalsLoggedInSum(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.RateLimit, s.cfg.RateBurst = 0.001, 1
	var logged bytes.Buffer
	s = New(s.cfg, s.store, s.index, slog.New(slog.NewTextHandler(&logged, nil)))
	h := s.Handler()
	path := "/api/reach?lon=104.06&lat=30.66&meters=300"
	if rec := from(h, "198.51.100.1:4000", path); rec.Code != 200 {
		t.Fatalf("the first request: %d %s", rec.Code, rec.Body)
	}
	start := time.Now()
	for range 200 {
		if rec := from(h, "198.51.100.1:4000", path); rec.Code != 429 {
			t.Fatalf("past the burst: %d, want 429", rec.Code)
		}
	}
	lines := strings.Count(logged.String(), "\n")
	if time.Since(start) < time.Second && lines > 2 {
		t.Errorf("200 refusals made %d log lines, want 1 (and the walking network's):\n%.600s", lines, logged.String())
	}
	if !strings.Contains(logged.String(), "requests refused") {
		t.Errorf("no refusal logged:\n%.600s", logged.String())
	}
}

// TestItemsParameterOnce: an items query giving bbox, limit, offset or a
// property filter more than once (a huge query string of repeated bboxes
// selected by the first) is refused with 400 naming the parameter.
func TestItemsParameterOnce(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	box := "&bbox=103.5,30.4,103.7,30.5"
	for _, p := range []string{
		"/collections/roads/items?limit=10000" + strings.Repeat(box, 500),
		"/collections/roads/items?limit=10&limit=10000",
		"/collections/roads/items?offset=0&offset=5",
		"/collections/green/items?name=a&name=b",
	} {
		rec := get(t, h, p)
		if !isProblem(rec, 400) || !strings.Contains(rec.Body.String(), "give each parameter once") {
			t.Errorf("%.80s: %d %.200s", p, rec.Code, rec.Body)
		}
	}
	if rec := get(t, h, "/collections/roads/items?limit=10"+box); rec.Code != 200 {
		t.Errorf("one bbox: %d %.200s", rec.Code, rec.Body)
	}
}
