package api

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// TestMetricLabelsBounded: 10,000 requests with random method tokens and
// odd paths leave a bounded number of request series, every label value
// from a closed set: a standard method or "other", a route template of the
// router or "unmatched", a status code of 100–599.
func TestMetricLabelsBounded(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	// The route labels the router can give, read from the router itself.
	routes := map[string]bool{"unmatched": true}
	s.router.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if tpl, err := rt.GetPathTemplate(); err == nil {
			routes[tpl] = true
		}
		routes[rt.GetName()] = true
		return nil
	})
	methods := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true, "other": true}
	rng := rand.New(rand.NewPCG(1, 2))
	const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	token := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = tchar[rng.IntN(len(tchar))]
		}
		return string(b)
	}
	paths := []string{"/api/layers", "/healthz", "/api/import", "/tiles/green/1/0/0.mvt", "/collections/green/items"}
	for i := 0; i < 10000; i++ {
		method := token(1 + rng.IntN(12))
		if i%4 == 0 {
			method = "GET"
		}
		path := paths[rng.IntN(len(paths))]
		if i%2 == 1 { // a path of the client's making
			path = "/" + strings.ReplaceAll(token(1+rng.IntN(40)), "%", "%25") + "/{x}/" + strconv.Itoa(i)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Method = method
		req.URL.Path = path
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	seen := map[string]bool{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "greenreach_http_") {
			continue
		}
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				v := l.GetValue()
				seen[l.GetName()+"="+v] = true
				switch l.GetName() {
				case "method":
					if !methods[v] {
						t.Errorf("%s: method label %q", f.GetName(), v)
					}
				case "route":
					if !routes[v] {
						t.Errorf("%s: route label %q is no route of the router", f.GetName(), v)
					}
				case "code":
					if c, err := strconv.Atoi(v); err != nil || c < 100 || c > 599 {
						t.Errorf("%s: code label %q", f.GetName(), v)
					}
				}
			}
		}
	}
	// Both families together: a method × route × code series per
	// combination the requests met, and a latency series per route.
	if series > 100 {
		t.Errorf("10,000 requests made %d HTTP series, want at most 100", series)
	}
	for _, want := range []string{"route=/api/layers", "route=unmatched", "method=GET", "method=other", "code=200", "code=404", "code=405"} {
		if !seen[want] {
			t.Errorf("no series with %s", want)
		}
	}
	t.Logf("%d HTTP series after 10,000 requests", series)
}
