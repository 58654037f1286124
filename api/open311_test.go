package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestOpen311: the GeoReport endpoint is mounted on the server's store at
// /open311/v2/; a citizen's report inside the city is taken, one outside
// its extent refused; an anonymous client past the rate limit gets the
// 429 as a GeoReport error with Retry-After and nothing is stored, while
// another client may still report.
func TestOpen311(t *testing.T) {
	s, st, ix := demoServer(t)
	cfg := s.cfg
	cfg.Anonymous, cfg.RateLimit, cfg.RateBurst = store.RolePublic, 0.001, 1
	s = New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := s.Handler()
	c := ix.Snapshot().CityBound().Center()
	form := url.Values{"service_code": {"broken_branch"}, "lat": {ftoa(c[1])}, "long": {ftoa(c[0])}, "description": {"断枝"}, "email": {"citizen@example.cn"}}
	post := func(addr string, f url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/open311/v2/requests.json", strings.NewReader(f.Encode()))
		req.RemoteAddr = addr
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	stored := func() int {
		cs, err := st.ListCases(context.Background(), store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	if rec := post("198.51.100.7:4000", form); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"service_request_id":"1"`) {
		t.Fatalf("report: %d %s", rec.Code, rec.Body)
	}
	rec := post("198.51.100.7:4000", form)
	var errs []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || json.Unmarshal(rec.Body.Bytes(), &errs) != nil || len(errs) != 1 ||
		errs[0].Code != 429 || !strings.Contains(errs[0].Description, "expensive requests a second") {
		t.Fatalf("past the rate limit: %d %s %s", rec.Code, rec.Header(), rec.Body)
	}
	if n := stored(); n != 1 {
		t.Fatalf("%d cases stored, want 1", n)
	}
	far := url.Values{}
	for k, v := range form {
		far[k] = v
	}
	far.Set("lat", ftoa(c[1]+5))
	if rec := post("198.51.100.8:4000", far); rec.Code != 400 || !strings.Contains(rec.Body.String(), "outside the city") {
		t.Errorf("outside the city: %d %s", rec.Code, rec.Body)
	}
	if rec := post("198.51.100.9:4000", form); rec.Code != 200 {
		t.Errorf("another client: %d %s", rec.Code, rec.Body)
	}
	if n := stored(); n != 2 {
		t.Fatalf("%d cases stored, want 2", n)
	}
	for path, media := range map[string]string{"/open311/v2/services.json": "application/json", "/open311/v2/requests/1.xml": "text/xml", "/open311/v2/discovery.xml": "text/xml"} {
		rec := get(t, h, path)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), media) {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	// Any origin's page may read the public view, not post through CORS.
	req := httptest.NewRequest("GET", "/open311/v2/services.json", nil)
	req.Header.Set("Origin", "https://citizen-app.example")
	cors := httptest.NewRecorder()
	h.ServeHTTP(cors, req)
	if cors.Code != 200 || cors.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("services from another origin: %d %s", cors.Code, cors.Header())
	}
	req = httptest.NewRequest("OPTIONS", "/open311/v2/requests.json", nil)
	req.Header.Set("Origin", "https://citizen-app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	cors = httptest.NewRecorder()
	h.ServeHTTP(cors, req)
	if cors.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a POST preflight from another origin is allowed: %s", cors.Header())
	}
	if rec := get(t, h, "/open311/v2/requests.json"); rec.Code != 200 || strings.Contains(rec.Body.String(), "citizen@example.cn") || strings.Count(rec.Body.String(), "service_request_id") != 2 {
		t.Errorf("requests: %d %s", rec.Code, rec.Body)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TestOpen311OpenAPI: Open311 requests and their answers validate against
// the document (kin-openapi), as TestOpenAPIAnswers does for the rest.
func TestOpen311OpenAPI(t *testing.T) {
	s, _, ix := demoServer(t)
	o := newOpenAPICheck(t, s.Handler())
	c := ix.Snapshot().CityBound().Center()
	form := url.Values{"service_code": {"broken_branch"}, "lat": {ftoa(c[1])}, "long": {ftoa(c[0])}, "description": {"断枝"}, "phone": {"13800000000"}}.Encode()
	for _, st := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/open311/v2/discovery.json", "", 200},
		{"GET", "/open311/v2/services.json?lang=en", "", 200},
		{"POST", "/open311/v2/requests.json", form, 200},
		{"GET", "/open311/v2/requests.json?status=open&service_code=broken_branch", "", 200},
		{"GET", "/open311/v2/requests/1.json", "", 200},
		{"GET", "/open311/v2/requests/99.json", "", 404},
		{"GET", "/open311/v2/requests.json?status=nope", "", 400},
		{"GET", "/open311/v2/media/1.jpg", "", 404},
	} {
		what := st.method + " " + st.path
		req := httptest.NewRequest(st.method, st.path, strings.NewReader(st.body))
		if st.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		o.serve(what, req, []byte(st.body), st.want, true)
	}
}
