package api

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Limits of a what-if request.
const (
	maxBodyBytes    = 1 << 20
	maxVertices     = 20000
	maxWhatIfFeats  = 50
	defaultBeltWide = 50.0
)

// handleWhatIf: POST /api/whatif with a GeoJSON Feature, FeatureCollection
// or bare geometry — polygons are new green spaces (a public park unless
// properties say otherwise), lines are green belts width_m wide (default
// 50), points new collection points — answers, for every rule, its figures
// before and after, the residents newly covered and the parcels that
// changed. ?mode=straight measures walk rules in a straight line.
func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "mode", "scenario"); e != nil {
		return e
	}
	mode, e := modeParam(q)
	if e != nil {
		return e
	}
	if q.Has("scenario") {
		return s.scenarioWhatIf(w, r, mode, q.Get("scenario"))
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
	return writeJSON(w, http.StatusOK, whatIfJSON(mode, d))
}

// scenarioWhatIf: the delta of a saved scenario (adds, changes, deletes):
// the audit of the baseline with the scenario's edits against the
// baseline's.
func (s *Server) scenarioWhatIf(w http.ResponseWriter, r *http.Request, mode, idText string) *appError {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 1 {
		return errBadRequest("scenario=%q is not a positive whole number", idText)
	}
	puts, dels, e := s.scenarioEdits(r, id)
	if e != nil {
		return e
	}
	start := time.Now()
	before, err := s.audit(r, mode)
	if err != nil {
		return errInternal(err)
	}
	after, err := coverage.Run(r.Context(), s.index.Snapshot().With(puts, dels), s.rules, coverage.Options{Mode: mode})
	if err != nil {
		return errInternal(err)
	}
	d := coverage.Compare(before, after)
	d.Added, d.Elapsed = puts, time.Since(start)
	return writeJSON(w, http.StatusOK, whatIfJSON(mode, d))
}

// readWhatIf parses the body into features to add.
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
	if len(gfs) == 0 || len(gfs) > maxWhatIfFeats {
		return nil, errBadRequest("%d features: send 1–%d", len(gfs), maxWhatIfFeats)
	}
	var out []*geo.Feature
	validator := s.validator(r.Context())
	for i, gf := range gfs {
		if gf.Geometry == nil {
			return nil, errBadRequest("feature %d has no geometry", i+1)
		}
		if n := vertices(gf.Geometry); n > maxVertices {
			return nil, errBadRequest("feature %d has %d vertices: at most %d", i+1, n, maxVertices)
		}
		props := map[string]any{}
		for k, v := range gf.Properties {
			props[k] = v
		}
		f := &geo.Feature{Props: props}
		switch g := gf.Geometry.(type) {
		case orb.Polygon, orb.MultiPolygon:
			f.Layer, f.Geom = geo.Green, g
			setDefault(props, "kind", "park")
			setDefault(props, "public", true)
		case orb.LineString:
			width := defaultBeltWide
			if v, ok := props["width_m"].(float64); ok {
				width = v
			}
			if width <= 0 || width > 500 || math.IsNaN(width) {
				return nil, errBadRequest("feature %d: width_m %v: want 0–500", i+1, props["width_m"])
			}
			delete(props, "width_m")
			belt, err := coverage.Belt(g, width)
			if err != nil {
				return nil, &appError{Status: http.StatusUnprocessableEntity, Title: "Invalid geometry", Detail: fmt.Sprintf("feature %d: %v", i+1, err)}
			}
			f.Layer, f.Geom = geo.Green, belt
			setDefault(props, "kind", "belt")
			setDefault(props, "public", true)
		case orb.Point:
			f.Layer, f.Geom = geo.Waste, g
			setDefault(props, "kind", "collection_point")
		default:
			return nil, errBadRequest("feature %d: a %s: send polygons (parks), lines (belts) or points (collection points)", i+1, g.GeoJSONType())
		}
		if l, ok := props["layer"].(string); ok {
			if l != geo.Green && l != geo.Waste {
				return nil, errBadRequest("feature %d: layer %q: want green or waste", i+1, l)
			}
			f.Layer = l
			delete(props, "layer")
		}
		// Attributes the layer does not have (a drawing tool's own) are
		// dropped; the rest are checked and repaired as an import would:
		// rings closed, GEOS validity (a self-crossing drawing is made
		// valid), attribute types.
		sc := geo.SchemaOf(f.Layer)
		for k := range props {
			if _, ok := sc.Field(k); !ok {
				delete(props, k)
			}
		}
		f.Source, f.SourceID = "whatif", fmt.Sprint(i+1)
		if _, reason := validator.Fix(f); reason != "" {
			return nil, s.fixRefused("Invalid feature", fmt.Sprintf("feature %d", i+1), reason)
		}
		out = append(out, f)
	}
	return out, nil
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func vertices(g orb.Geometry) int {
	n := 0
	switch t := g.(type) {
	case orb.Point:
		n = 1
	case orb.MultiPoint:
		n = len(t)
	case orb.LineString:
		n = len(t)
	case orb.MultiLineString:
		for _, l := range t {
			n += len(l)
		}
	case orb.Polygon:
		for _, r := range t {
			n += len(r)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			n += vertices(p)
		}
	case orb.Collection:
		for _, c := range t {
			n += vertices(c)
		}
	}
	return n
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

func whatIfJSON(mode string, d *coverage.Delta) whatIfAnswer {
	out := whatIfAnswer{Mode: mode, ElapsedMS: float64(d.Elapsed.Microseconds()) / 1000, Added: geojson.NewFeatureCollection()}
	for _, f := range d.Added {
		gf := geojson.NewFeature(f.Geom)
		gf.Properties = geojson.Properties{"layer": f.Layer}
		for k, v := range f.Props {
			gf.Properties[k] = v
		}
		out.Added.Append(gf)
	}
	for _, rd := range d.Rules {
		wr := whatIfRule{ID: rd.Rule.ID, Title: rd.Rule.Title.In(i18n.EN), Type: rd.Rule.Type, Measure: coverage.Measure(rd.Rule.Type), NewlyCovered: rd.NewlyCovered, Parcels: rd.Parcels}
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
