package api

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/scenario"
	"github.com/paulmach/orb/geojson"
)

// Limits of a what-if request (package scenario has those of its
// features; maxBodyBytes, in upload.go, bounds its body).
const maxVertices = scenario.MaxVertices

// handleWhatIf: POST /api/whatif with a GeoJSON Feature, FeatureCollection
// or bare geometry — polygons are new green spaces (a public park unless
// properties say otherwise), lines are green belts width_m wide (default
// 50), points new collection points — answers, for every rule, its figures
// before and after, the residents newly covered and the parcels that
// changed. ?mode=straight measures walk rules in a straight line.
func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "mode", "scenario", "lang"); e != nil {
		return e
	}
	mode, e := modeParam(q)
	if e != nil {
		return e
	}
	lang, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	if q.Has("scenario") {
		return s.scenarioWhatIf(w, r, mode, lang, q.Get("scenario"))
	}
	feats, e := s.readWhatIf(r)
	if e != nil {
		return e
	}
	a, err := s.audit(r, mode)
	if err != nil {
		return errInternal(err)
	}
	d, err := a.WhatIf(r.Context(), feats)
	if errors.Is(err, geo.ErrInvalid) {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Invalid geometry", Detail: err.Error()}
	}
	if err != nil {
		return errInternal(err)
	}
	return writeJSON(w, http.StatusOK, whatIfJSON(mode, lang, d))
}

// scenarioWhatIf: the delta of a saved scenario (adds, changes, deletes):
// the audit of the baseline with the scenario's edits against the
// baseline's.
func (s *Server) scenarioWhatIf(w http.ResponseWriter, r *http.Request, mode string, lang i18n.Lang, idText string) *appError {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 1 {
		return errBadRequest("scenario=%q is not a positive whole number", idText)
	}
	ed, e := s.scenarioEdits(r, id)
	if e != nil {
		return e
	}
	d, err := scenario.WhatIf(r.Context(), s.audits, s.index.Snapshot(), ed, mode)
	if err != nil {
		return errInternal(err)
	}
	return writeJSON(w, http.StatusOK, whatIfJSON(mode, lang, d))
}

// readWhatIf parses the body into drawn features, and those into
// features to add (scenario.Drawn).
func (s *Server) readWhatIf(r *http.Request) ([]*geo.Feature, *appError) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &appError{Status: http.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("the body is over %d bytes", maxBodyBytes)}
		}
		return nil, errBadRequest("reading the body: %v", err)
	}
	var gfs []*geojson.Feature
	if fc, err := geojson.UnmarshalFeatureCollection(body); err == nil && fc.Type == "FeatureCollection" {
		gfs = fc.Features
	} else if f, err := geojson.UnmarshalFeature(body); err == nil && f.Type == "Feature" {
		gfs = []*geojson.Feature{f}
	} else if g, err := geojson.UnmarshalGeometry(body); err == nil && g.Coordinates != nil {
		gfs = []*geojson.Feature{geojson.NewFeature(g.Geometry())}
	} else {
		return nil, errBadRequest("the body is not a GeoJSON Feature, FeatureCollection or geometry")
	}
	feats, err := scenario.Drawn(gfs, s.validator(r.Context()))
	if err != nil {
		return nil, s.domainError(err, "Invalid feature")
	}
	return feats, nil
}

type whatIfFig struct {
	Value *float64 `json:"value"`
	Pass  bool     `json:"pass"`
}

type whatIfUnit struct {
	Unit         string    `json:"unit"`
	UnitID       int64     `json:"unit_id"`
	Level        string    `json:"level"`
	Before       whatIfFig `json:"before"`
	After        whatIfFig `json:"after"`
	NewlyCovered int64     `json:"residents_newly_covered"`
}

type whatIfRule struct {
	ID           string       `json:"id"`
	Title        string       `json:"title"`
	Type         string       `json:"type"`
	Measure      string       `json:"measure"`
	NewlyCovered int64        `json:"residents_newly_covered"`
	Parcels      []int64      `json:"parcels_newly_covered"`
	City         whatIfUnit   `json:"city"`
	Units        []whatIfUnit `json:"units_changed"`
}

type whatIfAnswer struct {
	Mode      string                     `json:"mode"`
	ElapsedMS float64                    `json:"elapsed_ms"`
	Added     *geojson.FeatureCollection `json:"added"`
	Rules     []whatIfRule               `json:"rules"`
}

func fig(u *coverage.UnitResult) whatIfFig {
	f := whatIfFig{Pass: u.Pass}
	if !u.NA && !math.IsInf(u.Value, 0) {
		v := math.Round(u.Value*1e6) / 1e6
		f.Value = &v
	}
	return f
}

// whatIfJSON is the answer, the rules' titles in lang.
func whatIfJSON(mode string, lang i18n.Lang, d *coverage.Delta) whatIfAnswer {
	out := whatIfAnswer{Mode: mode, ElapsedMS: float64(d.Elapsed.Microseconds()) / 1000, Added: geojson.NewFeatureCollection()}
	for _, f := range d.Added {
		gf := geojson.NewFeature(f.Geom)
		gf.Properties = geojson.Properties{"layer": f.Layer}
		for k, v := range f.Attrs() {
			gf.Properties[k] = v
		}
		out.Added.Append(gf)
	}
	for _, rd := range d.Rules {
		wr := whatIfRule{ID: rd.Rule.ID, Title: rd.Rule.Title.In(lang), Type: rd.Rule.Type, Measure: coverage.Measure(rd.Rule.Type), NewlyCovered: rd.NewlyCovered, Parcels: rd.Parcels}
		if wr.Parcels == nil {
			wr.Parcels = []int64{}
		}
		for i, ud := range rd.Units {
			wu := whatIfUnit{Unit: ud.Before.Unit.Name, UnitID: ud.Before.Unit.ID, Level: ud.Before.Unit.Level, Before: fig(ud.Before), After: fig(ud.After), NewlyCovered: ud.After.Covered - ud.Before.Covered}
			if i == 0 {
				wr.City = wu
			} else if ud.Changed() {
				wr.Units = append(wr.Units, wu)
			}
		}
		out.Rules = append(out.Rules, wr)
	}
	return out
}
