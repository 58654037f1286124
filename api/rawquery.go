package api

import (
	"net/http"
	"net/url"
)

// checkQuery refuses a query string that url.ParseQuery cannot read whole.
// r.URL.Query() drops such pairs without a word — `name=no;such` would
// filter nothing, `layer=parcels;x` fall back to the default layer — so
// every route refuses the query here instead of answering another question.
func checkQuery(r *http.Request) *appError {
	if r.URL.RawQuery == "" {
		return nil
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		return errBadRequest("malformed query string: %v (separate parameters with &, escape ; as %%3B and %% as %%25)", err)
	}
	return nil
}
