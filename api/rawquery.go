package api

import (
	"net/http"
	"net/url"
)

// checkQuery refuses a query string that url.ParseQuery cannot read whole.
// r.URL.Query() drops such pairs without a word — `name=no;such` would
// filter nothing, `layer=parcels;x` fall back to the default layer — so
// every route refuses the query here instead of answering another question.
// The values it parsed are kept for queryOf, so no handler parses again.
func checkQuery(r *http.Request) *appError {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errBadRequest("malformed query string: %v (separate parameters with &, escape ; as %%3B and %% as %%25)", err)
	}
	if in := reqInfoOf(r.Context()); in != nil {
		in.query = q
	}
	return nil
}

// queryOf returns the request's query parameters: those checkQuery parsed,
// or r.URL.Query() for a request that did not pass through observe.
// Handlers read the values and never change them.
func queryOf(r *http.Request) url.Values {
	if in := reqInfoOf(r.Context()); in != nil && in.query != nil {
		return in.query
	}
	return r.URL.Query()
}
