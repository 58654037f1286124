package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb/maptile"
)

// TestZonesAreStaffOnly: the responsibility zones are no public layer:
// without a token every way to them is refused (401), a planner and a
// dispatcher (whose case board shows them) read them, an inspector and a
// unit may not (403), and the public composite tile leaves them out.
func TestZonesAreStaffOnly(t *testing.T) {
	s, st, ix := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	tokens := map[string]string{}
	for _, tk := range []store.Token{
		{Name: "planner1", Role: store.RolePlanner}, {Name: "dispatcher1", Role: store.RoleDispatcher},
		{Name: "inspector1", Role: store.RoleInspector}, {Name: "unit1", Role: store.RoleUnit, Unit: "U01"},
	} {
		secret, hash := store.NewToken()
		tk.Hash = hash
		if err := st.CreateToken(context.Background(), &tk); err != nil {
			t.Fatal(err)
		}
		tokens[tk.Role] = secret
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
		for role, want := range map[string]int{store.RolePlanner: 200, store.RoleDispatcher: 200, store.RoleInspector: 403, store.RoleUnit: 403} {
			rec = httptest.NewRecorder()
			req := httptest.NewRequest("GET", p, nil)
			req.Header.Set("Authorization", "Bearer "+tokens[role])
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s GET %s: %d, want %d: %s", role, p, rec.Code, want, rec.Body)
			}
		}
	}
	// A dispatcher's list of collections and layers names the zones.
	for _, p := range []string{"/collections", "/api/layers"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[store.RoleDispatcher])
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"zones"`) {
			t.Errorf("dispatcher GET %s: %d, no zones: %.300s", p, rec.Code, rec.Body)
		}
	}
}
