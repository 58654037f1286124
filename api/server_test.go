package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

func newTestServer(t *testing.T) (*Server, *memstore.Store, *live.Index) {
	t.Helper()
	st := memstore.New()
	ctx := context.Background()
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, append(storetest.Sample("test", "1", 104.06, 30.66), storetest.Sample("test", "2", 104.08, 30.68)...))
	}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))), st, ix
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestLayers(t *testing.T) {
	s, st, ix := newTestServer(t)
	h := s.Handler()
	decode := func() map[string]store.LayerJSON {
		rec := get(t, h, "/api/layers")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("status %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		var ls []store.LayerJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &ls); err != nil {
			t.Fatal(err)
		}
		if len(ls) != len(geo.Schemas) {
			t.Fatalf("%d layers", len(ls))
		}
		m := map[string]store.LayerJSON{}
		for i, l := range ls {
			if l.ID != geo.Schemas[i].ID {
				t.Errorf("layer %d is %s", i, l.ID)
			}
			m[l.ID] = l
		}
		return m
	}
	ls := decode()
	want := map[string][4]float64{
		geo.Green:   {104.06, 30.66, 104.0825, 30.681},
		geo.Parcels: {104.06, 30.662, 104.0808, 30.6828},
		geo.Roads:   {104.06, 30.659, 104.083, 30.683},
		geo.Waste:   {104.0615, 30.6615, 104.0815, 30.6815},
		geo.Areas:   {104.059, 30.658, 104.085, 30.684},
	}
	for id, bb := range want {
		l := ls[id]
		if l.Count != 2 || l.Version != 1 || l.BBox == nil {
			t.Fatalf("%s: %+v", id, l)
		}
		for i := range bb {
			if d := l.BBox[i] - bb[i]; d > 1e-9 || d < -1e-9 {
				t.Errorf("%s bbox %v, want %v", id, *l.BBox, bb)
				break
			}
		}
	}
	// An edit through the index is visible at once.
	ctx := context.Background()
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Delete(ctx, geo.Waste, 1) }); err != nil {
		t.Fatal(err)
	}
	ls = decode()
	if l := ls[geo.Waste]; l.Count != 1 || l.Version != 2 || l.BBox[0] < 104.08149 || l.BBox[0] > 104.08151 {
		t.Errorf("after delete: %+v %v", l, *l.BBox)
	}
}

func TestProblems(t *testing.T) {
	s, st, _ := newTestServer(t)
	h := s.Handler()
	tests := []struct {
		name, method, path string
		unavailable        bool
		status             int
	}{
		{"unknown route", "GET", "/api/nope", false, 404},
		{"wrong method", "DELETE", "/api/layers", false, 405},
		{"store down", "GET", "/readyz", true, 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.Unavailable = tc.unavailable
			defer func() { st.Unavailable = false }()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q, want %d problem+json", rec.Code, rec.Header().Get("Content-Type"), tc.status)
			}
			var p map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p["status"] != float64(tc.status) || p["title"] == "" || p["instance"] != tc.path {
				t.Errorf("body %s (%v)", rec.Body, err)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
	if rec := get(t, h, "/readyz"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"features":12`) {
		t.Errorf("readyz %d %s", rec.Code, rec.Body)
	}
}

// TestMetrics: /metrics counts requests by route template and code, the
// tile cache and the index; every answer carries a request id.
func TestMetrics(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	get(t, h, "/api/layers")
	get(t, h, "/api/nearest?lon=104.06&lat=30.66")
	// The tile cache admits a tile at its second cut: the third is a hit.
	get(t, h, "/tiles/green/14/12927/6722.mvt")
	get(t, h, "/tiles/green/14/12927/6722.mvt")
	get(t, h, "/tiles/green/14/12927/6722.mvt")
	rec := get(t, h, "/nope")
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	body := get(t, h, "/metrics").Body.String()
	for _, want := range []string{
		`greenreach_http_requests_total{code="200",method="GET",route="/api/layers"} 1`,
		`greenreach_http_requests_total{code="200",method="GET",route="/tiles/{layer}/{z}/{x}/{y}.mvt"} 3`,
		`greenreach_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`greenreach_tile_cache_hits_total 1`,
		`greenreach_index_features{layer="green"} 2`,
		`greenreach_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Errorf("request id not echoed: %q", rec.Header().Get("X-Request-Id"))
	}
}

// openConfig is the default configuration with every anonymous request
// trusted as admin, for tests of what the routes answer rather than who
// may ask (roles_test.go tests that).
func openConfig() Config {
	cfg := DefaultConfig()
	cfg.Anonymous = store.RoleAdmin
	return cfg
}
