package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// appError is what a handler returns instead of writing an error itself. It
// is written as an RFC 9457 problem+json body.
type appError struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	Err    error  `json:"-"` // logged, never shown
	// RetryAfter, when positive, is sent as Retry-After (seconds): a 429
	// or 503 says when to come back.
	RetryAfter int `json:"-"`
}

func (e *appError) write(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Type     string `json:"type"`
		Instance string `json:"instance"`
		*appError
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

func errNotFound(format string, a ...any) *appError {
	return &appError{Status: http.StatusNotFound, Title: "Not found", Detail: fmt.Sprintf(format, a...)}
}

func errUnavailable(detail string, err error) *appError {
	return &appError{Status: http.StatusServiceUnavailable, Title: "Service unavailable", Detail: detail, Err: err}
}

func errInternal(err error) *appError {
	return &appError{Status: http.StatusInternalServerError, Title: "Internal error", Detail: "the server failed to answer; see its log", Err: err}
}

func errBadRequest(format string, a ...any) *appError {
	return &appError{Status: http.StatusBadRequest, Title: "Bad request", Detail: fmt.Sprintf(format, a...)}
}
