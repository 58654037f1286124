package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb/maptile"
)

// TestZonesAreStaffOnly: the responsibility zones are no public layer:
// without a token every way to them is refused (401), a planner reads
// them, and the public composite tile leaves them out.
func TestZonesAreStaffOnly(t *testing.T) {
	s, st, ix := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	secret, hash := store.NewToken()
	if err := st.CreateToken(context.Background(), &store.Token{Name: "planner1", Role: store.RolePlanner, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	b, ok := ix.Snapshot().Layer(geo.Zones).Bound()
	if !ok {
		t.Fatal("the demo town has no zones")
	}
	c := b.Center()
	tl := maptile.At(c, 14)
	ll := fmt.Sprintf("lon=%f&lat=%f", c[0], c[1])
	for _, p := range []string{
		"/collections/zones/items?limit=5", "/collections/zones/items/1", "/collections/zones",
		fmt.Sprintf("/tiles/zones/14/%d/%d.mvt", tl.X, tl.Y), "/tiles/zones.json",
		"/api/nearest?" + ll + "&layer=zones", "/api/within?" + ll + "&meters=500&layer=zones", "/api/at?" + ll + "&layer=zones",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 401 {
			t.Errorf("public GET %s: %d, want 401", p, rec.Code)
		}
		rec = httptest.NewRecorder()
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("planner GET %s: %d, want 200: %s", p, rec.Code, rec.Body)
		}
	}
}
