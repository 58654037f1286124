package api

import "github.com/gorilla/mux"

// routesOGC mounts OGC API – Features (stub; being built).
func (s *Server) routesOGC(r *mux.Router) {}
