package api

import (
	"net/http"

	"github.com/greenreach/greenreach/store"
)

// handleLayers: GET /api/layers, from the in-memory index.
func (s *Server) handleLayers(w http.ResponseWriter, r *http.Request) *appError {
	return writeJSON(w, http.StatusOK, store.LayersJSON(s.index.Snapshot().Infos()))
}
