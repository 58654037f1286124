package api

import (
	"net/http"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/coverage"
)

// RuleJSON is one coverage rule as GET /api/rules lists it, its title and
// description in the reader's language.
type RuleJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	// Measure names what the figures are, in English whatever the
	// language: the pages and programs read it.
	Measure string  `json:"measure"`
	Level   string  `json:"level,omitempty"`
	Meters  float64 `json:"meters,omitempty"`
	Source  string  `json:"source,omitempty"`
}

// handleRules: GET /api/rules[?lang=zh-CN|en] — the rules the audit applies
// (no figures: anyone may read them), in the language of lang, else
// Accept-Language, else Chinese.
func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) *appError {
	if e := onlyParams(queryOf(r), "lang"); e != nil {
		return e
	}
	lang, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	out := make([]RuleJSON, 0, len(s.rules.Rules))
	for _, ru := range s.rules.Rules {
		out = append(out, RuleJSON{ID: ru.ID, Title: ru.Title.In(lang), Description: ru.Description.In(lang), Type: ru.Type, Measure: coverage.Measure(ru.Type),
			Level: ru.Level, Meters: ru.Meters, Source: ru.Source.In(lang)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"name": s.rules.Name, "rules": out})
}
