package api

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/geo/index"
)

// auditCache keeps audits per snapshot and mode: any edit makes a new
// snapshot, and so a new audit on demand. byMo holds the current
// baseline's; scenario snapshots' go in other, a few at a time.
type auditCache struct {
	mu    sync.Mutex
	snap  *index.Snapshot
	byMo  map[string]*coverage.Audit
	other map[auditKey]*coverage.Audit
}

type auditKey struct {
	snap *index.Snapshot
	mode string
}

var auditTypes = map[string]string{
	"json":    "application/json",
	"csv":     "text/csv; charset=utf-8",
	"geojson": "application/geo+json",
	"html":    "text/html; charset=utf-8",
	"table":   "text/plain; charset=utf-8",
}

// handleAudit: GET /api/audit[?mode=walk|straight][&format=json|csv|geojson|html|table]
// — every rule of the service's rule set for the city, each district and
// each community.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "mode", "format"); e != nil {
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
	a, err := s.audit(r, mode)
	if err != nil {
		return errInternal(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, a, format); err != nil {
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

func (s *Server) audit(r *http.Request, mode string) (*coverage.Audit, error) {
	return s.auditOf(r, s.index.Snapshot(), mode)
}

// auditOf returns the audit of a snapshot: the baseline's, or a
// scenario's.
func (s *Server) auditOf(r *http.Request, snap *index.Snapshot, mode string) (*coverage.Audit, error) {
	if snap != s.index.Snapshot() {
		s.audits.mu.Lock()
		defer s.audits.mu.Unlock()
		k := auditKey{snap, mode}
		if a, ok := s.audits.other[k]; ok {
			return a, nil
		}
		a, err := coverage.Run(r.Context(), snap, s.rules, coverage.Options{Mode: mode})
		if err != nil {
			return nil, err
		}
		if s.audits.other == nil || len(s.audits.other) >= 8 {
			s.audits.other = map[auditKey]*coverage.Audit{}
		}
		s.audits.other[k] = a
		return a, nil
	}
	s.audits.mu.Lock()
	defer s.audits.mu.Unlock()
	if s.audits.snap != snap {
		s.audits.snap, s.audits.byMo = snap, map[string]*coverage.Audit{}
	}
	if a, ok := s.audits.byMo[mode]; ok {
		return a, nil
	}
	a, err := coverage.Run(r.Context(), snap, s.rules, coverage.Options{Mode: mode})
	if err != nil {
		return nil, err
	}
	s.audits.byMo[mode] = a
	return a, nil
}

// modeParam reads ?mode=walk|straight (default walk): how walk rules
// measure distance.
func modeParam(q url.Values) (string, *appError) {
	switch mode := q.Get("mode"); mode {
	case "":
		return coverage.Walk, nil
	case coverage.Walk, coverage.Straight:
		return mode, nil
	default:
		return "", errBadRequest("mode=%q: want walk or straight", mode)
	}
}
