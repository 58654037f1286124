package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// FuzzRequest: any method, path with query and body gets an answer below
// 500, and every 4xx is problem+json — tile addresses, query strings,
// GeoJSON bodies, scenario edits and methods of the client's own alike.
func FuzzRequest(f *testing.F) {
	seeds := []struct{ method, target, body string }{
		{"GET", "/tiles/public/14/13000/6700.mvt", ""},
		{"GET", "/tiles/green/25/0/0.mvt", ""},
		{"GET", "/tiles/green/3/-1/9999999999999999999.mvt", ""},
		{"GET", "/api/nearest?lon=104.06&lat=30.66&k=3&by=walk", ""},
		{"GET", "/api/within?lon=NaN&lat=1e400&meters=-0", ""},
		{"GET", "/api/search?q=%E5%85%AC%E5%9B%AD&limit=2", ""},
		{"GET", "/api/reach?lon=104.06&lat=30.66&meters=300", ""},
		{"GET", "/api/at?lon=104.06&lat=30.66", ""},
		{"POST", "/api/whatif", `{"type":"Polygon","coordinates":[[[104.06,30.66],[104.061,30.66],[104.061,30.661],[104.06,30.66]]]}`},
		{"POST", "/api/whatif", `{"type":"LineString","coordinates":[[104.06,30.66],[104.07,30.66]]}`},
		{"POST", "/api/whatif", `{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`},
		{"POST", "/api/scenarios", `{"name":"x","edits":{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"op":"add","layer":"waste"},"geometry":{"type":"Point","coordinates":[104,30]}}]}}`},
		{"GET", "/api/audit?format=csv", ""},
		{"GET", "/api/suggest?rule=park-500m-walk&count=1", ""},
		{"GET", "/collections/parcels/items?bbox=104,30,105,31&limit=5&offset=3&kind=compound", ""},
		{"GET", "/collections/green/items?bbox=170,-90,-170,90&datetime=2000-01-01T00:00:00Z/..", ""},
		{"GET", "/collections/roads/items/7", ""},
		{"GET", "/api", ""},
		// Methods of the client's own (a metric label each, once).
		{"PROPFIND", "/api/layers", ""},
		{"X~1'|", "/tiles/public/14/13000/6700.mvt", ""},
		{"get", "/healthz", ""},
		{"OPTIONS", "/collections", ""},
		// Query strings Go cannot parse whole (once answered with the
		// pair dropped).
		{"GET", "/collections/parcels/items?name=no;such", ""},
		{"GET", "/api/nearest?lon=104.06&lat=30.66&layer=parcels;x", ""},
		{"GET", "/api/search?q=%zz&layer=green", ""},
		{"POST", "/api/import?format=geojson;layer=green", `{"type":"FeatureCollection","features":[]}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.body)
	}
	// The small demo town, so that walks, audits and what-ifs have work.
	st := memstore.New()
	if _, err := st.Write(f.Context(), func(tx store.Tx) error {
		_, err := demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(b []*geo.Feature) error { return tx.Put(f.Context(), b) })
		return err
	}); err != nil {
		f.Fatal(err)
	}
	ix, err := live.Load(f.Context(), st, nil)
	if err != nil {
		f.Fatal(err)
	}
	cfg := openConfig()
	cfg.TempDir = f.TempDir()
	h := New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if method == "" {
			method = "GET" // any other token is a method a client may send
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return // not a request line a client can send
		}
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("%s %q panicked: %v", method, target, p)
			}
		}()
		req, err := http.NewRequest(method, "http://greenreach"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q %q: %d %s", method, target, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %q: %d as %s", method, target, rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}
