package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routesOGC mounts OGC API – Features (stub; being built).
func (s *Server) routesOGC(r *mux.Router) {}

// handleOGCLanding writes the OGC API landing page (stub; being built).
func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) *appError {
	return errNotFound("OGC API – Features is not built yet")
}
