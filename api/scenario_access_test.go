package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// tokenCaller makes a token of each role name → role and returns a
// function that calls h as that token ("" is anonymous).
func tokenCaller(t *testing.T, s *Server, st store.Store, roles map[string]string) func(method, path, as, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	secrets := map[string]string{}
	for name, role := range roles {
		secret, hash := store.NewToken()
		if err := st.CreateToken(context.Background(), &store.Token{Name: name, Role: role, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		secrets[name] = secret
	}
	h := s.Handler()
	return func(method, path, as, body string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if as != "" {
			r.Header.Set("Authorization", "Bearer "+secrets[as])
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
}

// TestDraftsHidden: every route that takes ?scenario= answers a caller
// below planner (anonymous, the public role) with the same 404 for an
// existing draft as for an id that does not exist — status, type and body
// alike — while planners and above get the draft.
func TestDraftsHidden(t *testing.T) {
	s, st, ix := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	call := tokenCaller(t, s, st, map[string]string{"alice": store.RolePlanner, "audrey": store.RoleAuditor})
	gb, _ := ix.Snapshot().Layer(geo.Green).Bound()
	c := gb.Center()
	rec := call("POST", "/api/scenarios", "alice", `{"name":"草稿","edits":{"type":"FeatureCollection","features":[`+parkEdit([2]float64{c[0], c[1]}, "草稿公园")+`]}}`)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var sc ScenarioJSON
	json.Unmarshal(rec.Body.Bytes(), &sc)
	tile := maptile.At(orb.Point{c[0], c[1]}, 15)
	routes := []string{
		"/api/search?q=" + strings.ReplaceAll(url.QueryEscape("草稿公园"), "%", "%%") + "&scenario=%d",
		fmt.Sprintf("/api/at?lon=%f&lat=%f&layer=green&scenario=%%d", c[0], c[1]),
		fmt.Sprintf("/api/nearest?lon=%f&lat=%f&layer=green&k=1&scenario=%%d", c[0], c[1]),
		fmt.Sprintf("/api/within?lon=%f&lat=%f&layer=green&meters=50&scenario=%%d", c[0], c[1]),
		fmt.Sprintf("/api/reach?lon=%f&lat=%f&meters=300&scenario=%%d", c[0], c[1]),
		fmt.Sprintf("/tiles/public/15/%d/%d.mvt?scenario=%%d", tile.X, tile.Y),
	}
	const unknown = 987654
	for _, route := range routes {
		draft, none := fmt.Sprintf(route, sc.ID), fmt.Sprintf(route, unknown)
		a, b := call("GET", draft, "", ""), call("GET", none, "", "")
		// the same answer but for the id itself
		ab := strings.ReplaceAll(a.Body.String(), fmt.Sprintf("scenario %d ", sc.ID), "scenario ID ")
		bb := strings.ReplaceAll(b.Body.String(), fmt.Sprintf("scenario %d ", unknown), "scenario ID ")
		if a.Code != 404 || b.Code != 404 || ab != bb || a.Header().Get("Content-Type") != b.Header().Get("Content-Type") {
			t.Errorf("%s anonymous: %d %s\nunknown id: %d %s\nwant the same 404", draft, a.Code, a.Body, b.Code, b.Body)
		}
		for _, as := range []string{"alice", "audrey"} {
			if rec := call("GET", draft, as, ""); rec.Code != 200 {
				t.Errorf("%s as %s: %d %s", draft, as, rec.Code, rec.Body)
			}
			if rec := call("GET", none, as, ""); rec.Code != 404 {
				t.Errorf("%s as %s: %d, want 404", none, as, rec.Code)
			}
		}
	}
	// The planner sees the draft's park; its tiles stay out of shared caches.
	if rec := call("GET", fmt.Sprintf(routes[1], sc.ID), "alice", ""); !strings.Contains(rec.Body.String(), "草稿公园") {
		t.Errorf("the planner's /api/at lacks the draft park: %s", rec.Body)
	}
	if rec := call("GET", fmt.Sprintf(routes[5], sc.ID), "alice", ""); !strings.HasPrefix(rec.Header().Get("Cache-Control"), "private") {
		t.Errorf("a draft's tile is Cache-Control %q, want private", rec.Header().Get("Cache-Control"))
	}
}

// TestScenarioSnapshotsDoNotBlock: while the snapshot of scenario A is
// being built (held there by a hook), a request on scenario B is answered,
// and a second request on A waits for the one build instead of starting
// another.
func TestScenarioSnapshotsDoNotBlock(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	gb, _ := ix.Snapshot().Layer(geo.Green).Bound()
	c := gb.Center()
	ids := make([]int64, 2)
	for i := range ids {
		rec := do(t, h, "POST", "/api/scenarios", fmt.Sprintf(`{"name":"s%d","edits":{"type":"FeatureCollection","features":[%s]}}`, i, parkEdit([2]float64{c[0], c[1]}, fmt.Sprint("公园", i))))
		var sc ScenarioJSON
		json.Unmarshal(rec.Body.Bytes(), &sc)
		ids[i] = sc.ID
	}
	a, b := ids[0], ids[1]
	entered, release := make(chan struct{}), make(chan struct{})
	var buildsA atomic.Int32
	s.scenBuilding = func(id int64) {
		if id == a && buildsA.Add(1) == 1 {
			close(entered)
			<-release
		}
	}
	path := func(id int64) string {
		return fmt.Sprintf("/api/at?lon=%f&lat=%f&layer=green&scenario=%d", c[0], c[1], id)
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = do(t, h, "GET", path(a), "").Code
		}()
		if i == 0 {
			<-entered
		}
	}
	done := make(chan int, 1)
	go func() { done <- do(t, h, "GET", path(b), "").Code }()
	select {
	case code := <-done:
		if code != 200 {
			t.Errorf("scenario B: %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Error("a request on scenario B waited for the build of scenario A")
	}
	close(release)
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 || buildsA.Load() != 1 {
		t.Errorf("scenario A: %v, built %d times, want 200s and one build", codes, buildsA.Load())
	}
}

// TestScenarioOwnership: the planner who created a scenario may change and
// delete it; another planner may read it and what-if it but not change or
// delete it (403, the scenario untouched); admins may do anything; a
// scenario created without a token has no owner and is for admins only.
func TestScenarioOwnership(t *testing.T) {
	s, st, _ := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	call := tokenCaller(t, s, st, map[string]string{"alice": store.RolePlanner, "bob": store.RolePlanner, "root": store.RoleAdmin})
	body := `{"name":"alice's","edits":{"type":"FeatureCollection","features":[]}}`
	rec := call("POST", "/api/scenarios", "alice", body)
	var sc ScenarioJSON
	json.Unmarshal(rec.Body.Bytes(), &sc)
	if rec.Code != 201 || sc.Owner != "alice" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	p := fmt.Sprintf("/api/scenarios/%d", sc.ID)
	if rec := call("GET", p, "bob", ""); rec.Code != 200 {
		t.Errorf("bob reads: %d", rec.Code)
	}
	if rec := call("POST", fmt.Sprintf("/api/whatif?scenario=%d", sc.ID), "bob", ""); rec.Code != 200 {
		t.Errorf("bob's what-if: %d %s", rec.Code, rec.Body)
	}
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		rec := call(m, p, "bob", `{"name":"bob's now","edits":{"type":"FeatureCollection","features":[]}}`, "If-Match", `"v1"`)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), `belongs to \"alice\"`) {
			t.Errorf("%s by bob: %d %s", m, rec.Code, rec.Body)
		}
	}
	if got, err := st.GetScenario(context.Background(), sc.ID); err != nil || got.Version != 1 || got.Name != "alice's" {
		t.Fatalf("after bob's refused writes: %+v %v", got, err)
	}
	if rec := call("PATCH", p, "alice", `{"name":"v2","edits":{"type":"FeatureCollection","features":[]}}`, "If-Match", `"v1"`); rec.Code != 200 {
		t.Errorf("alice's PATCH: %d %s", rec.Code, rec.Body)
	}
	if rec := call("PATCH", p, "root", `{"name":"v3","edits":{"type":"FeatureCollection","features":[]}}`, "If-Match", `"v2"`); rec.Code != 200 {
		t.Errorf("the admin's PATCH: %d %s", rec.Code, rec.Body)
	}
	if rec := call("DELETE", p, "alice", "", "If-Match", `"v3"`); rec.Code != 204 {
		t.Errorf("alice's DELETE: %d %s", rec.Code, rec.Body)
	}
	// Without a token (a deployment whose anonymous callers are
	// planners): no owner, admins only — X-User proves nothing.
	s.cfg.Anonymous = store.RolePlanner
	rec = call("POST", "/api/scenarios", "", body, "X-User", "alice")
	json.Unmarshal(rec.Body.Bytes(), &sc)
	if rec.Code != 201 || sc.Owner != "" {
		t.Fatalf("anonymous create: %d %s", rec.Code, rec.Body)
	}
	p = fmt.Sprintf("/api/scenarios/%d", sc.ID)
	for _, as := range []string{"", "alice"} {
		if rec := call("DELETE", p, as, "", "If-Match", `"v1"`, "X-User", "alice"); rec.Code != 403 || !strings.Contains(rec.Body.String(), "no owner") {
			t.Errorf("DELETE of an ownerless scenario as %q: %d %s", as, rec.Code, rec.Body)
		}
	}
	if rec := call("DELETE", p, "root", "", "If-Match", `"v1"`); rec.Code != 204 {
		t.Errorf("the admin's DELETE of an ownerless scenario: %d %s", rec.Code, rec.Body)
	}
}
