package api

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
)

var auditTypes = map[string]string{
	"json":    "application/json",
	"csv":     "text/csv; charset=utf-8",
	"geojson": "application/geo+json",
	"html":    "text/html; charset=utf-8",
	"table":   "text/plain; charset=utf-8",
}

// handleAudit: GET /api/audit[?mode=walk|straight][&format=json|csv|geojson|html|table][&lang=zh-CN|en][&bom=false]
// — every rule of the service's rule set for the city, each district and
// each community, in the language of lang, else Accept-Language, else
// Chinese; a CSV starts with a UTF-8 byte-order mark unless bom=false.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "mode", "format", "lang", "bom"); e != nil {
		return e
	}
	mode, e := modeParam(q)
	if e != nil {
		return e
	}
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if !slices.Contains(report.Formats, format) {
		return errBadRequest("format=%q: want %s", format, strings.Join(report.Formats, ", "))
	}
	opt := report.Options{}
	if v := q.Get("bom"); v != "" {
		bom, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest("bom=%q: want true or false", v)
		}
		opt.NoBOM = !bom
	}
	if opt.Lang, e = web.Lang(w, r); e != nil {
		return e
	}
	if !report.Depends(format) {
		w.Header().Del("Content-Language") // the evidence holds codes and names only
	}
	a, err := s.audit(r, mode)
	if err != nil {
		return errInternal(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, a, format, opt); err != nil {
		return errInternal(err)
	}
	w.Header().Set("Content-Type", auditTypes[format])
	if format == "csv" || format == "geojson" {
		w.Header().Set("Content-Disposition", `attachment; filename="greenreach-audit.`+format+`"`)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// audit returns the audit of the current baseline in mode.
func (s *Server) audit(r *http.Request, mode string) (*coverage.Audit, error) {
	snap := s.index.Snapshot()
	return s.audits.Audit(r.Context(), snap, snap, mode)
}
