package api

import (
	"encoding/json"
	"math"
	"net/url"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func decodeFC(t *testing.T, body []byte) *geojson.FeatureCollection {
	t.Helper()
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatalf("not a FeatureCollection: %v: %s", err, body)
	}
	return fc
}

// TestQueries runs the spatial queries on two sample districts (parks at
// 104.06,30.66 and 104.08,30.68) and checks answers worked out from the
// sample's geometry.
func TestQueries(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	// Park 1's second part reaches east to 104.0625; the test point lies
	// 0.0035° east of it.
	p := orb.Point{104.061, 30.6605}
	east := geo.DistanceTo(orb.Point{104.066, 30.6605}, orb.Point{104.0625, 30.6605})
	tests := []struct {
		name    string
		path    string
		names   []string // properties.name of the hits, in order
		layers  []string // or properties.layer
		distMin float64  // first hit's distance_m at least, at most distMax
		distMax float64
	}{
		{"nearest park from inside park 1", "/api/nearest?lon=104.0605&lat=30.6605&k=2", []string{"人民公园 1", "人民公园 2"}, nil, 0, 0},
		{"nearest park from the east", "/api/nearest?lon=104.066&lat=30.6605&k=1", []string{"人民公园 1"}, nil, east - 0.1, east + 0.1},
		{"nearest with a limit too short", "/api/nearest?lon=104.066&lat=30.6605&k=1&meters=100", []string{}, nil, 0, 0},
		{"within 10 km: both parks", "/api/within?lon=104.06&lat=30.66&meters=10000", []string{"人民公园 1", "人民公园 2"}, nil, 0, 0},
		{"within 1 m of park 2's corner", "/api/within?lon=104.08&lat=30.68&meters=1", []string{"人民公园 2"}, nil, 0, 0},
		{"waste within 300 m", "/api/within?lon=104.06&lat=30.66&meters=300&layer=waste", nil, []string{"waste"}, 200, 300},
		{"at a point in park 1 and in its district", "/api/at?lon=" + ff(p[0]-0.0005) + "&lat=" + ff(p[1]), []string{"人民公园 1", "少城责任区 1", "少城社区"}, nil, 0, 0},
		{"at a point in park 1's hole", "/api/at?lon=104.0603&lat=30.6603", []string{"少城责任区 1", "少城社区"}, nil, 0, 0},
		{"at, one layer", "/api/at?lon=104.0605&lat=30.6605&layer=areas", []string{"少城社区"}, nil, 0, 0},
		{"search", "/api/search?q=" + url.QueryEscape("人民公园"), []string{"人民公园 1", "人民公园 2"}, nil, 0, 0},
		{"search exact first", "/api/search?q=" + url.QueryEscape("人民公园 2"), []string{"人民公园 2"}, nil, 0, 0},
		{"search roads", "/api/search?layer=roads&limit=1&q=" + url.QueryEscape("人民南路"), []string{"人民南路"}, nil, 0, 0},
		{"search nothing", "/api/search?q=zzz", []string{}, nil, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.path)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/geo+json" {
				t.Fatalf("%d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			fc := decodeFC(t, rec.Body.Bytes())
			if tc.names != nil {
				var got []string
				for _, f := range fc.Features {
					got = append(got, f.Properties.MustString("name", ""))
				}
				if len(got) != len(tc.names) {
					t.Fatalf("names %q, want %q", got, tc.names)
				}
				for i := range got {
					if got[i] != tc.names[i] {
						t.Fatalf("names %q, want %q", got, tc.names)
					}
				}
			}
			for i, f := range fc.Features {
				if len(f.BBox) != 4 || f.Properties["layer"] == nil || f.ID == nil {
					t.Errorf("feature %d lacks bbox, layer or id: %v %v", i, f.BBox, f.Properties)
				}
				if tc.layers != nil && f.Properties["layer"] != tc.layers[0] {
					t.Errorf("layer %v", f.Properties["layer"])
				}
			}
			if tc.distMax > 0 {
				if len(fc.Features) == 0 {
					t.Fatal("no hits")
				}
				d := fc.Features[0].Properties.MustFloat64("distance_m", -1)
				if d < tc.distMin || d > tc.distMax {
					t.Errorf("distance_m %.1f, want %.1f–%.1f", d, tc.distMin, tc.distMax)
				}
			}
		})
	}
	// Distances are metres, not degrees or Web Mercator units: park 1's
	// east edge is 0.0035° of longitude away, about cos(30.66°)·0.0035·111.3 km
	// (N·cosφ·dλ; N exceeds a by 0.09% here).
	rec := get(t, h, "/api/nearest?lon=104.066&lat=30.6605&k=1")
	d := decodeFC(t, rec.Body.Bytes()).Features[0].Properties.MustFloat64("distance_m", 0)
	if want := 0.0035 * 111319.49 * math.Cos(30.6605*math.Pi/180); math.Abs(d-want) > 2 {
		t.Errorf("distance %.1f m, want ≈ %.1f m", d, want)
	}
}

func ff(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestQueryBadRequests(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	tests := []struct {
		path   string
		status int
	}{
		{"/api/nearest", 400},
		{"/api/nearest?lon=104", 400},
		{"/api/nearest?lon=abc&lat=30", 400},
		{"/api/nearest?lon=NaN&lat=30", 400},
		{"/api/nearest?lon=104&lat=91", 400},
		{"/api/nearest?lon=181&lat=30", 400},
		{"/api/nearest?lon=104&lat=30&k=0", 400},
		{"/api/nearest?lon=104&lat=30&k=1000000000", 400},
		{"/api/nearest?lon=104&lat=30&layer=nope", 404},
		{"/api/nearest?lng=104&lat=30", 400},
		{"/api/within?lon=104&lat=30", 400},
		{"/api/within?lon=104&lat=30&meters=-1", 400},
		{"/api/within?lon=104&lat=30&meters=1e9", 400},
		{"/api/within?lon=104&lat=30&meters=Inf", 400},
		{"/api/at?lon=104", 400},
		{"/api/at?lon=104&lat=30&layer=x", 404},
		{"/api/search", 400},
		{"/api/search?q=%20", 400},
		{"/api/search?q=a&limit=1000000000", 400},
		{"/api/search?q=a&limit=x", 400},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(t, h, tc.path)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s, want %d problem+json: %s", rec.Code, rec.Header().Get("Content-Type"), tc.status, rec.Body)
			}
			var p struct{ Detail string }
			if json.Unmarshal(rec.Body.Bytes(), &p); p.Detail == "" {
				t.Errorf("no detail: %s", rec.Body)
			}
		})
	}
}
