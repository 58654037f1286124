package api

import (
	"errors"
	"net/http"

	"github.com/greenreach/greenreach/scenario"
	"github.com/greenreach/greenreach/store"
)

// storeError is the answer to an error of the store.
func storeError(err error) *appError {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("%v", err)
	case errors.Is(err, store.ErrConflict):
		return &appError{Status: http.StatusPreconditionFailed, Title: "Precondition failed", Detail: err.Error() + "; fetch it again, merge, and retry with the new ETag"}
	case errors.Is(err, store.ErrCommitted):
		return &appError{Status: http.StatusConflict, Title: "Committed", Detail: err.Error() + ": it is part of the baseline and read-only"}
	case errors.Is(err, store.ErrUnavailable):
		return errUnavailable("the store is unavailable; try again", err)
	}
	return errInternal(err)
}

// domainError is the answer to input package scenario refused; title
// names what was refused ("Invalid edit").
func (s *Server) domainError(err error, title string) *appError {
	var inv *scenario.InvalidError
	var geom *scenario.GeometryError
	var ref *scenario.RefusedError
	switch {
	case errors.As(err, &inv):
		return errBadRequest("%s", inv.Detail)
	case errors.As(err, &geom):
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Invalid geometry", Detail: geom.Detail}
	case errors.As(err, &ref):
		return s.fixRefused(title, ref.Which, ref.Reason)
	}
	return errInternal(err)
}
