package coverage

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Formats an audit can be written in.
var Formats = []string{"table", "json", "csv", "geojson", "html"}

// Write writes the audit in a format of Formats.
func (a *Audit) Write(w io.Writer, format string) error {
	switch format {
	case "table", "":
		return a.WriteTable(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(a.JSON())
	case "csv":
		return a.WriteCSV(w)
	case "geojson":
		b, err := json.Marshal(a.GeoJSON())
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "html":
		return a.WriteHTML(w)
	}
	return fmt.Errorf("audit format %q: want table, json, csv, geojson or html", format)
}

// ReportJSON is the audit as JSON.
type ReportJSON struct {
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

func sourcesJSON(s PopSources) SourcesJSON {
	return SourcesJSON{s.Given, s.Building, s.Area, s.GivenParcels, s.BuildingParcels, s.AreaParcels}
}

// sourcesText is a PopSources for people.
func sourcesText(s PopSources) string {
	return fmt.Sprintf("residents given %d (%d parcels), estimated by building %d (%d), by area %d (%d)",
		s.Given, s.GivenParcels, s.Building, s.BuildingParcels, s.Area, s.AreaParcels)
}

// ResultJSON is one rule's results.
type ResultJSON struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"`
	Type    string     `json:"type"`
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

// JSON returns the audit as JSON.
func (a *Audit) JSON() ReportJSON {
	out := ReportJSON{Rules: a.Rules.Name, Mode: a.Mode, Generated: a.Generated, Network: a.Network, Parcels: len(a.Parcels), ResidentsBySource: sourcesJSON(a.Sources),
		Units: "areas", GridSize: a.GridSize, UnitsNote: a.UnitsNote()}
	if a.GridSize > 0 {
		out.Units = Grid
	}
	for _, p := range a.Parcels {
		out.Residents += p.Population
	}
	for _, r := range a.Results {
		rj := ResultJSON{ID: r.Rule.ID, Title: r.Rule.Title.In(i18n.EN), Type: r.Rule.Type, Measure: Measure(r.Rule.Type), Source: r.Rule.Source}
		for _, u := range r.Units {
			uj := UnitJSON{Unit: u.Unit.Name, UnitID: u.Unit.ID, Level: u.Unit.Level, Threshold: u.Threshold, Pass: u.Pass, NA: u.NA, Status: u.Status(),
				Residents: u.Residents, Covered: u.Covered, Land: math.Round(u.Land), LandCovered: math.Round(u.LandCovered),
				Numerator: math.Round(u.Numerator*100) / 100, Denominator: math.Round(u.Denominator*100) / 100, Failing: u.Failing}
			if !u.NA {
				uj.Value = finite(u.Value)
			}
			if r.Rule.Type == WalkAccess && u.Residents > 0 {
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

// format renders a value for people.
func format(r *Rule, u *UnitResult) string {
	if u.NA {
		return "n/a"
	}
	if math.IsInf(u.Value, 1) {
		return "∞ (no target)"
	}
	switch r.Type {
	case WalkAccess, RadiusCoverage, AreaRatio, Corridor:
		return fmt.Sprintf("%.1f%%", u.Value*100)
	case PerCapita:
		return fmt.Sprintf("%.2f m²", u.Value)
	}
	return fmt.Sprintf("%.0f", u.Value)
}

func threshold(r *Rule) string {
	switch r.Type {
	case WalkAccess, RadiusCoverage, Corridor:
		return fmt.Sprintf("≥ %.0f%%", r.Pass*100)
	case AreaRatio:
		return fmt.Sprintf("≥ %.0f%%", r.Min*100)
	case PerCapita:
		return fmt.Sprintf("> %g m²", r.Min)
	case ResidentsPerTarget:
		return fmt.Sprintf("≤ %g", r.Max)
	}
	return ""
}

func verdict(u *UnitResult) string {
	switch {
	case u.NA:
		return "—"
	case u.Pass:
		return "pass"
	}
	return "FAIL"
}

// WriteTable writes a table per rule: unit, value, threshold, verdict and
// the residents covered.
func (a *Audit) WriteTable(w io.Writer) error {
	var residents int64
	for _, p := range a.Parcels {
		residents += p.Population
	}
	fmt.Fprintf(w, "coverage audit — rules %s, distances by %s, %d parcels, %d residents\n", a.Rules.Name, map[string]string{Walk: "walking", Straight: "straight line"}[a.Mode], len(a.Parcels), residents)
	fmt.Fprintln(w, sourcesText(a.Sources))
	if a.Network != "" {
		fmt.Fprintf(w, "walking network: %s\n", a.Network)
	}
	fmt.Fprintf(w, "units: %s\n", a.UnitsNote())
	for _, r := range a.Results {
		fmt.Fprintf(w, "\n%s — %s\n  %s, pass %s", r.Rule.ID, r.Rule.Title.In(i18n.EN), Measure(r.Rule.Type), threshold(r.Rule))
		if r.Rule.Source != "" {
			fmt.Fprintf(w, "; source: %s", r.Rule.Source)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		// The unit's name comes last: tabwriter counts runes, and Chinese
		// names are two columns wide each.
		head := "  level\tvalue\tverdict\tresidents\tcovered\t"
		if r.Rule.Type == WalkAccess {
			head += "straight line\t"
		}
		if r.Rule.Type == Corridor {
			head += "gaps\t"
		}
		fmt.Fprintln(tw, head+"unit")
		for _, u := range r.Units {
			row := fmt.Sprintf("  %s\t%s\t%s\t%d\t%d\t", u.Unit.Level, format(r.Rule, u), verdict(u), u.Residents, u.Covered)
			if r.Rule.Type == WalkAccess {
				row += fmt.Sprintf("%.1f%%\t", u.Straight*100)
			}
			if r.Rule.Type == Corridor {
				row += strconv.Itoa(len(u.Gaps)) + "\t"
			}
			fmt.Fprintln(tw, row+u.Unit.Name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV writes one row per rule and unit.
func (a *Audit) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rule", "type", "unit", "unit_id", "level", "value", "threshold", "pass", "residents", "residents_covered", "land_m2", "land_covered_m2", "straight_line_share", "gaps",
		"status", "residents_given", "residents_estimated_building", "residents_estimated_area"})
	f := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, r := range a.Results {
		for _, u := range r.Units {
			val, st := f(u.Value), ""
			if u.NA {
				val = ""
			}
			if r.Rule.Type == WalkAccess {
				st = f(u.Straight)
			}
			cw.Write([]string{r.Rule.ID, r.Rule.Type, u.Unit.Name, strconv.FormatInt(u.Unit.ID, 10), u.Unit.Level, val, f(u.Threshold), strconv.FormatBool(u.Pass),
				strconv.FormatInt(u.Residents, 10), strconv.FormatInt(u.Covered, 10), f(math.Round(u.Land)), f(math.Round(u.LandCovered)), st, strconv.Itoa(len(u.Gaps)),
				u.Status(), strconv.FormatInt(u.Sources.Given, 10), strconv.FormatInt(u.Sources.Building, 10), strconv.FormatInt(u.Sources.Area, 10)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// GeoJSON returns the evidence as features: each unit with its verdict
// per rule, each failing parcel per rule (with its distance where the rule
// measures one) and each corridor gap.
func (a *Audit) GeoJSON() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	parcels := map[int64]*Parcel{}
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
			if d, ok := r.Distance[id]; ok && !math.IsInf(d, 1) {
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

// bound of everything the report draws.
func (a *Audit) bound() orb.Bound {
	var b orb.Bound
	first := true
	ext := func(x orb.Bound) {
		if first {
			b, first = x, false
			return
		}
		b = b.Union(x)
	}
	for _, u := range a.Units[1:] {
		ext(u.Geom.Bound())
	}
	for _, p := range a.Parcels {
		ext(p.Geom.Bound())
	}
	return b
}
