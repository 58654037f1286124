// Package open311 serves the cases as an Open311 GeoReport v2 endpoint
// (https://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/: a
// discovery document, the case categories as services, anonymous citizen
// reports (POST requests) and the public view of every case (GET
// requests). Answers are JSON or XML by the resource's extension; errors
// are the spec's [{code, description}] with its statuses (404 for what
// does not exist, 400 for any other refusal).
//
// What is public is only what the GeoReport fields name: a reporter's
// contact (email, names, phone, device), who reported or acted, the staff's
// notes and the reasons of refusals never leave the store through here.
// The only media served is a thumbnail re-encoded from a report's photo,
// so no metadata (EXIF GPS position and the like) survives.
package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/store"
)

// Prefix is where the endpoint is mounted.
const Prefix = "/open311/v2"

// Spec is the specification token of the discovery document.
const Spec = "http://wiki.open311.org/GeoReport_v2"

// Media types of the two formats, as the spec names them.
const (
	MediaJSON = "application/json; charset=utf-8"
	MediaXML  = "text/xml; charset=utf-8"
)

// Units names the responsible units: a case holds its unit's id (a short
// code such as U01); agency_responsible shows the unit's name.
type Units interface {
	// UnitName returns the name of unit id; ok is false when there is no
	// such unit.
	UnitName(ctx context.Context, id string) (name string, ok bool, err error)
}

// Service is the endpoint over a cases.Service.
type Service struct {
	Cases *cases.Service
	// Units names the units; nil (or a unit it does not know) shows the
	// unit's id.
	Units Units
	// Photo bounds a report's media; a zero MaxBytes takes the cases'
	// photo size limit.
	Photo photo.Limits
	// Reads waits for a turn among the heavy reads (lists, thumbnails);
	// nil: no queue.
	Reads func(ctx context.Context) (release func(), e *web.Error)
	// Contact is the discovery document's contact line.
	Contact string
	Log     *slog.Logger
}

// Limits of a request.
const (
	maxIDs       = 100      // service_request_id values of one query
	maxList      = 1000     // requests of one answer (the spec's default)
	maxField     = 100      // characters of a contact field or device id
	maxAddress   = 250      // characters of address_string
	maxFormBytes = 64 << 10 // a form-encoded body, or the fields of a multipart one
	maxParts     = 32       // parts of a multipart body
	listDays     = 90       // the spec's default and widest range of a query
)

// Error is a GeoReport error (one element of the errors list).
type Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type errorList struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []Error
}

// format is the resource's extension: json or xml.
func format(r *http.Request) string {
	if mux.Vars(r)["format"] == "xml" {
		return "xml"
	}
	return "json"
}

// Handle runs h and writes its error, or one of the middleware under it
// (rate limit, queue), as a GeoReport error in the resource's format, with
// the same status and Retry-After.
func (s *Service) Handle(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *web.Error {
		e := h(w, r)
		if e == nil {
			return nil
		}
		if e.Status >= 500 && errors.Is(e.Err, context.DeadlineExceeded) && r.Context().Err() != nil {
			e = &web.Error{Status: http.StatusServiceUnavailable, Title: "Query timeout", Detail: "the request took too long; ask for less (a shorter range, fewer ids)", Err: e.Err}
		}
		desc := e.Title
		if e.Detail != "" {
			desc += ": " + e.Detail
		}
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		if s.Log != nil && e.RetryAfter == 0 {
			lvl := slog.LevelInfo
			if e.Status >= 500 {
				lvl = slog.LevelError
			}
			s.Log.Log(r.Context(), lvl, "request failed", "request_id", web.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", e.Status, "detail", e.Detail, "err", e.Err)
		}
		s.write(w, r, e.Status, errorList{Errors: []Error{{Code: e.Status, Description: desc}}})
		return nil
	}
}

// write answers v in the resource's format: XML from v itself, JSON from
// its list (errorList, serviceList, requestList) or v.
func (s *Service) write(w http.ResponseWriter, r *http.Request, status int, v any) *web.Error {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if format(r) == "xml" {
		b, err := xml.MarshalIndent(v, "", "  ")
		if err != nil {
			return web.Internal(err)
		}
		w.Header().Set("Content-Type", MediaXML)
		w.WriteHeader(status)
		w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n"))
		w.Write(append(b, '\n'))
		return nil
	}
	var j any = v
	switch l := v.(type) {
	case errorList:
		j = l.Errors
	case serviceList:
		j = l.Services
	case requestList:
		j = l.Requests
	case createdList:
		j = l.Requests
	}
	b, err := json.Marshal(j)
	if err != nil {
		return web.Internal(err)
	}
	w.Header().Set("Content-Type", MediaJSON)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// lang is the language of the answer: ?lang=, else Accept-Language.
func lang(w http.ResponseWriter, r *http.Request) (i18n.Lang, *web.Error) {
	w.Header().Add("Vary", "Accept-Language")
	l, err := i18n.Negotiate(web.Query(r).Get("lang"), r.Header.Get("Accept-Language"))
	if err != nil {
		return "", web.BadRequest("lang: %v", err)
	}
	w.Header().Set("Content-Language", string(l))
	return l, nil
}

// storeError maps a store's or the workflow's error to an answer.
func storeError(err error) *web.Error {
	var in *cases.InputError
	switch {
	case errors.As(err, &in):
		return web.BadRequest("%s", openField(in))
	case errors.Is(err, store.ErrNotFound):
		return web.NotFound("%v", err)
	case errors.Is(err, store.ErrUnavailable):
		return web.Unavailable("the store is unavailable; try again", err)
	}
	return web.Internal(err)
}

// openField says a workflow refusal in GeoReport's field names.
func openField(in *cases.InputError) string {
	switch in.Field {
	case "point":
		return "lat/long: " + in.Msg
	case "category":
		return "service_code: " + in.Msg
	case "contact":
		return "email, first_name, last_name, phone and device_id together: " + in.Msg
	case "photos":
		return "media: " + in.Msg
	}
	return in.Error()
}
