package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMalformedQuery: a query string with a pair Go cannot parse — a `;`
// separator, a bad %-escape — is refused with 400 naming the problem on
// every route, where it used to be answered with the pair dropped; the same
// query properly escaped is answered.
func TestMalformedQuery(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	for _, c := range []struct{ path, problem, escaped string }{
		{"/collections/parcels/items?name=no;such", "semicolon", "/collections/parcels/items?name=no%3Bsuch"},
		{"/api/nearest?lon=104.06&lat=30.66&layer=parcels;x", "semicolon", "/api/nearest?lon=104.06&lat=30.66&layer=parcels"},
		{"/api/layers?f=json;x", "semicolon", "/api/layers"},
		{"/api/within?lon=104.06&lat=30.66&meters=500;x=1", "semicolon", "/api/within?lon=104.06&lat=30.66&meters=500"},
		{"/tiles/green/14/12927/6722.mvt?scenario=1;x", "semicolon", "/tiles/green/14/12927/6722.mvt"},
		{"/collections/parcels/items?name=%zz", "escape", "/collections/parcels/items?name=%25zz"},
		{"/api/search?q=park&layer=%g0", "escape", "/api/search?q=park&layer=green"},
	} {
		rec := get(t, h, c.path)
		var p struct {
			Status int
			Detail string
		}
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" || p.Status != 400 || !strings.Contains(p.Detail, c.problem) {
			t.Errorf("%s: %d %s, want 400 problem+json naming the %s: %s", c.path, rec.Code, rec.Header().Get("Content-Type"), c.problem, rec.Body)
		}
		if rec := get(t, h, c.escaped); rec.Code != 200 {
			t.Errorf("%s: %d %s", c.escaped, rec.Code, rec.Body)
		}
	}
	// Escaped, the filter applies: no parcel is named "no;such".
	var fc struct{ Features []json.RawMessage }
	if rec := get(t, h, "/collections/parcels/items?name=no%3Bsuch"); json.Unmarshal(rec.Body.Bytes(), &fc) != nil || len(fc.Features) != 0 {
		t.Errorf("name=no%%3Bsuch: %d features, want 0: %.200s", len(fc.Features), rec.Body)
	}
}
