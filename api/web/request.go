package web

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/url"

	"github.com/greenreach/greenreach/store"
)

// Info is what the server learns about a request before routing it, kept
// in its context once: its id and, once authenticated, its caller.
type Info struct {
	ID     string
	Caller Caller
	Front  *Front     // the server's, for links and client addresses
	Query  url.Values // parsed once by CheckQuery; see Query
}

type infoKey struct{}

// WithInfo returns ctx carrying in.
func WithInfo(ctx context.Context, in *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, in)
}

// InfoOf returns the Info ctx carries, or nil.
func InfoOf(ctx context.Context) *Info {
	in, _ := ctx.Value(infoKey{}).(*Info)
	return in
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	if in := InfoOf(ctx); in != nil {
		return in.ID
	}
	return ""
}

// NewRequestID is 16 hex digits from math/rand/v2's generator: ids need
// to be told apart in logs, not kept secret.
func NewRequestID() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// CheckQuery refuses a query string that url.ParseQuery cannot read whole.
// r.URL.Query() drops such pairs without a word — `name=no;such` would
// filter nothing, `layer=parcels;x` fall back to the default layer — so
// every route refuses the query here instead of answering another question.
// The values it parsed are kept for Query, so no handler parses again.
func CheckQuery(r *http.Request) *Error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return BadRequest("malformed query string: %v (separate parameters with &, escape ; as %%3B and %% as %%25)", err)
	}
	if in := InfoOf(r.Context()); in != nil {
		in.Query = q
	}
	return nil
}

// Query returns the request's query parameters: those CheckQuery parsed,
// or r.URL.Query() for a request that did not pass through it.
// Handlers read the values and never change them.
func Query(r *http.Request) url.Values {
	if in := InfoOf(r.Context()); in != nil && in.Query != nil {
		return in.Query
	}
	return r.URL.Query()
}

// BaseURL is the base of a request's links (see Front.Base).
func BaseURL(r *http.Request) string {
	if in := InfoOf(r.Context()); in != nil && in.Front != nil {
		return in.Front.Base(r)
	}
	return (&Front{}).Base(r)
}

// CallerOf is the request's authenticated caller (kept in its Info), the
// public before that.
func CallerOf(r *http.Request) Caller {
	if in := InfoOf(r.Context()); in != nil {
		return in.Caller
	}
	return Caller{Role: store.RolePublic}
}
