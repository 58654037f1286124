package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb/geojson"
)

// What anyone may read of cases: the categories, and a status-only view of
// registered cases, built from cases.Public (the one privacy policy of
// every public view): a case's category, state, the day it was reported
// and last changed (China time) and its point as cases.PublicPoint rounds
// it; never a description, a reporter, a contact, anyone's name, a unit
// or a photo.

// publicStates are the states the public view shows: registered cases,
// open or closed (a report not yet registered may be anything; a refused
// one is nobody's business).
var publicStates = []string{cases.Registered, cases.Dispatched, cases.Handled, cases.Verified, cases.Closed}

// requestLang negotiates the answer's language (lang=, Accept-Language)
// and says so in the headers.
func requestLang(w http.ResponseWriter, r *http.Request) (i18n.Lang, *appError) {
	lang, err := i18n.Request(r)
	if err != nil {
		return "", errBadRequest("%v", err)
	}
	w.Header().Set("Content-Language", string(lang))
	w.Header().Add("Vary", "Accept-Language")
	return lang, nil
}

func labelIn(l cases.Label, lang i18n.Lang) string { return i18n.Text{ZH: l.Zh, EN: l.En}.In(lang) }

// labelOf finds code's label in ls (the code itself when there is none).
func labelOf(ls []cases.Label, code string, lang i18n.Lang) string {
	for _, l := range ls {
		if l.Code == code {
			return labelIn(l, lang)
		}
	}
	return code
}

// CaseCategoryJSON is a category in the reader's language.
type CaseCategoryJSON struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Group         string  `json:"group"`
	GroupName     string  `json:"group_name"`
	DeadlineHours int     `json:"deadline_hours"`
	Weight        float64 `json:"weight"`
}

// CaseLabelJSON is a state or action in the reader's language.
type CaseLabelJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CaseCategoriesJSON is the catalog in the reader's language.
type CaseCategoriesJSON struct {
	Lang            string             `json:"lang"`
	DuplicateRadius float64            `json:"duplicate_radius_m"`
	Categories      []CaseCategoryJSON `json:"categories"`
	States          []CaseLabelJSON    `json:"states"`
	Actions         []CaseLabelJSON    `json:"actions"`
}

// handleCaseCategories: GET /api/cases/categories — the case categories,
// states and actions, in Chinese or English (lang=, Accept-Language).
func (s *Server) handleCaseCategories(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r, "lang"); e != nil {
		return e
	}
	lang, e := requestLang(w, r)
	if e != nil {
		return e
	}
	cat := s.cases.Catalog
	out := CaseCategoriesJSON{Lang: string(lang), DuplicateRadius: cat.DuplicateRadius}
	for _, k := range cat.Categories {
		out.Categories = append(out.Categories, CaseCategoryJSON{Code: k.Code, Name: i18n.Text{ZH: k.Zh, EN: k.En}.In(lang), Group: k.Group,
			GroupName: labelOf(cat.Groups, k.Group, lang), DeadlineHours: k.DeadlineHours, Weight: k.Weight})
	}
	for _, l := range cat.States {
		out.States = append(out.States, CaseLabelJSON{l.Code, labelIn(l, lang)})
	}
	for _, l := range cat.Actions {
		out.Actions = append(out.Actions, CaseLabelJSON{l.Code, labelIn(l, lang)})
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(w, http.StatusOK, out)
}

// publicCaseFeature is a case as the public sees it: status only, from
// what the privacy policy lets out (cases.Public).
func publicCaseFeature(k *store.Case, cat *cases.Catalog, lang i18n.Lang, now time.Time) *geojson.Feature {
	pc := cases.Public(k, now)
	f := geojson.NewFeature(pc.Point)
	f.ID = pc.ID
	name := pc.Category
	if c := cat.Category(pc.Category); c != nil {
		name = i18n.Text{ZH: c.Zh, EN: c.En}.In(lang)
	}
	f.Properties = geojson.Properties{
		"category":      pc.Category,
		"category_name": name,
		"state":         pc.State,
		"state_name":    labelOf(cat.States, pc.State, lang),
		"reported":      pc.Reported.In(cases.Day).Format(time.DateOnly),
		"updated":       pc.Updated.In(cases.Day).Format(time.DateOnly),
		"overdue":       pc.Overdue,
	}
	return f
}

// handleCasesPublic: GET /api/cases/public — registered cases as GeoJSON
// points with their status only (see above), newest first; filters bbox,
// state, category; at most maxPublicCases.
func (s *Server) handleCasesPublic(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "f", "bbox", "state", "category", "limit", "lang"); e != nil {
		return e
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		return &appError{Status: http.StatusNotAcceptable, Title: "Not acceptable", Detail: "f=" + f + ": served as GeoJSON only"}
	}
	lang, e := requestLang(w, r)
	if e != nil {
		return e
	}
	f := store.CaseFilter{States: publicStates}
	if v := q.Get("state"); v != "" {
		f.States = nil
		for _, st := range strings.Split(v, ",") {
			if !slices.Contains(publicStates, st) {
				return errBadRequest("state=%q: the public view shows %s", st, strings.Join(publicStates, ", "))
			}
			f.States = append(f.States, st)
		}
	}
	if v := q.Get("category"); v != "" {
		if s.cases.Catalog.Category(v) == nil {
			return errBadRequest("category=%q is not a case category (GET /api/cases/categories)", v)
		}
		f.Category = v
	}
	if v := q.Get("bbox"); v != "" {
		b, e := bboxParam(v)
		if e != nil {
			return e
		}
		f.Bound = &b
	}
	limit, e := intParam(q, "limit", 1000, 1, maxPublicCases)
	if e != nil {
		return e
	}
	f.Limit = limit
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	list, err := s.store.ListCases(r.Context(), f)
	if err != nil {
		return caseError(err)
	}
	now := s.cases.Clock()
	fc := geojson.NewFeatureCollection()
	for i := range list {
		fc.Append(publicCaseFeature(&list[i], s.cases.Catalog, lang, now))
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	return writeGeoJSON(w, fc)
}
