package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/greenreach/greenreach/api/open311"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/store"
)

// Authentication and CORS, which observe applies before routing.

// authenticate resolves the Authorization header to a caller: no header is
// the anonymous role; a bad or revoked token is 401.
func (s *Server) authenticate(r *http.Request) (web.Caller, *appError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return web.Caller{Role: s.cfg.Anonymous}, nil
	}
	scheme, secret, _ := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 200 {
		return web.Caller{}, errUnauthorized("send Authorization: Bearer <token> (greenreach token create)")
	}
	tok, err := s.toks.lookup(r.Context(), s.store, store.HashToken(secret), s.cfg.PingTimeout)
	if err != nil {
		return web.Caller{}, errUnavailable("the store could not check the token", err)
	}
	if tok == nil {
		return web.Caller{}, errUnauthorized("the token is unknown or revoked")
	}
	return web.Caller{Role: tok.Role, Name: tok.Name, Bearer: true, Unit: tok.Unit}, nil
}

// cors answers preflights and sets Access-Control-Allow-Origin for the
// configured origins ("*" for any). Other origins may still read the
// public read routes without a token (publicRead), unless PublicCORSOff.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) (done bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	any := slices.Contains(s.cfg.CORSOrigins, "*")
	configured := any || slices.Contains(s.cfg.CORSOrigins, origin)
	public := !configured && !s.cfg.PublicCORSOff && publicRead(r.URL.Path)
	if !configured && !public {
		return false
	}
	method, preflight := r.Method, false
	if m := r.Header.Get("Access-Control-Request-Method"); r.Method == http.MethodOptions && m != "" {
		method, preflight = m, true
	}
	if public && method != http.MethodGet && method != http.MethodHead {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if any || public {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", "ETag, Location, X-Request-Id, X-Cache")
	if preflight {
		if public {
			// Anonymous reads only: no Authorization from unlisted origins.
			h.Set("Access-Control-Allow-Methods", "GET, HEAD")
			h.Set("Access-Control-Allow-Headers", "If-None-Match, X-Request-Id")
		} else {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, PUT, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id")
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// publicRead reports whether path is one of the read routes a map or GIS
// client on any origin may use: tiles and TileJSON, the OGC API's
// collections, conformance and tile matrix sets, the OpenAPI document, the
// map style with its sprite and glyphs, Open311's services and public
// requests, and the public view of cases (list and tiles) with their
// categories.
func publicRead(path string) bool {
	return path == "/tiles" || strings.HasPrefix(path, "/tiles/") || path == "/collections" || strings.HasPrefix(path, "/collections/") ||
		path == "/conformance" || path == "/api" || path == "/tileMatrixSets" || strings.HasPrefix(path, "/tileMatrixSets/") ||
		path == "/style.json" || strings.HasPrefix(path, "/sprite") || strings.HasPrefix(path, "/fonts/") ||
		strings.HasPrefix(path, open311.Prefix+"/") || path == "/api/cases/public" || path == "/api/cases/categories" ||
		strings.HasPrefix(path, "/api/cases/public/tiles/")
}
