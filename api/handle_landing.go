package api

import (
	"net/http"
	"strings"
)

// handleLanding: GET /. Browsers get the public map; clients asking for JSON
// (Accept: application/json, or ?f=json) get the OGC API landing page.
func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) *appError {
	if wantsHTML(r) {
		return s.handleMapPage(w, r)
	}
	return s.handleOGCLanding(w, r)
}

// wantsHTML reports whether the request asks for HTML: ?f=html, or an
// Accept header naming text/html and no ?f=json.
func wantsHTML(r *http.Request) bool {
	switch queryOf(r).Get("f") {
	case "html":
		return true
	case "json":
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
