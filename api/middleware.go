package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/store"
)

// The middleware that routes.go composes: observe around the router
// (request id, CORS, query check, authentication, metrics), serve around
// each handler (wrap, untimed: its time bound and its error path), costly
// for expensive work; role (roles.go) for what needs a token.

// observe counts and times every request by its route template (of the
// routes s.router has now), method and status code, and gives
// it a request id (the client's X-Request-Id when it is sane, else a new
// one), echoed in the response and put in the request's log lines. It
// refuses a malformed query string before any route sees it (web.CheckQuery).
func (s *Server) observe(next http.Handler) http.Handler {
	known := routeLabels(s.router)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			id = web.NewRequestID()
		}
		w.Header()["X-Request-Id"] = []string{id}
		// One context value carries the id and, once known, the caller.
		in := &web.Info{ID: id, Caller: web.Caller{Role: store.RolePublic}, Front: &s.net}
		r = r.WithContext(web.WithInfo(r.Context(), in))
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		if !s.cors(rec, r) {
			if e := web.CheckQuery(r); e != nil {
				e.Write(rec, r)
			} else if c, e := s.authenticate(r); e != nil {
				e.Write(rec, r)
			} else {
				in.Caller = c
				next.ServeHTTP(rec, r)
			}
		}
		route := rec.route
		if route == "" { // not routed: refused first, or no route
			route = "unmatched"
			var match mux.RouteMatch
			if s.router.Match(r, &match) && match.Route != nil {
				if t := routeLabel(match.Route); t != "" {
					route = t
				}
			}
		}
		if !known[route] {
			route = "unmatched"
		}
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, methodLabel(r.Method), codeLabel(rec.code)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// wrap turns a handler returning *appError into an http.Handler that bounds
// its work by Config.QueryTimeout (503 past it), writes the error as
// problem+json and logs it.
func (s *Server) wrap(h handlerFunc) http.Handler { return s.serve(h, always) }

// untimed is wrap for work bounded otherwise than by Config.QueryTimeout
// (an upload is bounded by its size and its pace, see pacedBody).
func (s *Server) untimed(h handlerFunc) http.Handler { return s.serve(h, never) }

func always(*http.Request) bool { return true }
func never(*http.Request) bool  { return false }

// serve is wrap with the timeout applied to the requests timed reports.
func (s *Server) serve(h handlerFunc, timed func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if rec, ok := w.(*statusRecorder); ok {
			if rt := mux.CurrentRoute(r); rt != nil {
				rec.route = routeLabel(rt)
			}
		}
		if limit := s.cfg.QueryTimeout; limit > 0 && timed(r) {
			ctx, cancel := context.WithTimeout(r.Context(), limit)
			defer cancel()
			r = r.WithContext(ctx)
		}
		if e := h(w, r); e != nil {
			if e.Status >= 500 && errors.Is(e.Err, context.DeadlineExceeded) && r.Context().Err() != nil {
				e = &appError{Status: http.StatusServiceUnavailable, Title: "Query timeout", Detail: fmt.Sprintf("the request took longer than %s; ask for less (a smaller area, fewer features)", s.cfg.QueryTimeout), Err: e.Err}
			}
			e.Write(w, r)
			if e.RetryAfter > 0 {
				s.refused.note(s.log, e) // a flood of them: one line a second
				return
			}
			lvl := slog.LevelInfo
			if e.Status >= 500 {
				lvl = slog.LevelError
			}
			s.log.Log(r.Context(), lvl, "request failed", "request_id", web.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", e.Status, "detail", e.Detail, "err", e.Err, "ms", time.Since(start).Milliseconds())
		}
	})
}

// costly runs h as expensive work: an anonymous caller first spends a
// token of its address's rate limit (429 without one), then every caller
// waits for a turn in the work queue (503 when it is full).
func (s *Server) costly(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		if !callerOf(r).Bearer && s.rate != nil {
			if wait, ok := s.rate.take(s.net.ClientAddr(r), time.Now()); !ok {
				return &appError{Status: http.StatusTooManyRequests, Title: "Too many requests",
					Detail:     fmt.Sprintf("anonymous callers may make %g expensive requests a second (bursts of %d) from one address; retry later or use a token", s.cfg.RateLimit, s.cfg.RateBurst),
					RetryAfter: max(1, int(math.Ceil(wait.Seconds())))}
			}
		}
		release, e := s.work.acquire(r.Context())
		if e != nil {
			return e
		}
		defer release()
		return h(w, r)
	}
}
