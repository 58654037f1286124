package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
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
	out := jsonHead(a, l)
	for _, r := range a.Results {
		rj := resultJSON(r, l)
		for _, u := range r.Units {
			rj.Units = append(rj.Units, unitJSON(a, r, u))
		}
		out.Results = append(out.Results, rj)
	}
	return out
}

// jsonHead is the audit's JSON without its results.
func jsonHead(a *coverage.Audit, l i18n.Lang) JSON {
	w := Options{Lang: l}.words()
	out := JSON{Rules: a.Rules.Name, Mode: a.Mode, Generated: a.Generated, Network: a.Network, Parcels: len(a.Parcels), ResidentsBySource: sourcesJSON(a.Sources),
		Units: "areas", GridSize: a.GridSize, UnitsNote: w.unitsNote(a)}
	if a.GridSize > 0 {
		out.Units = coverage.Grid
	}
	for _, p := range a.Parcels {
		out.Residents += p.Population
	}
	return out
}

// resultJSON is a rule's result without its units.
func resultJSON(r *coverage.Result, l i18n.Lang) ResultJSON {
	w := Options{Lang: l}.words()
	return ResultJSON{ID: r.Rule.ID, Title: r.Rule.Title.In(w.lang), Description: r.Rule.Description.In(w.lang), Type: r.Rule.Type, Measure: coverage.Measure(r.Rule.Type), Source: r.Rule.Source.In(w.lang)}
}

// unitJSON is a rule's figure for one unit (its failing parcels shared
// with u's).
func unitJSON(a *coverage.Audit, r *coverage.Result, u *coverage.UnitResult) UnitJSON {
	uj := UnitJSON{Unit: u.Unit.Name, UnitID: u.Unit.ID, Level: u.Unit.Level, Threshold: u.Threshold, Pass: u.Pass, NA: u.NA, Status: u.Status(),
		Residents: u.Residents, Covered: u.Covered, Land: math.Round(u.Land), LandCovered: math.Round(u.LandCovered),
		Numerator: math.Round(u.Numerator*100) / 100, Denominator: math.Round(u.Denominator*100) / 100, Failing: u.Failing.IDs(a)}
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
	return uj
}

// jsonIndent is the report's indentation, as json.Encoder.SetIndent("", jsonIndent).
const jsonIndent = "  "

// WriteJSON writes NewJSON(a, l) indented as a json.Encoder with
// SetIndent("", "  ") does, byte for byte, without holding the report in
// memory: a metro's failing parcels make it hundreds of megabytes. Each
// part is marshalled by encoding/json at its depth; only the failing
// parcels (integers) are written here one at a time.
func WriteJSON(w io.Writer, a *coverage.Audit, l i18n.Lang) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head := jsonHead(a, l)
	b, err := json.MarshalIndent(head, "", jsonIndent)
	if err != nil {
		return err
	}
	// The head's results are null: the results are written in their place.
	const hole = "\n" + jsonIndent + `"results": null`
	at := bytes.Index(b, []byte(hole))
	if at < 0 || len(a.Results) == 0 {
		if at < 0 {
			return fmt.Errorf("report: no results key in the JSON head")
		}
		bw.Write(b)
		bw.WriteByte('\n')
		return bw.Flush()
	}
	bw.Write(b[:at+len(hole)-len("null")])
	p1, p2 := strings.Repeat(jsonIndent, 1), strings.Repeat(jsonIndent, 2)
	bw.WriteString("[")
	for i, r := range a.Results {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n" + p2)
		if err := writeResultJSON(bw, a, r, l, 2); err != nil {
			return err
		}
	}
	bw.WriteString("\n" + p1 + "]")
	bw.Write(b[at+len(hole):])
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeResultJSON writes one rule's result at depth (levels of indentation).
func writeResultJSON(bw *bufio.Writer, a *coverage.Audit, r *coverage.Result, l i18n.Lang, depth int) error {
	in := strings.Repeat(jsonIndent, depth)
	b, err := json.MarshalIndent(resultJSON(r, l), in, jsonIndent)
	if err != nil {
		return err
	}
	// Units is the last field, null in this marshalling.
	const tail = `"units": null`
	end := []byte("\n" + in + "}")
	if !bytes.HasSuffix(b, end) || !bytes.HasSuffix(b[:len(b)-len(end)], []byte(tail)) {
		return fmt.Errorf("report: units are not the last field of a result")
	}
	if len(r.Units) == 0 {
		_, err := bw.Write(b)
		return err
	}
	bw.Write(b[:len(b)-len(end)-len("null")])
	bw.WriteString("[")
	for i, u := range r.Units {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n" + in + jsonIndent + jsonIndent)
		if err := writeUnitJSON(bw, unitJSON(a, r, u), depth+2); err != nil {
			return err
		}
	}
	bw.WriteString("\n" + in + jsonIndent + "]")
	_, err = bw.Write(end)
	return err
}

// writeUnitJSON writes one unit's figures at depth, its failing parcels
// one by one.
func writeUnitJSON(bw *bufio.Writer, uj UnitJSON, depth int) error {
	failing, gaps := uj.Failing, uj.Gaps
	uj.Failing, uj.Gaps = nil, nil // the last two fields, omitted when empty
	in := strings.Repeat(jsonIndent, depth)
	b, err := json.MarshalIndent(uj, in, jsonIndent)
	if err != nil {
		return err
	}
	end := []byte("\n" + in + "}")
	if !bytes.HasSuffix(b, end) {
		return fmt.Errorf("report: a unit's JSON does not end in }")
	}
	bw.Write(b[:len(b)-len(end)])
	field := "\n" + in + jsonIndent
	if len(failing) > 0 {
		bw.WriteString("," + field + `"failing_parcels": [`)
		var num []byte
		for i, id := range failing {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(field + jsonIndent)
			num = strconv.AppendInt(num[:0], id, 10)
			bw.Write(num)
		}
		bw.WriteString(field + "]")
	}
	if len(gaps) > 0 {
		g, err := json.MarshalIndent(gaps, in+jsonIndent, jsonIndent)
		if err != nil {
			return err
		}
		bw.WriteString("," + field + `"gaps": `)
		bw.Write(g)
	}
	_, err = bw.Write(end)
	return err
}

// GeoJSON returns the evidence as features: each unit with its verdict
// per rule, each failing parcel per rule (with its distance where the rule
// measures one) and each corridor gap.
func GeoJSON(a *coverage.Audit) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
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
		for _, i := range city.Failing {
			p := a.Parcels[i]
			id := p.ID
			f := geojson.NewFeature(p.Geom)
			f.ID = id
			f.Properties = geojson.Properties{"kind": "failing_parcel", "rule": r.Rule.ID, "name": a.ParcelName(p), "population": p.Population}
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
