package api

import (
	"context"
	"net/http"
)

// handleHealthz: the process is alive (liveness).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) *appError {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz: the store answers and the index is loaded (readiness).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) *appError {
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
