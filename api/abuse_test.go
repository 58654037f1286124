package api

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
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
