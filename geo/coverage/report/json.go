package report

import (
	"math"
	"time"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb/geojson"
)

// JSON is the audit as JSON.
type JSON struct {
	Rules     string    `json:"rules"`
	Mode      string    `json:"mode"`
	Generated time.Time `json:"generated"`
	Network   string    `json:"network,omitempty"`
	Parcels   int       `json:"parcels"`
	Residents int64     `json:"residents"`
	// ResidentsBySource says how the residents' numbers were obtained.
	ResidentsBySource SourcesJSON  `json:"residents_by_source"`
	Results           []ResultJSON `json:"results"`

	// Units is "areas" (the areas layer's) or "grid" (generated cells of
	// GridSize metres, the city having no areas); UnitsNote says so in words.
	Units     string `json:"units"`
	GridSize  int    `json:"grid_size_m,omitempty"`
	UnitsNote string `json:"units_note"`
}

// SourcesJSON are residents, and the parcels holding them, by how their
// numbers were obtained: given by the data, estimated by building (floor
// area), estimated by area (a block's or parcel's land).
type SourcesJSON struct {
	Given           int64 `json:"given"`
	Building        int64 `json:"estimated_building"`
	Area            int64 `json:"estimated_area"`
	GivenParcels    int   `json:"given_parcels"`
	BuildingParcels int   `json:"estimated_building_parcels"`
	AreaParcels     int   `json:"estimated_area_parcels"`
}

func sourcesJSON(s coverage.PopSources) SourcesJSON {
	return SourcesJSON{s.Given, s.Building, s.Area, s.GivenParcels, s.BuildingParcels, s.AreaParcels}
}

// ResultJSON is one rule's results.
type ResultJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	// Measure names what the value is, in English whatever the language
	// (programs, and the pages, read it: "share …" values are shares).
	Measure string     `json:"measure"`
	Source  string     `json:"source,omitempty"`
	Units   []UnitJSON `json:"units"`
}

// UnitJSON is a rule's figure for one unit.
type UnitJSON struct {
	Unit      string   `json:"unit"`
	UnitID    int64    `json:"unit_id"`
	Level     string   `json:"level"`
	Value     *float64 `json:"value"` // null when not applicable or infinite: see Status
	Threshold float64  `json:"threshold"`
	Pass      bool     `json:"pass"`
	NA        bool     `json:"not_applicable,omitempty"`
	// Status is "ok" (value is the figure), "not_applicable" (nothing to
	// measure: value null, passes) or "no_target" (residents but no
	// target: infinitely many per target, value null, fails).
	Status      string   `json:"status"`
	Residents   int64    `json:"residents"`
	Covered     int64    `json:"residents_covered"`
	Land        float64  `json:"land_m2"`
	LandCovered float64  `json:"land_covered_m2"`
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Straight    *float64 `json:"straight_line_share,omitempty"`
	// ResidentsBySource splits Residents by how they were obtained.
	ResidentsBySource *SourcesJSON `json:"residents_by_source,omitempty"`
	Failing           []int64      `json:"failing_parcels,omitempty"`
	Gaps              []GapJSON    `json:"gaps,omitempty"`
}

// GapJSON is a corridor gap (its geometry is in the GeoJSON report).
type GapJSON struct {
	Road   int64   `json:"road"`
	Side   string  `json:"side"`
	Length float64 `json:"length_m"`
}

func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	r := math.Round(v*1e6) / 1e6
	return &r
}

// NewJSON returns the audit as JSON, its titles, descriptions and units
// note in l (codes — type, level, status, measure — and names as they are).
func NewJSON(a *coverage.Audit, l i18n.Lang) JSON {
	w := Options{Lang: l}.words()
	out := JSON{Rules: a.Rules.Name, Mode: a.Mode, Generated: a.Generated, Network: a.Network, Parcels: len(a.Parcels), ResidentsBySource: sourcesJSON(a.Sources),
		Units: "areas", GridSize: a.GridSize, UnitsNote: w.unitsNote(a)}
	if a.GridSize > 0 {
		out.Units = coverage.Grid
	}
	for _, p := range a.Parcels {
		out.Residents += p.Population
	}
	for _, r := range a.Results {
		rj := ResultJSON{ID: r.Rule.ID, Title: r.Rule.Title.In(w.lang), Description: r.Rule.Description.In(w.lang), Type: r.Rule.Type, Measure: coverage.Measure(r.Rule.Type), Source: r.Rule.Source.In(w.lang)}
		for _, u := range r.Units {
			uj := UnitJSON{Unit: u.Unit.Name, UnitID: u.Unit.ID, Level: u.Unit.Level, Threshold: u.Threshold, Pass: u.Pass, NA: u.NA, Status: u.Status(),
				Residents: u.Residents, Covered: u.Covered, Land: math.Round(u.Land), LandCovered: math.Round(u.LandCovered),
				Numerator: math.Round(u.Numerator*100) / 100, Denominator: math.Round(u.Denominator*100) / 100, Failing: u.Failing}
			if !u.NA {
				uj.Value = finite(u.Value)
			}
			if r.Rule.Type == coverage.WalkAccess && u.Residents > 0 {
				uj.Straight = finite(u.Straight)
			}
			if u.Residents > 0 {
				s := sourcesJSON(u.Sources)
				uj.ResidentsBySource = &s
			}
			for _, g := range u.Gaps {
				uj.Gaps = append(uj.Gaps, GapJSON{g.Road, g.Side, math.Round(g.Length*10) / 10})
			}
			rj.Units = append(rj.Units, uj)
		}
		out.Results = append(out.Results, rj)
	}
	return out
}

// GeoJSON returns the evidence as features: each unit with its verdict
// per rule, each failing parcel per rule (with its distance where the rule
// measures one) and each corridor gap.
func GeoJSON(a *coverage.Audit) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	parcels := map[int64]*coverage.Parcel{}
	for _, p := range a.Parcels {
		parcels[p.ID] = p
	}
	for _, u := range a.Units[1:] {
		f := geojson.NewFeature(u.Geom)
		f.ID = u.ID
		f.Properties = geojson.Properties{"kind": "unit", "name": u.Name, "level": u.Level}
		for _, r := range a.Results {
			for _, ur := range r.Units {
				if ur.Unit == u {
					f.Properties[r.Rule.ID] = verdict(ur)
				}
			}
		}
		fc.Append(f)
	}
	for _, r := range a.Results {
		city := r.Units[0]
		for _, id := range city.Failing {
			p := parcels[id]
			f := geojson.NewFeature(p.Geom)
			f.ID = id
			f.Properties = geojson.Properties{"kind": "failing_parcel", "rule": r.Rule.ID, "name": p.Name, "population": p.Population}
			if d, ok := r.Distance.Get(id); ok && !math.IsInf(d, 1) {
				f.Properties["distance_m"] = math.Round(d*10) / 10
			}
			fc.Append(f)
		}
		for _, g := range city.Gaps {
			f := geojson.NewFeature(g.Geom)
			f.Properties = geojson.Properties{"kind": "gap", "rule": r.Rule.ID, "road": g.Road, "side": g.Side, "length_m": math.Round(g.Length*10) / 10}
			fc.Append(f)
		}
	}
	return fc
}
