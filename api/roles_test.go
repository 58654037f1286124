package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// personal names the keys that carry residents, in any answer.
var personal = regexp.MustCompile(`(?i)population|resident|household|pop_source`)

// leaks returns the personal keys found in a JSON value.
func leaks(v any, path string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if personal.MatchString(k) {
				*out = append(*out, path+"."+k)
			}
			leaks(x, path+"."+k, out)
		}
	case []any:
		for i, x := range v {
			leaks(x, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

// TestPublicSeesNoPopulation: every route the service has, asked without a
// token with every layer it takes, either refuses (401) or answers without
// a layer or key that carries residents. A route this test does not know
// fails it, so that a new route is checked too.
func TestPublicSeesNoPopulation(t *testing.T) {
	s, st, ix := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	ctx := context.Background()
	if err := st.CreateScenario(ctx, &store.Scenario{Name: "s", Author: "a", Edits: json.RawMessage(`{"type":"FeatureCollection","features":[]}`)}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	b, _ := ix.Snapshot().Layer(geo.Parcels).Bound()
	c := b.Center()
	tile := maptile.At(c, 14)
	ll := fmt.Sprintf("lon=%f&lat=%f", c[0], c[1])
	layers := append(layerIDs(), "public", coverageLayer)
	// Samples per route template; {L} is replaced by every layer.
	samples := map[string][]string{
		"/metrics": {"/metrics"}, "/healthz": {"/healthz"}, "/readyz": {"/readyz"},
		"/api/layers": {"/api/layers"}, "/api/rules": {"/api/rules"},
		"/tiles/{layer}.json":            {"/tiles/{L}.json"},
		"/tiles/{layer}/{z}/{x}/{y}.mvt": {fmt.Sprintf("/tiles/{L}/14/%d/%d.mvt", tile.X, tile.Y), fmt.Sprintf("/tiles/{L}/12/%d/%d.mvt", tile.X/4, tile.Y/4)},
		"/":                              {"/?f=json", "/?f=html"},
		"/api/nearest":                   {"/api/nearest?" + ll + "&layer={L}", "/api/nearest?" + ll + "&layer={L}&by=walk"},
		"/api/within":                    {"/api/within?" + ll + "&meters=2000&layer={L}"},
		"/api/at":                        {"/api/at?" + ll, "/api/at?" + ll + "&layer={L}"},
		"/api/search":                    {"/api/search?q=%E5%B0%8F%E5%8C%BA&layer={L}", "/api/search?q=a&layer={L}"},
		"/api/reach":                     {"/api/reach?" + ll + "&meters=500"},
		"/api/audit":                     {"/api/audit", "/api/audit?format=csv", "/api/audit?format=geojson", "/api/audit?format=html"},
		"/api/whatif":                    {"POST /api/whatif"},
		"/api/import":                    {"POST /api/import?format=geojson&layer=green"},
		"/api/suggest":                   {"/api/suggest?rule=park-500m-walk&count=1"},
		"/api/scenarios":                 {"/api/scenarios", "POST /api/scenarios"},
		"/api/scenarios/{id}":            {"/api/scenarios/1", "PATCH /api/scenarios/1", "DELETE /api/scenarios/1"},
		"/api/scenarios/{id}/commit":     {"POST /api/scenarios/1/commit"},
		"/conformance":                   {"/conformance"}, "/collections": {"/collections"},
		"/collections/{id}":             {"/collections/{L}"},
		"/collections/{id}/items":       {"/collections/{L}/items?limit=10000"},
		"/collections/{id}/items/{fid}": {"/collections/{L}/items/1", "/collections/{L}/items/2"},
		"/collections/{id}/queryables":  {"/collections/{L}/queryables"},
		"/api":                          {"/api"},
		"/static/":                      {"/static/map.js", "/static/planner.js"},
		"/fonts/{stack}/{range}.pbf":    {"/fonts/Noto%20Sans%20Regular/0-255.pbf"},
		"/planner":                      {"/planner"}, "/auditor": {"/auditor"},
		"/inspect": {"/inspect"}, "/cases": {"/cases"}, "/unit": {"/unit"},
		"/open311/v2/discovery.{format:json|xml}":            {"/open311/v2/discovery.json", "/open311/v2/discovery.xml"},
		"/open311/v2/services.{format:json|xml}":             {"/open311/v2/services.json", "/open311/v2/services.xml"},
		"/open311/v2/requests.{format:json|xml}":             {"/open311/v2/requests.json", "/open311/v2/requests.xml", "POST /open311/v2/requests.json"},
		"/open311/v2/requests/{id:[0-9]+}.{format:json|xml}": {"/open311/v2/requests/1.json", "/open311/v2/requests/1.xml"},
		"/open311/v2/media/{id:[0-9]+}.jpg":                  {"/open311/v2/media/1.jpg"},
		// Cases (cases_test.go checks them with cases in the store).
		"/api/cases/categories":                            {"/api/cases/categories", "/api/cases/categories?lang=en"},
		"/api/cases/public":                                {"/api/cases/public", "/api/cases/public?bbox=103,30,105,31"},
		"/api/cases/tiles/{z}/{x}/{y}.mvt":                 {fmt.Sprintf("/api/cases/tiles/14/%d/%d.mvt", tile.X, tile.Y), fmt.Sprintf("/api/cases/tiles/10/%d/%d.mvt?from=2026-01-01", tile.X/16, tile.Y/16)},
		"/api/cases/public/tiles/{z}/{x}/{y}.mvt":          {fmt.Sprintf("/api/cases/public/tiles/14/%d/%d.mvt", tile.X, tile.Y), fmt.Sprintf("/api/cases/public/tiles/10/%d/%d.mvt", tile.X/16, tile.Y/16)},
		"/api/cases":                                       {"/api/cases", "POST /api/cases"},
		"/api/cases/import":                                {"POST /api/cases/import"},
		"/api/cases/{id:[0-9]+}":                           {"/api/cases/1"},
		"/api/cases/{id:[0-9]+}/photos/{pid:[0-9]+}":       {"/api/cases/1/photos/1"},
		"/api/cases/{id:[0-9]+}/photos/{pid:[0-9]+}/thumb": {"/api/cases/1/photos/1/thumb"},
		"/api/cases/{id:[0-9]+}/{action:[a-z_]+}":          {"POST /api/cases/1/register"},
		"/api/assessment":                                  {"/api/assessment?month=2026-11", "/api/assessment?year=2026&format=csv", "/api/assessment?month=2026-11&format=html"},
		// The green-space survey (survey_test.go checks them with tokens).
		"/api/survey/green.csv":                 {"/api/survey/green.csv"},
		"/api/survey/green/{id:[0-9]+}":         {"/api/survey/green/1", "PATCH /api/survey/green/1"},
		"/api/survey/green/{id:[0-9]+}/history": {"/api/survey/green/1/history"},
		// OGC API – Tiles and the map's style (api/ogctiles, api/mapstyle).
		"/tileMatrixSets": {"/tileMatrixSets"}, "/tileMatrixSets/{tms}": {"/tileMatrixSets/WebMercatorQuad"},
		"/tiles": {"/tiles"}, "/tiles/WebMercatorQuad": {"/tiles/WebMercatorQuad"},
		"/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": {fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d", tile.Y, tile.X)},
		"/collections/{id}/tiles":                                 {"/collections/{L}/tiles"}, "/collections/{id}/tiles/WebMercatorQuad": {"/collections/{L}/tiles/WebMercatorQuad"},
		"/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": {fmt.Sprintf("/collections/{L}/tiles/WebMercatorQuad/14/%d/%d", tile.Y, tile.X)},
		"/style.json": {"/style.json"}, "/sprite.json": {"/sprite.json"}, "/sprite.png": {"/sprite.png"},
		"/sprite@2x.json": {"/sprite@2x.json"}, "/sprite@2x.png": {"/sprite@2x.png"},
	}
	answered, refused := 0, 0
	err := s.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl := routeLabel(route)
		ss, ok := samples[tpl]
		if !ok {
			t.Errorf("route %s has no sample in this test: add one", tpl)
			return nil
		}
		for _, sample := range ss {
			method, path := "GET", sample
			if m, p, ok := strings.Cut(sample, " "); ok {
				method, path = m, p
			}
			paths := []string{path}
			if strings.Contains(path, "{L}") {
				paths = nil
				for _, l := range layers {
					paths = append(paths, strings.ReplaceAll(path, "{L}", l))
				}
			}
			for _, p := range paths {
				body := io.Reader(nil)
				if method != "GET" {
					body = strings.NewReader(`{"type":"Polygon","coordinates":[[[0,0],[0.001,0],[0.001,0.001],[0,0]]]}`)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(method, p, body))
				switch {
				case rec.Code == 401:
					refused++
					if rec.Header().Get("WWW-Authenticate") == "" || rec.Header().Get("Content-Type") != "application/problem+json" {
						t.Errorf("%s %s: 401 without a Bearer challenge or problem+json", method, p)
					}
					continue
				case rec.Code >= 500:
					t.Errorf("%s %s: %d %s", method, p, rec.Code, rec.Body)
					continue
				}
				answered++
				for _, leak := range leaksOf(t, rec) {
					t.Errorf("%s %s (%d) shows %s to the public", method, p, rec.Code, leak)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if answered < 50 || refused < 20 {
		t.Errorf("%d answers, %d refusals: the samples do not reach the routes", answered, refused)
	}
	t.Logf("%d public answers checked, %d refusals", answered, refused)
}

// leaksOf decodes an answer (tile, JSON) and lists what in it carries
// residents.
func leaksOf(t *testing.T, rec *httptest.ResponseRecorder) []string {
	var out []string
	switch ct := rec.Header().Get("Content-Type"); {
	case ct == "application/vnd.mapbox-vector-tile":
		ls, err := mvt.Unmarshal(rec.Body.Bytes())
		if err != nil {
			t.Errorf("tile: %v", err)
		}
		for _, l := range ls {
			if l.Name == geo.Parcels || l.Name == coverageLayer {
				out = append(out, "tile layer "+l.Name)
			}
			for _, f := range l.Features {
				for k := range f.Properties {
					if personal.MatchString(k) {
						out = append(out, "tile property "+k)
					}
				}
			}
		}
	case strings.Contains(ct, "json"):
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil && rec.Code != 304 {
			t.Errorf("%s: %v", ct, err)
		}
		leaks(v, "$", &out)
		if m, ok := v.(map[string]any); ok && m["openapi"] != nil {
			out = nil // the API definition names the parcels' fields; it holds no figures
		}
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "text/javascript"), strings.HasPrefix(ct, "text/css"), ct == "application/x-protobuf", ct == "":
	default:
		if personal.MatchString(rec.Body.String()) {
			out = append(out, "a "+ct+" body naming residents")
		}
	}
	return out
}

// TestRolesAndTokens: tokens open what their role allows and no more; bad
// and revoked tokens are 401; scenario authors are the token's name.
func TestRolesAndTokens(t *testing.T) {
	s, st, _ := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	ctx := context.Background()
	h := s.Handler()
	tokens := map[string]string{}
	ids := map[string]int64{}
	for _, role := range store.Roles {
		secret, hash := store.NewToken()
		tk := &store.Token{Name: role + "-1", Role: role, Hash: hash}
		if err := st.CreateToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
		tokens[role], ids[role] = secret, tk.ID
	}
	call := func(method, path, token string, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	park := `{"type":"Polygon","coordinates":[[[103.6,30.45],[103.601,30.45],[103.601,30.451],[103.6,30.45]]]}`
	for _, c := range []struct {
		method, path, body string
		want               map[string]int // role → status; "" is anonymous
	}{
		{"GET", "/collections/parcels/items?limit=5", "", map[string]int{"": 401, "planner": 200, "auditor": 200, "admin": 200}},
		{"GET", "/collections/green/items?limit=5", "", map[string]int{"": 200, "planner": 200}},
		{"GET", "/api/audit", "", map[string]int{"": 401, "planner": 403, "auditor": 200, "admin": 200}},
		{"POST", "/api/whatif", park, map[string]int{"": 401, "planner": 200, "auditor": 200}},
		{"GET", "/metrics", "", map[string]int{"": 401, "planner": 403, "auditor": 403, "admin": 200}},
		{"GET", "/tiles/coverage.json", "", map[string]int{"": 401, "planner": 200}},
		{"POST", "/api/scenarios", `{"name":"x","edits":{"type":"FeatureCollection","features":[]}}`, map[string]int{"": 401, "planner": 201}},
		{"POST", "/api/scenarios/1/commit", "", map[string]int{"": 401, "planner": 403, "auditor": 403}},
	} {
		for role, want := range c.want {
			if rec := call(c.method, c.path, tokens[role], c.body); rec.Code != want {
				t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, role, rec.Code, want, rec.Body)
			}
		}
	}
	// The planner's scenario is authored by the token's name, whatever
	// X-User says.
	r := httptest.NewRequest("GET", "/api/scenarios/1", nil)
	r.Header.Set("Authorization", "Bearer "+tokens["planner"])
	r.Header.Set("X-User", "mallory")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if !strings.Contains(rec.Body.String(), `"author":"planner-1"`) {
		t.Errorf("scenario author: %s", rec.Body)
	}
	// Bad tokens.
	for _, hdr := range []string{"Bearer nope", "Basic dXNlcjpwdw==", "Bearer ", "Bearer " + strings.Repeat("x", 300)} {
		r := httptest.NewRequest("GET", "/api/layers", nil)
		r.Header.Set("Authorization", hdr)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 401 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("Authorization %.20q: %d", hdr, rec.Code)
		}
	}
	// Revoked: refused once the cached lookup expires (a fresh server here).
	if err := st.RevokeToken(ctx, ids["auditor"]); err != nil {
		t.Fatal(err)
	}
	fresh := New(s.cfg, st, s.index, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	r = httptest.NewRequest("GET", "/api/audit", nil)
	r.Header.Set("Authorization", "Bearer "+tokens["auditor"])
	rec = httptest.NewRecorder()
	fresh.ServeHTTP(rec, r)
	if rec.Code != 401 {
		t.Errorf("revoked token: %d", rec.Code)
	}
}

// TestCORS: configured origins get the headers and their preflights
// answered; others get neither.
func TestCORS(t *testing.T) {
	s, _, _ := demoServer(t)
	s.cfg.CORSOrigins = []string{"https://city.example"}
	h := s.Handler()
	r := httptest.NewRequest("OPTIONS", "/api/scenarios/1", nil)
	r.Header.Set("Origin", "https://city.example")
	r.Header.Set("Access-Control-Request-Method", "PATCH")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://city.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	r = httptest.NewRequest("GET", "/api/layers", nil)
	r.Header.Set("Origin", "https://city.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://city.example" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("GET with Origin: %d %v", rec.Code, rec.Header())
	}
	// A tile varies by origin and by encoding (its handler once replaced
	// cors's Vary).
	r = httptest.NewRequest("GET", "/tiles/public/14/13044/6808.mvt", nil)
	r.Header.Set("Origin", "https://city.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if vary := rec.Header().Values("Vary"); rec.Code != 200 || !slices.Equal(vary, []string{"Origin", "Accept-Encoding"}) {
		t.Errorf("tile with Origin: %d, Vary %q", rec.Code, vary)
	}
	r = httptest.NewRequest("GET", "/api/layers", nil)
	r.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin got CORS headers: %v", rec.Header())
	}
}

// TestPublicCORS: without any configured origin, any origin's page may
// read tiles, TileJSON, the OGC API and /api anonymously (GET, HEAD and
// their preflights), but gets no CORS headers elsewhere, for writes, or
// when PublicCORSOff.
func TestPublicCORS(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	do := func(method, path, preflight string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		r.Header.Set("Origin", "https://maps.other.example")
		if preflight != "" {
			r.Header.Set("Access-Control-Request-Method", preflight)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	for _, path := range []string{"/tiles/public/14/13044/6808.mvt", "/tiles/public.json", "/collections", "/collections/green/items?limit=1", "/conformance", "/api"} {
		rec := do("GET", path, "")
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("GET %s: %d %v", path, rec.Code, rec.Header())
		}
		rec = do("OPTIONS", path, "GET")
		if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
			strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") || rec.Header().Get("Access-Control-Allow-Methods") != "GET, HEAD" {
			t.Errorf("preflight GET %s: %d %v", path, rec.Code, rec.Header())
		}
		if rec := do("OPTIONS", path, "POST"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight POST %s got CORS headers: %v", path, rec.Header())
		}
	}
	for _, path := range []string{"/api/layers", "/api/scenarios", "/api/rules", "/metrics"} {
		if rec := do("GET", path, ""); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET %s got CORS headers: %v", path, rec.Header())
		}
	}
	if rec := do("OPTIONS", "/api/whatif", "POST"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of a write got CORS headers: %v", rec.Header())
	}
	s.cfg.PublicCORSOff = true
	h = s.Handler()
	if rec := do("GET", "/tiles/public.json", ""); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("PublicCORSOff: %v", rec.Header())
	}
}
