// Package web is the HTTP plumbing that greenreach's handlers share, in
// api and its sub-packages: problem+json errors, what the server learns
// about a request before routing it (its id, caller, query and the network
// in front), query parameters and JSON writers.
package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error is what a handler returns instead of writing an error itself. It
// is written as an RFC 9457 problem+json body.
type Error struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	Err    error  `json:"-"` // logged, never shown
	// RetryAfter, when positive, is sent as Retry-After (seconds): a 429
	// or 503 says when to come back.
	RetryAfter int `json:"-"`
}

// HandlerFunc is a handler that returns its error for the server to write
// and log.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) *Error

// Write writes the problem+json answer.
func (e *Error) Write(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Type     string `json:"type"`
		Instance string `json:"instance"`
		*Error
	}{"about:blank", r.URL.Path, e}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status)
	w.Write(append(b, '\n'))
}

// NotFound is a 404.
func NotFound(format string, a ...any) *Error {
	return &Error{Status: http.StatusNotFound, Title: "Not found", Detail: fmt.Sprintf(format, a...)}
}

// Unavailable is a 503 whose cause is logged.
func Unavailable(detail string, err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Title: "Service unavailable", Detail: detail, Err: err}
}

// Internal is a 500: the cause is logged, not shown.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Title: "Internal error", Detail: "the server failed to answer; see its log", Err: err}
}

// BadRequest is a 400.
func BadRequest(format string, a ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Title: "Bad request", Detail: fmt.Sprintf(format, a...)}
}

// Unauthorized is a 401.
func Unauthorized(detail string) *Error {
	return &Error{Status: http.StatusUnauthorized, Title: "Unauthorized", Detail: detail}
}

// NotAcceptable is a 406: the format asked for (?f=) is not served.
func NotAcceptable(detail string) *Error {
	return &Error{Status: http.StatusNotAcceptable, Title: "Not acceptable", Detail: detail}
}
