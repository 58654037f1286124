package api

import "github.com/gorilla/mux"

// routesQuery mounts the spatial queries (stub; being built).
func (s *Server) routesQuery(r *mux.Router) {}
