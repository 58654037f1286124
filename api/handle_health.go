package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
)

// handleHealthz: the process is alive (liveness), loaded or not.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) *appError {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz: the store answers and the index is loaded (readiness);
// while it loads, 503 with how far it has come.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) *appError {
	if ok, st := s.index.Ready(); !ok {
		return writeLoading(w, r, st)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.PingTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return errUnavailable("the "+s.store.Kind()+" store does not answer", err)
	}
	var n int64
	for _, l := range s.index.Snapshot().Infos() {
		n += l.Count
	}
	return writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "store": s.store.Kind(), "features": n})
}

// loadingRetry is the Retry-After, in seconds, of answers while the index
// loads.
const loadingRetry = 5

// errLoading is the answer of every route but the health checks and the
// metrics while the index loads.
func errLoading(st live.LoadStatus) *appError {
	return &appError{Status: http.StatusServiceUnavailable, Title: "Loading", Detail: loadingDetail(st), RetryAfter: loadingRetry}
}

func loadingDetail(st live.LoadStatus) string {
	if st.Total == 0 {
		return "the service is loading its data"
	}
	return fmt.Sprintf("the service is loading its data: %d of %d features (%d%%)", st.Loaded, st.Total, 100*st.Loaded/st.Total)
}

// writeLoading writes errLoading's problem+json with the progress as
// members of their own (RFC 9457 §3.2).
func writeLoading(w http.ResponseWriter, r *http.Request, st live.LoadStatus) *appError {
	e := errLoading(st)
	body := struct {
		Type     string `json:"type"`
		Instance string `json:"instance"`
		*web.Error
		Layer  string `json:"layer,omitempty"`
		Loaded int64  `json:"loaded"`
		Total  int64  `json:"total"`
	}{"about:blank", r.URL.Path, e, st.Layer, st.Loaded, st.Total}
	w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSONStatus(w, e.Status, "application/problem+json", body)
}

// whileLoading answers every route but /healthz, /readyz and /metrics with
// errLoading until the index holds its store.
func (s *Server) whileLoading(next http.Handler) http.Handler {
	loading := s.wrap(func(http.ResponseWriter, *http.Request) *appError {
		_, st := s.index.Ready()
		return errLoading(st)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, _ := s.index.Ready(); ok || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		loading.ServeHTTP(w, r)
	})
}

// cityBoundOnLoad sets the Open311 service's city extent, taken at start,
// again once an index loading in the background has its data: no request
// reaches the service before (whileLoading), and the extent is written
// before the index says it is ready.
func (s *Server) cityBoundOnLoad() {
	if ok, _ := s.index.Ready(); ok {
		return
	}
	s.index.OnApply(func(index.Dirty) {
		if ok, _ := s.index.Ready(); !ok {
			s.open311.Cases.Bound = s.index.Snapshot().CityBound()
		}
	})
}
