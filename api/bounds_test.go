package api

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
)

// randomRingJSON is a GeoJSON Polygon whose ring is n points drawn at
// random in a 0.01° square of the demo town: it crosses itself about
// n²/10 times (500 points: some 25,000; GEOS MakeValid takes minutes).
func randomRingJSON(seed int64, n int) string {
	rnd := rand.New(rand.NewSource(seed))
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	var first string
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("[%.7f,%.7f]", 104.055+0.01*rnd.Float64(), 30.655+0.01*rnd.Float64())
		if i == 0 {
			first = p
		}
		b.WriteString(p + ",")
	}
	b.WriteString(first + `]]}`)
	return b.String()
}

func isProblem(rec *httptest.ResponseRecorder, status int) bool {
	return rec.Code == status && rec.Header().Get("Content-Type") == "application/problem+json"
}

// TestRepairBudget: a what-if or scenario whose polygon crosses itself
// at more points than the repair budget is refused at once with 422
// naming the budget, before GEOS is asked; a polygon crossing itself a
// few times is still repaired; a request's polygons share one budget.
func TestRepairBudget(t *testing.T) {
	s, st, _ := demoServer(t)
	h := s.Handler()
	ring := randomRingJSON(1, 500)
	want := "the polygon crosses itself at more than 256 points; repairing it is refused: simplify it"
	for _, c := range []struct{ name, method, path, body string }{
		{"what-if", "POST", "/api/whatif", ring},
		{"scenario create", "POST", "/api/scenarios", `{"name":"knot","edits":{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"op":"add","layer":"green","name":"knot","kind":"park"},"geometry":` + ring + `}]}}`},
	} {
		start := time.Now()
		rec := do(t, h, c.method, c.path, c.body)
		el := time.Since(start)
		if !isProblem(rec, 422) || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s of a 500-vertex random ring: %d %s, want 422 naming the budget", c.name, rec.Code, rec.Body)
		}
		if el > time.Second {
			t.Errorf("%s of a 500-vertex random ring took %s to refuse", c.name, el)
		}
	}
	// A belt's buffer is bounded likewise: a sawtooth line of 1,000
	// vertices (GEOS buffers it in 24 s) is refused at once.
	var saw []string
	for i := 0; i < 1000; i++ {
		saw = append(saw, fmt.Sprintf("[%.8f,%.8f]", 104.06+float64(i)*0.0000052, 30.66+float64(i%2)*0.0009))
	}
	start := time.Now()
	if rec := do(t, h, "POST", "/api/whatif", `{"type":"LineString","coordinates":[`+strings.Join(saw, ",")+`]}`); !isProblem(rec, 422) || !strings.Contains(rec.Body.String(), "at more than 2048 places; buffering it is refused") {
		t.Errorf("a what-if belt along a 1,000-vertex sawtooth: %d %s", rec.Code, rec.Body)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("refusing the sawtooth belt took %s", el)
	}
	if list, _ := st.ListScenarios(t.Context()); len(list) != 0 {
		t.Errorf("a refused scenario was stored: %d scenarios", len(list))
	}
	bowtie := `{"type":"Polygon","coordinates":[[[104.06,30.66],[104.061,30.661],[104.061,30.66],[104.06,30.661],[104.06,30.66]]]}`
	rec := do(t, h, "POST", "/api/whatif", bowtie)
	var wi struct {
		Added struct {
			Features []struct {
				Geometry struct {
					Type        string
					Coordinates [][][][2]float64
				}
			}
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &wi)
	if rec.Code != 200 || len(wi.Added.Features) != 1 || wi.Added.Features[0].Geometry.Type != "MultiPolygon" || len(wi.Added.Features[0].Geometry.Coordinates) != 2 {
		t.Errorf("a bow tie: %d %.300s, want it repaired into two triangles", rec.Code, rec.Body)
	}
	// The budget is the request's: four bow ties of one crossing each
	// against a budget of three.
	s.cfg.RepairCrossings = 3
	h = New(s.cfg, st, s.index, s.log).Handler()
	var feats []string
	for i := 0; i < 4; i++ {
		x := 104.06 + 0.002*float64(i)
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[%[1]g,30.66],[%[2]g,30.661],[%[2]g,30.66],[%[1]g,30.661],[%[1]g,30.66]]]}}`, x, x+0.001))
	}
	body := `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
	if rec := do(t, h, "POST", "/api/whatif", body); !isProblem(rec, 422) || !strings.Contains(rec.Body.String(), "feature 4: the polygons to repair cross themselves at more than 3 points in all") {
		t.Errorf("four bow ties with a budget of 3 crossings: %d %s", rec.Code, rec.Body)
	}
}

// TestRepairPool: with every repair slot taken, a repair waits no longer
// than its request's deadline and is answered 503 with Retry-After.
func TestRepairPool(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.RepairWorkers, s.cfg.QueryTimeout = 1, 50*time.Millisecond
	s = New(s.cfg, s.store, s.index, s.log)
	release, e := s.repairs.acquire(t.Context())
	if e != nil {
		t.Fatal(e.Detail)
	}
	defer release()
	bowtie := `{"type":"Polygon","coordinates":[[[104.06,30.66],[104.061,30.661],[104.061,30.66],[104.06,30.661],[104.06,30.66]]]}`
	rec := do(t, s.Handler(), "POST", "/api/whatif", bowtie)
	if !isProblem(rec, 503) || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "no GEOS repair could start: 1 run at once") {
		t.Errorf("a repair with the pool full: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	// A valid polygon needs no repair, and no slot.
	square := `{"type":"Polygon","coordinates":[[[104.06,30.66],[104.061,30.66],[104.061,30.661],[104.06,30.661],[104.06,30.66]]]}`
	s.cfg.QueryTimeout = 30 * time.Second
	s = New(s.cfg, s.store, s.index, s.log)
	if rec := do(t, s.Handler(), "POST", "/api/whatif", square); rec.Code != 200 {
		t.Errorf("a valid polygon: %d %s", rec.Code, rec.Body)
	}
}

// TestReachDeadline: a walk past the query timeout is 503, not a late 200.
func TestReachDeadline(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	b, _ := ix.Snapshot().Layer(geo.Parcels).Bound()
	q := "lon=" + ff(b.Center()[0]) + "&lat=" + ff(b.Center()[1])
	path := "/api/reach?" + q + "&meters=5000"
	if rec := get(t, h, path); rec.Code != 200 || len(decodeFC(t, rec.Body.Bytes()).Features) < 3 {
		t.Fatalf("a reach: %d %.300s", rec.Code, rec.Body)
	}
	s.cfg.QueryTimeout = time.Nanosecond
	h = New(s.cfg, s.store, s.index, s.log).Handler()
	for _, p := range []string{path, "/api/nearest?" + q + "&k=3&by=walk"} {
		if rec := get(t, h, p); !isProblem(rec, 503) || !strings.Contains(rec.Body.String(), "took longer than") {
			t.Errorf("%s with a 1 ns query timeout: %d %s", p, rec.Code, rec.Body)
		}
	}
}

// TestWorkQueue: with one worker and one waiting place, a third concurrent
// expensive request is refused with 503 and Retry-After; the two others
// are answered. A blocking hook holds the first in its slot.
func TestWorkQueue(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.Workers, s.cfg.QueueLength, s.cfg.RateLimit = 1, 1, 0
	s = New(s.cfg, s.store, s.index, s.log)
	entered, unblock := make(chan struct{}, 2), make(chan struct{})
	s.work.running = func() { entered <- struct{}{}; <-unblock }
	h := s.Handler()
	path := "/api/reach?lon=104.06&lat=30.66&meters=300"
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = get(t, h, path).Code }()
		if i == 0 {
			<-entered // the first holds the only slot
		}
	}
	for s.work.waiting.Load() != 1 { // the second is queued
		time.Sleep(time.Millisecond)
	}
	rec := get(t, h, path)
	if !isProblem(rec, 503) || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "1 expensive requests are running and 1 waiting") {
		t.Errorf("a third concurrent reach: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	close(unblock)
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 {
		t.Errorf("the running and the queued reach: %v, want 200 200", codes)
	}
}

// from is a GET from a peer address, with headers.
func from(h http.Handler, peer, path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = peer
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimit: anonymous expensive requests are limited per client
// address (429 with Retry-After); X-Forwarded-For names the client only
// when a trusted proxy sent it.
func TestRateLimit(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.RateLimit, s.cfg.RateBurst = 0.001, 2 // no refill within the test
	s.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := New(s.cfg, s.store, s.index, s.log).Handler()
	path := "/api/reach?lon=104.06&lat=30.66&meters=300"
	for i := 0; i < 2; i++ {
		if rec := from(h, "198.51.100.1:4000", path); rec.Code != 200 {
			t.Fatalf("request %d of a burst of 2: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := from(h, "198.51.100.1:4001", path)
	if !isProblem(rec, 429) || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "0.001 expensive requests a second (bursts of 2)") {
		t.Errorf("a third request: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	if rec := from(h, "198.51.100.2:4000", path); rec.Code != 200 {
		t.Errorf("another client: %d, want 200 (the limit is per client)", rec.Code)
	}
	// Untrusted peers cannot pose as other clients.
	from(h, "198.51.100.3:4000", path, "X-Forwarded-For", "203.0.113.1")
	from(h, "198.51.100.3:4000", path, "X-Forwarded-For", "203.0.113.2")
	if rec := from(h, "198.51.100.3:4000", path, "X-Forwarded-For", "203.0.113.3"); rec.Code != 429 {
		t.Errorf("an untrusted peer's third request under a new X-Forwarded-For: %d, want 429", rec.Code)
	}
	// A trusted proxy's clients are told apart by X-Forwarded-For, the
	// last address before the trusted ones, whatever a client prepends.
	for i := 0; i < 2; i++ {
		for _, c := range []string{"203.0.113.10", "203.0.113.11"} {
			if rec := from(h, "10.0.0.1:4000", path, "X-Forwarded-For", "1.2.3.4, "+c+", 10.0.0.2"); rec.Code != 200 {
				t.Errorf("request %d of client %s through the proxy: %d", i+1, c, rec.Code)
			}
		}
	}
	if rec := from(h, "10.0.0.1:4000", path, "X-Forwarded-For", "9.9.9.9, 203.0.113.10"); rec.Code != 429 {
		t.Errorf("client 203.0.113.10's third request through the proxy: %d, want 429", rec.Code)
	}
	// Cheap requests are not limited.
	for i := 0; i < 5; i++ {
		if rec := from(h, "198.51.100.1:4000", "/api/nearest?lon=104.06&lat=30.66&k=1"); rec.Code != 200 {
			t.Fatalf("a cheap request after the limit: %d", rec.Code)
		}
	}
}

// TestRateLimiterBounded: 100,000 distinct addresses leave the limiter
// with no more clients than its size, and a limited client in the middle
// of them still finds its bucket empty when it has not been evicted.
func TestRateLimiterBounded(t *testing.T) {
	l := newRateLimiter(1, 5, 1000)
	now := time.Unix(1e9, 0)
	most := 0
	for i := 0; i < 100000; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		l.take(a, now)
		most = max(most, l.clients())
	}
	if most > 1000 {
		t.Errorf("the limiter held %d clients, size 1000", most)
	}
	// IPv6 clients are counted by /64.
	for i := 0; i < 5; i++ {
		l.take(netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", i+1)), now)
	}
	if _, ok := l.take(netip.MustParseAddr("2001:db8::ffff"), now); ok {
		t.Error("a sixth address of one /64 had a token of a burst of 5")
	}
}

// TestLinksHost: links never carry a host a caller made up: with a
// public URL they use it; without, X-Forwarded-Host and -Proto count only
// from a trusted proxy, and a Host that is not a plain host name gives
// relative links.
func TestLinksHost(t *testing.T) {
	s, _, _ := demoServer(t)
	paths := []string{"/tiles/public.json", "/?f=json", "/collections", "/collections/green", "/collections/green/items?limit=1", "/api"}
	s.cfg.PublicURL = "https://green.example.gov.cn/map"
	h := New(s.cfg, s.store, s.index, s.log).Handler()
	for _, p := range paths {
		req := httptest.NewRequest("GET", p, nil)
		req.Host = "evil.example"
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "evil.example") || !strings.Contains(rec.Body.String(), `"https://green.example.gov.cn/map`) {
			t.Errorf("%s with Host evil.example and a public URL: %d %.300s", p, rec.Code, rec.Body)
		}
	}
	tilesOf := func(h http.Handler, peer, host string, hdr ...string) string {
		req := httptest.NewRequest("GET", "/tiles/public.json", nil)
		req.RemoteAddr, req.Host = peer, host
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var tj TileJSON
		json.Unmarshal(rec.Body.Bytes(), &tj)
		if len(tj.Tiles) != 1 {
			t.Fatalf("TileJSON: %d %s", rec.Code, rec.Body)
		}
		return tj.Tiles[0]
	}
	s.cfg.PublicURL = ""
	s.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h = New(s.cfg, s.store, s.index, s.log).Handler()
	for _, c := range []struct {
		peer, host, fwdHost, fwdProto, want string
	}{
		{"198.51.100.1:1", "green.example", "evil.example", "https", "http://green.example/tiles/public/{z}/{x}/{y}.mvt"},
		{"10.0.0.1:1", "internal:8080", "green.example", "https", "https://green.example/tiles/public/{z}/{x}/{y}.mvt"},
		{"10.0.0.1:1", "internal:8080", "evil.example/x?", "https", "/tiles/public/{z}/{x}/{y}.mvt"},
		{"198.51.100.1:1", "evil.example@x", "", "", "/tiles/public/{z}/{x}/{y}.mvt"},
	} {
		if got := tilesOf(h, c.peer, c.host, "X-Forwarded-Host", c.fwdHost, "X-Forwarded-Proto", c.fwdProto); got != c.want {
			t.Errorf("peer %s, Host %q, X-Forwarded-Host %q: tiles %q, want %q", c.peer, c.host, c.fwdHost, got, c.want)
		}
	}
}
