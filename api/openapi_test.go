package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/store"
)

// servedOpenAPI is the document GET /api answers, loaded by kin-openapi
// (an independent implementation) and validated.
func servedOpenAPI(t *testing.T, h http.Handler) (*openapi3.T, map[string]any) {
	t.Helper()
	rec := do(t, h, "GET", "/api", "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != mediaOpenAPI {
		t.Fatalf("/api: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("kin-openapi cannot load /api: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("/api is not a valid OpenAPI 3.0 document: %v", err)
	}
	return doc, raw
}

// openAPICheck serves requests through a handler and checks them and
// their answers against the document it serves (kin-openapi).
type openAPICheck struct {
	t      *testing.T
	h      http.Handler
	router routers.Router
	opts   *openapi3filter.Options
}

func newOpenAPICheck(t *testing.T, h http.Handler) *openAPICheck {
	t.Helper()
	doc, _ := servedOpenAPI(t, h)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &openAPICheck{t: t, h: h, router: router,
		opts: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
}

// serve checks that req's route is in the document and, where a success
// is wanted and checkRequest is set, that req matches it; then serves req
// with body (which the check read) and checks that the status is want and
// the answer matches the document. what names the request in failures.
func (o *openAPICheck) serve(what string, req *http.Request, body []byte, want int, checkRequest bool) {
	o.t.Helper()
	ctx := context.Background()
	route, params, err := o.router.FindRoute(req)
	if err != nil {
		o.t.Errorf("%s: not in the document: %v", what, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: o.opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && want < 400 && checkRequest {
		o.t.Errorf("%s: the request does not match the document: %v", what, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	o.h.ServeHTTP(rec, req)
	if rec.Code != want {
		o.t.Errorf("%s: status %d, want %d: %s", what, rec.Code, want, rec.Body)
		return
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: o.opts}
	out.SetBodyBytes(bytes.Clone(rec.Body.Bytes()))
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		o.t.Errorf("%s: the %d answer does not match the document: %v", what, rec.Code, err)
	}
}

// TestOpenAPIValid: the document validates; it has the bearer scheme,
// and every operation a role guards requires it; no path parameter
// claims the form style; operation ids are unique.
func TestOpenAPIValid(t *testing.T) {
	s, _, _ := demoServer(t)
	doc, _ := servedOpenAPI(t, s.Handler())
	sch := doc.Components.SecuritySchemes["bearer"]
	if sch == nil || sch.Value.Type != "http" || sch.Value.Scheme != "bearer" {
		t.Fatalf("no bearer security scheme: %+v", doc.Components.SecuritySchemes)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			where := method + " " + path
			if prev, ok := ids[o.OperationID]; ok || o.OperationID == "" {
				t.Errorf("%s: operationId %q (also %s)", where, o.OperationID, prev)
			}
			ids[o.OperationID] = where
			for _, p := range append(item.Parameters, o.Parameters...) {
				if p.Value.In == "path" && p.Value.Style == "form" {
					t.Errorf("%s: path parameter %s has style form", where, p.Value.Name)
				}
			}
			if _, ok := o.Responses.Map()["401"]; ok && (o.Security == nil || len(*o.Security) != 1 || (*o.Security)[0]["bearer"] == nil) {
				t.Errorf("%s: answers 401 but does not require the bearer scheme", where)
			}
			for code, r := range o.Responses.Map() {
				if code[0] != '2' || r.Value.Content == nil {
					continue
				}
				for media, mt := range r.Value.Content {
					if strings.Contains(media, "json") && (mt.Schema == nil || (mt.Schema.Ref == "" && mt.Schema.Value.Type == nil)) {
						t.Errorf("%s %s %s: no response schema", where, code, media)
					}
				}
			}
		}
	}
}

// routePatterns maps each route of the router to a pattern matching the
// document's paths that describe it, and lists its methods (HEAD and
// OPTIONS aside: GET implies HEAD, CORS preflights are answered before
// routing). A path prefix (the static assets) stands for PREFIX{asset}.
func routePatterns(t *testing.T, r *mux.Router) (tmpls []string, pats map[string]*regexp.Regexp, methods map[string][]string) {
	t.Helper()
	pats, methods = map[string]*regexp.Regexp{}, map[string][]string{}
	param := regexp.MustCompile(`\\\{[^}]*\}`)
	err := r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl := routeLabel(rt)
		if tmpl == "" {
			return fmt.Errorf("a route without a path template or name")
		}
		if strings.HasSuffix(tmpl, "/") && tmpl != "/" {
			tmpl += "{asset}"
		}
		ms, err := rt.GetMethods()
		if err != nil {
			return fmt.Errorf("%s: %v", tmpl, err)
		}
		if pats[tmpl] == nil {
			tmpls = append(tmpls, tmpl)
			pats[tmpl] = regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(tmpl), `([^/]+|\{[^/}]+\})`) + "$")
		}
		for _, m := range ms {
			if m != http.MethodHead && m != http.MethodOptions {
				methods[tmpl] = append(methods[tmpl], m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tmpls, pats, methods
}

// undocumented lists the routes, as "METHOD template", that no path of
// the document describes.
func undocumented(t *testing.T, r *mux.Router, paths map[string]any) []string {
	t.Helper()
	tmpls, pats, methods := routePatterns(t, r)
	var missing []string
	for _, tmpl := range tmpls {
		for _, m := range methods[tmpl] {
			found := false
			for p, item := range paths {
				if pats[tmpl].MatchString(p) && item.(map[string]any)[strings.ToLower(m)] != nil {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, m+" "+tmpl)
			}
		}
	}
	sort.Strings(missing)
	return slices.Compact(missing)
}

// TestOpenAPIRoutes: every route of the router, method by method, is in
// the document, and every path of the document is a route; the check
// notices when any route family is taken out of the document.
func TestOpenAPIRoutes(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	_, raw := servedOpenAPI(t, h)
	paths := raw["paths"].(map[string]any)
	if m := undocumented(t, s.router, paths); len(m) > 0 {
		t.Fatalf("routes missing from /api: %v", m)
	}
	tmpls, pats, _ := routePatterns(t, s.router)
	for p := range paths {
		found := false
		for _, re := range pats {
			found = found || re.MatchString(p)
		}
		if !found {
			t.Errorf("%s is in the document but not a route", p)
		}
	}
	for _, tmpl := range tmpls {
		fewer := map[string]any{}
		for p, v := range paths {
			if !pats[tmpl].MatchString(p) {
				fewer[p] = v
			}
		}
		if m := undocumented(t, s.router, fewer); !slices.ContainsFunc(m, func(s string) bool { return strings.HasSuffix(s, " "+tmpl) }) {
			t.Errorf("taking %s out of the document goes unnoticed (%v)", tmpl, m)
		}
	}
	for _, family := range []string{"/api/reach", "/api/whatif", "/api/scenarios", "/api/audit", "/api/suggest", "/api/import", "/api/rules", tileRoute, "/healthz", "/readyz", "/metrics", "/collections"} {
		if paths[family] == nil {
			t.Errorf("no %s in the document", family)
		}
	}
	if len(tmpls) < 25 {
		t.Errorf("only %d routes walked", len(tmpls))
	}
}

// TestOpenAPIAnswers: real requests on the demo town, and the answers
// they get, validate against the document (kin-openapi's request and
// response validation), so its parameters and response schemas are the
// service's own.
func TestOpenAPIAnswers(t *testing.T) {
	s, st, _ := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	ctx := context.Background()
	secret, hash := store.NewToken()
	if err := st.CreateToken(ctx, &store.Token{Name: "oa-admin", Role: store.RoleAdmin, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	o := newOpenAPICheck(t, s.Handler())
	edit := parkEdit([2]float64{103.6, 30.45}, "新公园")
	scenario := `{"name":"东区","edits":{"type":"FeatureCollection","features":[` + edit + `]}}`
	pt := "lon=103.6&lat=30.45"
	steps := []struct {
		method, path, body string
		hdr                []string
		want               int
	}{
		{"GET", "/?f=json", "", nil, 200},
		{"GET", "/conformance", "", nil, 200},
		{"GET", "/collections", "", nil, 200},
		{"GET", "/collections/green", "", nil, 200},
		{"GET", "/collections/green/items?limit=2&bbox=103.5,30.4,103.7,30.5&kind=park", "", nil, 200},
		{"GET", "/collections/green/items/1", "", nil, 200},
		{"GET", "/collections/green/items/1?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F4490", "", nil, 200},
		{"GET", "/collections/green/queryables", "", nil, 200},
		{"GET", "/collections/green/items?limit=3&filter=" + url.QueryEscape("kind = 'park' AND S_INTERSECTS(geometry, BBOX(103.5,30.4,103.7,30.5))") + "&sortby=-area_m2,name&properties=name,kind&crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4544"), "", nil, 200},
		{"GET", "/collections/green/items?limit=3&filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":">","args":[{"property":"area_m2"},1000]}`), "", nil, 200},
		{"GET", "/collections/green/items?filter=" + url.QueryEscape("kind = = 'park'"), "", nil, 400},
		{"GET", "/collections/green/items/999999", "", nil, 404},
		{"GET", "/collections/parcels/items?limit=1", "", nil, 401},
		{"GET", "/api/layers", "", nil, 200},
		{"GET", "/api/rules", "", nil, 200},
		{"GET", "/api/nearest?" + pt + "&k=2&layer=green&by=walk", "", nil, 200},
		{"GET", "/api/within?" + pt + "&meters=300", "", nil, 200},
		{"GET", "/api/at?" + pt + "&layer=areas", "", nil, 200},
		{"GET", "/api/search?q=" + "%E5%85%AC%E5%9B%AD" + "&limit=3", "", nil, 200},
		{"GET", "/api/reach?" + pt + "&meters=400", "", nil, 200},
		{"GET", "/api/nearest?lon=1000&lat=30", "", nil, 400},
		{"GET", "/api/audit", "", nil, 401},
		{"GET", "/api/audit?mode=straight", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"GET", "/api/suggest?count=1&candidates=20", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"POST", "/api/whatif", edit, []string{"Authorization", "Bearer " + secret, "Content-Type", mediaGeoJSON}, 200},
		{"POST", "/api/scenarios", scenario, []string{"Authorization", "Bearer " + secret, "Content-Type", mediaJSON}, 201},
		{"GET", "/api/scenarios", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"GET", "/api/scenarios/1", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"PUT", "/api/scenarios/1", scenario, []string{"Authorization", "Bearer " + secret, "Content-Type", mediaJSON, "If-Match", `"v1"`}, 200},
		{"PATCH", "/api/scenarios/1", scenario, []string{"Authorization", "Bearer " + secret, "Content-Type", mediaJSON, "If-Match", `"v1"`}, 412},
		{"POST", "/api/whatif?scenario=1", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"POST", "/api/scenarios/1/commit", "", []string{"Authorization", "Bearer " + secret, "If-Match", `"v2"`}, 200},
		{"POST", "/api/scenarios", scenario, []string{"Authorization", "Bearer " + secret, "Content-Type", mediaJSON}, 201},
		{"DELETE", "/api/scenarios/2", "", []string{"Authorization", "Bearer " + secret, "If-Match", `"v1"`}, 204},
		{"POST", "/api/import?format=geojson&layer=green", parksFC(2, 103.7), []string{"Authorization", "Bearer " + secret, "Content-Type", "application/octet-stream"}, 200},
		{"GET", "/tiles/public.json", "", nil, 200},
		{"GET", "/tiles/public/14/13044/6808.mvt", "", nil, 200},
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/readyz", "", nil, 200},
		{"GET", "/metrics", "", []string{"Authorization", "Bearer " + secret}, 200},
		{"GET", "/planner", "", nil, 200},
		{"GET", "/inspect", "", nil, 200},
		{"GET", "/cases", "", nil, 200},
		{"GET", "/unit", "", nil, 200},
	}
	// Pages are text, as kin-openapi reads text/plain.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.RegisteredBodyDecoder("text/plain"))
	for _, c := range steps {
		what := c.method + " " + c.path
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		for i := 0; i+1 < len(c.hdr); i += 2 {
			req.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		o.serve(what, req, []byte(c.body), c.want, true)
	}
}
