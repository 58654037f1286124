package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// Roles, from least to most trusted; each has what the ones below have:
// public (anonymous: public layers, no population anywhere), planner
// (+ parcels and coverage, what-ifs, scenarios, suggestions), auditor
// (+ audits), admin (+ commits, metrics). Tokens are managed with
// `greenreach token`.
var roleRank = map[string]int{store.RolePublic: 0, store.RolePlanner: 1, store.RoleAuditor: 2, store.RoleAdmin: 3}

// tokenTTL is how long a token lookup is trusted before the store is
// asked again: a revoked token stops working within it.
const tokenTTL = 30 * time.Second

type caller struct {
	role   string
	name   string // the token's name; "" for anonymous
	bearer bool   // a token was sent
}

// callerOf is the request's authenticated caller (observe puts it in the
// request's reqInfo), the public before that.
func callerOf(r *http.Request) caller {
	if in := reqInfoOf(r.Context()); in != nil {
		return in.caller
	}
	return anonymous
}

type tokenCache struct {
	mu sync.Mutex
	m  map[string]tokenEntry
}

type tokenEntry struct {
	tok   *store.Token
	until time.Time
}

// authenticate resolves the Authorization header to a caller: no header is
// the anonymous role; a bad or revoked token is 401.
func (s *Server) authenticate(r *http.Request) (caller, *appError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{role: s.cfg.Anonymous}, nil
	}
	scheme, secret, _ := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > 200 {
		return caller{}, errUnauthorized("send Authorization: Bearer <token> (greenreach token create)")
	}
	hash := store.HashToken(secret)
	now := time.Now()
	s.toks.mu.Lock()
	e, ok := s.toks.m[hash]
	s.toks.mu.Unlock()
	if !ok || now.After(e.until) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.PingTimeout)
		tok, err := s.store.TokenByHash(ctx, hash)
		cancel()
		switch {
		case errors.Is(err, store.ErrNotFound):
			tok = nil
		case err != nil:
			return caller{}, errUnavailable("the store could not check the token", err)
		}
		e = tokenEntry{tok, now.Add(tokenTTL)}
		s.toks.mu.Lock()
		if s.toks.m == nil || len(s.toks.m) > 10000 {
			s.toks.m = map[string]tokenEntry{}
		}
		s.toks.m[hash] = e
		s.toks.mu.Unlock()
	}
	if e.tok == nil {
		return caller{}, errUnauthorized("the token is unknown or revoked")
	}
	return caller{role: e.tok.Role, name: e.tok.Name, bearer: true}, nil
}

func errUnauthorized(detail string) *appError {
	return &appError{Status: http.StatusUnauthorized, Title: "Unauthorized", Detail: detail}
}

// allowed reports whether the caller's role is at least role.
func (c caller) allowed(role string) bool { return roleRank[c.role] >= roleRank[role] }

// need refuses a caller below role: 401 (with a Bearer challenge) when no
// token was sent, 403 when the token's role is too low.
func need(w http.ResponseWriter, r *http.Request, role, what string) *appError {
	c := callerOf(r)
	if c.allowed(role) {
		return nil
	}
	if !c.bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
		return errUnauthorized(what + " needs a token of role " + role + " or higher (Authorization: Bearer …)")
	}
	return &appError{Status: http.StatusForbidden, Title: "Forbidden", Detail: what + " needs role " + role + " or higher; this token is " + c.role}
}

// role wraps a handler that needs a role.
func (s *Server) role(role string, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		if e := need(w, r, role, r.Method+" "+r.URL.Path); e != nil {
			return e
		}
		return h(w, r)
	}
}

// layerRole is the role a layer (or tile layer) needs: parcels and the
// coverage layer carry residents.
func layerRole(layer string) string {
	if layer == geo.Parcels || layer == coverageLayer {
		return store.RolePlanner
	}
	return store.RolePublic
}

// needLayers refuses layers the caller may not read.
func needLayers(w http.ResponseWriter, r *http.Request, layers ...string) *appError {
	for _, l := range layers {
		if e := need(w, r, layerRole(l), "layer "+l); e != nil {
			return e
		}
	}
	return nil
}

// readable reports whether the caller may read a layer.
func readable(r *http.Request, layer string) bool { return callerOf(r).allowed(layerRole(layer)) }

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
// collections and conformance, and the OpenAPI document.
func publicRead(path string) bool {
	return strings.HasPrefix(path, "/tiles/") || path == "/collections" || strings.HasPrefix(path, "/collections/") ||
		path == "/conformance" || path == "/api"
}
