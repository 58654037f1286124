// Package report writes a coverage audit for people and programs: a table,
// JSON, CSV, GeoJSON evidence and a self-contained HTML page with a map.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
)

// Formats an audit can be written in.
var Formats = []string{"table", "json", "csv", "geojson", "html"}

// Write writes the audit in a format of Formats.
func Write(w io.Writer, a *coverage.Audit, format string) error {
	switch format {
	case "table", "":
		return WriteTable(w, a)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(NewJSON(a))
	case "csv":
		return WriteCSV(w, a)
	case "geojson":
		b, err := json.Marshal(GeoJSON(a))
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "html":
		return WriteHTML(w, a)
	}
	return fmt.Errorf("audit format %q: want table, json, csv, geojson or html", format)
}

// sourcesText is a coverage.PopSources for people.
func sourcesText(s coverage.PopSources) string {
	return fmt.Sprintf("residents given %d (%d parcels), estimated by building %d (%d), by area %d (%d)",
		s.Given, s.GivenParcels, s.Building, s.BuildingParcels, s.Area, s.AreaParcels)
}

// format renders a value for people.
func format(r *coverage.Rule, u *coverage.UnitResult) string {
	if u.NA {
		return "n/a"
	}
	if math.IsInf(u.Value, 1) {
		return "∞ (no target)"
	}
	switch r.Type {
	case coverage.WalkAccess, coverage.RadiusCoverage, coverage.AreaRatio, coverage.Corridor:
		return fmt.Sprintf("%.1f%%", u.Value*100)
	case coverage.PerCapita:
		return fmt.Sprintf("%.2f m²", u.Value)
	}
	return fmt.Sprintf("%.0f", u.Value)
}

func threshold(r *coverage.Rule) string {
	switch r.Type {
	case coverage.WalkAccess, coverage.RadiusCoverage, coverage.Corridor:
		return fmt.Sprintf("≥ %.0f%%", r.Pass*100)
	case coverage.AreaRatio:
		return fmt.Sprintf("≥ %.0f%%", r.Min*100)
	case coverage.PerCapita:
		return fmt.Sprintf("> %g m²", r.Min)
	case coverage.ResidentsPerTarget:
		return fmt.Sprintf("≤ %g", r.Max)
	}
	return ""
}

func verdict(u *coverage.UnitResult) string {
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
func WriteTable(w io.Writer, a *coverage.Audit) error {
	var residents int64
	for _, p := range a.Parcels {
		residents += p.Population
	}
	fmt.Fprintf(w, "coverage audit — rules %s, distances by %s, %d parcels, %d residents\n", a.Rules.Name, map[string]string{coverage.Walk: "walking", coverage.Straight: "straight line"}[a.Mode], len(a.Parcels), residents)
	fmt.Fprintln(w, sourcesText(a.Sources))
	if a.Network != "" {
		fmt.Fprintf(w, "walking network: %s\n", a.Network)
	}
	fmt.Fprintf(w, "units: %s\n", a.UnitsNote())
	for _, r := range a.Results {
		fmt.Fprintf(w, "\n%s — %s\n  %s, pass %s", r.Rule.ID, r.Rule.Title.In(i18n.EN), coverage.Measure(r.Rule.Type), threshold(r.Rule))
		if r.Rule.Source != "" {
			fmt.Fprintf(w, "; source: %s", r.Rule.Source)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		// The unit's name comes last: tabwriter counts runes, and Chinese
		// names are two columns wide each.
		head := "  level\tvalue\tverdict\tresidents\tcovered\t"
		if r.Rule.Type == coverage.WalkAccess {
			head += "straight line\t"
		}
		if r.Rule.Type == coverage.Corridor {
			head += "gaps\t"
		}
		fmt.Fprintln(tw, head+"unit")
		for _, u := range r.Units {
			row := fmt.Sprintf("  %s\t%s\t%s\t%d\t%d\t", u.Unit.Level, format(r.Rule, u), verdict(u), u.Residents, u.Covered)
			if r.Rule.Type == coverage.WalkAccess {
				row += fmt.Sprintf("%.1f%%\t", u.Straight*100)
			}
			if r.Rule.Type == coverage.Corridor {
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
func WriteCSV(w io.Writer, a *coverage.Audit) error {
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
			if r.Rule.Type == coverage.WalkAccess {
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
