package api

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, in a registry of the
// server's own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// newMetrics registers the request metrics and those of the tile cache and
// of the index's current snapshot.
func newMetrics(tc *tiles.Cache, snapshot func() *index.Snapshot) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "greenreach_http_requests_total", Help: "HTTP requests by route, method and status code."}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "greenreach_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"})
	cache := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "greenreach_tile_cache_" + name, Help: help}, f)
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		cache("hits_total", "Tiles served from the cache.", func() float64 { return float64(tc.Stats().Hits) }),
		cache("misses_total", "Tiles cut because the cache did not hold them.", func() float64 { return float64(tc.Stats().Misses) }),
		cache("evictions_total", "Tiles dropped to stay within the cache's bytes.", func() float64 { return float64(tc.Stats().Evicted) }),
		cache("invalidations_total", "Tiles dropped because an edit touched them.", func() float64 { return float64(tc.Stats().Invalidated) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "greenreach_tile_cache_bytes", Help: "Bytes of gzipped tiles in the cache."}, func() float64 { return float64(tc.Stats().Bytes) }),
	)
	for _, sc := range geo.Schemas {
		layer := sc.ID
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "greenreach_index_features", Help: "Features in the in-memory index, by layer.", ConstLabels: prometheus.Labels{"layer": layer}},
			func() float64 { return float64(snapshot().Layer(layer).Len()) }))
	}
	return m
}

// handler: GET /metrics in the Prometheus text format.
func (m *metrics) handler() handlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) *appError {
		h.ServeHTTP(w, r)
		return nil
	}
}

// statusRecorder remembers the status code written and the route that
// answered (set by serve, for observe's metric label).
type statusRecorder struct {
	http.ResponseWriter
	code  int
	route string
}

// routeLabel names a route by its path template, or by its name when a
// matcher of its own takes the template's place (the tile route).
func routeLabel(rt *mux.Route) string {
	if t, err := rt.GetPathTemplate(); err == nil {
		return t
	}
	return rt.GetName()
}

// Every label value is a series kept for the life of the process, so each
// comes from a closed set, never from what a client sent: the standard
// methods, the router's route labels, the status codes of HTTP.

// routeLabels is the set of labels routeLabel gives r's routes.
func routeLabels(r *mux.Router) map[string]bool {
	known := map[string]bool{}
	r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if l := routeLabel(rt); l != "" {
			known[l] = true
		}
		return nil
	})
	return known
}

// methodLabel is m when it is a method of RFC 9110 or PATCH, else "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// codeLabel is the status code c, or "other" outside 100–599.
func codeLabel(c int) string {
	if c < 100 || c > 599 {
		return "other"
	}
	return strconv.Itoa(c)
}

// Unwrap lets http.ResponseController reach the connection (the upload's
// read deadline, see pacedBody).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusRecorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
