package api

import (
	"net/http"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
)

// RuleJSON is one coverage rule as GET /api/rules lists it.
type RuleJSON struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Measure string  `json:"measure"`
	Level   string  `json:"level,omitempty"`
	Meters  float64 `json:"meters,omitempty"`
	Source  string  `json:"source,omitempty"`
}

// handleRules: GET /api/rules — the rules the audit applies (no figures:
// anyone may read them).
func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) *appError {
	if e := onlyParams(queryOf(r)); e != nil {
		return e
	}
	out := make([]RuleJSON, 0, len(s.rules.Rules))
	for _, ru := range s.rules.Rules {
		out = append(out, RuleJSON{ID: ru.ID, Title: ru.Title.In(i18n.EN), Type: ru.Type, Measure: coverage.Measure(ru.Type), Level: ru.Level, Meters: ru.Meters, Source: ru.Source})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"name": s.rules.Name, "rules": out})
}
