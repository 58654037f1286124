package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestLimits: every input has a bound, and going past it is a 4xx
// problem+json (503 for the time bound), never a 5xx or a hang; a refused
// or unreadable import leaves the store as it was.
func TestLimits(t *testing.T) {
	s, _, ix := demoServer(t)
	s.cfg.MaxUploadBytes = 64 << 10
	h := s.Handler()
	bigRing := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"type":"Polygon","coordinates":[[`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "[%f,%f],", 103.6+0.001*float64(i%100)/100, 30.45+0.001*float64(i)/float64(n))
		}
		b.WriteString(`[103.6,30.45]]]}`)
		return b.String()
	}
	huge := strings.Repeat(" ", 2<<20) + `{}`
	greens := func() int { return ix.Snapshot().Layer(geo.Green).Len() }
	before := greens()
	for _, c := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"what-if body over 1 MB", "POST", "/api/whatif", huge, 413},
		{"scenario body over 8 MB", "POST", "/api/scenarios", strings.Repeat(" ", 9<<20) + `{}`, 413},
		{"what-if over 20,000 vertices", "POST", "/api/whatif", bigRing(20001), 400},
		{"what-if with 51 features", "POST", "/api/whatif", `{"type":"FeatureCollection","features":[` + strings.Repeat(`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[103.6,30.45]}},`, 50) + `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[103.6,30.45]}}]}`, 400},
		{"items limit 10⁹", "GET", "/collections/green/items?limit=1000000000", "", 400},
		{"bbox past the pole", "GET", "/collections/green/items?bbox=0,0,1,91", "", 400},
		{"within 100 km", "GET", "/api/within?lon=103.6&lat=30.45&meters=100000", "", 400},
		{"nearest k 1000", "GET", "/api/nearest?lon=103.6&lat=30.45&k=1000", "", 400},
		{"search text over 200 bytes", "GET", "/api/search?q=" + strings.Repeat("a", 201), "", 400},
		{"walk over 5 km", "GET", "/api/reach?lon=103.6&lat=30.45&meters=50000", "", 400},
		{"tile zoom 25", "GET", "/tiles/green/25/0/0.mvt", "", 400},
		{"upload over the limit", "POST", "/api/import?format=geojson&layer=green", `{"type":"FeatureCollection","features":[]}` + strings.Repeat(" ", 70<<10), 413},
		{"upload not GeoJSON", "POST", "/api/import?format=geojson&layer=green", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1`, 422},
		{"upload without a layer", "POST", "/api/import?format=geojson", `{}`, 400},
		{"upload of an unknown format", "POST", "/api/import?format=dwg&layer=green", `x`, 400},
		{"empty upload", "POST", "/api/import?format=pbf", ``, 400},
		{"upload of garbage as PBF", "POST", "/api/import?format=pbf", strings.Repeat("\x00\x01garbage", 100), 422},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json: %.300s", c.name, rec.Code, rec.Header().Get("Content-Type"), c.status, rec.Body)
		}
	}
	if greens() != before {
		t.Errorf("refused imports changed the green layer: %d → %d features", before, greens())
	}

	// An accepted upload is in the index at once; importing it again
	// replaces it.
	park := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"p1","properties":{"name":"上传公园","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[103.6,30.45],[103.601,30.45],[103.601,30.451],[103.6,30.451],[103.6,30.45]]]}}]}`
	for i := 0; i < 2; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/import?format=geojson&layer=green&source=upload-test", strings.NewReader(park)))
		var sum struct{ Source string }
		json.Unmarshal(rec.Body.Bytes(), &sum)
		if rec.Code != 200 || sum.Source != "upload-test" || greens() != before+1 {
			t.Fatalf("import %d: %d %s; %d green features, had %d", i+1, rec.Code, rec.Body, greens(), before)
		}
	}
	if rec := get(t, h, "/api/search?q=%E4%B8%8A%E4%BC%A0%E5%85%AC%E5%9B%AD"); !strings.Contains(rec.Body.String(), "上传公园") {
		t.Errorf("the uploaded park is not found: %s", rec.Body)
	}

	// The time bound: an audit given 1 ns.
	s.cfg.QueryTimeout = time.Nanosecond
	rec := get(t, s.Handler(), "/api/audit")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "took longer than") {
		t.Errorf("an audit past the query timeout: %d %s", rec.Code, rec.Body)
	}
	// Tiles of the coverage layer run an audit too; tiles of the index are
	// cut in memory, untimed.
	tile := maptile.At(orb.Point{104.061, 30.6605}, 14)
	if rec := get(t, s.Handler(), fmt.Sprintf("/tiles/coverage/14/%d/%d.mvt", tile.X, tile.Y)); rec.Code != 503 {
		t.Errorf("a coverage tile past the query timeout: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, s.Handler(), fmt.Sprintf("/tiles/public/14/%d/%d.mvt", tile.X, tile.Y)); rec.Code != 200 {
		t.Errorf("a public tile with a 1 ns query timeout: %d %s", rec.Code, rec.Body)
	}
}
