package api

import (
	"net/http"
	"strings"
)

// landing: GET /. Browsers get the public map (page); clients asking for
// JSON (Accept: application/json, or ?f=json) get the OGC API landing page
// (doc).
func landing(page, doc handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		if wantsHTML(r) {
			return page(w, r)
		}
		return doc(w, r)
	}
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
