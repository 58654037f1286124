package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routesMap mounts the public map's assets (stub; being built).
func (s *Server) routesMap(r *mux.Router) {}

// handleMapPage writes the public map's HTML page; the landing page "/"
// calls it for browsers (stub; being built).
func (s *Server) handleMapPage(w http.ResponseWriter, r *http.Request) *appError {
	return errNotFound("the public map is not built")
}
