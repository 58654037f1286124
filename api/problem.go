package api

import (
	"github.com/greenreach/greenreach/api/web"
)

// appError is what a handler returns instead of writing an error itself,
// written as problem+json (web.Error); api's handlers use these short
// names for web's.
type appError = web.Error

type handlerFunc = web.HandlerFunc

func errNotFound(format string, a ...any) *appError { return web.NotFound(format, a...) }

func errUnavailable(detail string, err error) *appError { return web.Unavailable(detail, err) }

func errInternal(err error) *appError { return web.Internal(err) }

func errBadRequest(format string, a ...any) *appError { return web.BadRequest(format, a...) }

func errUnauthorized(detail string) *appError { return web.Unauthorized(detail) }
