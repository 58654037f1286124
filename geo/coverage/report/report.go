// Package report writes a coverage audit for people and programs: a table,
// JSON, CSV, GeoJSON evidence and a self-contained HTML page with a map.
// Whatever a person reads is in Chinese (the default) or English.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
	"golang.org/x/text/width"
)

// Formats an audit can be written in.
var Formats = []string{"table", "json", "csv", "geojson", "html"}

// Options say how a report is written.
type Options struct {
	// Lang is the language of the words people read ("": i18n.Default).
	Lang i18n.Lang
	// NoBOM leaves out the UTF-8 byte-order mark a CSV starts with (without
	// it, Excel on Chinese Windows reads the names as the local code page).
	NoBOM bool
}

func (o Options) words() words {
	if o.Lang == "" {
		return words{i18n.Default}
	}
	return words{o.Lang}
}

// Write writes the audit in a format of Formats.
func Write(w io.Writer, a *coverage.Audit, format string, opt Options) error {
	switch format {
	case "table", "":
		return WriteTable(w, a, opt.Lang)
	case "json":
		return WriteJSON(w, a, opt.Lang)
	case "csv":
		return WriteCSV(w, a, opt)
	case "geojson":
		b, err := json.Marshal(GeoJSON(a))
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "html":
		return WriteHTML(w, a, opt.Lang)
	}
	return fmt.Errorf("audit format %q: want table, json, csv, geojson or html", format)
}

// Depends reports whether a format's words depend on the language (the
// GeoJSON evidence holds codes only).
func Depends(format string) bool { return format != "geojson" }

// value renders a unit's figure for people.
func (w words) value(r *coverage.Rule, u *coverage.UnitResult) string {
	if u.NA {
		return w.t("value.na")
	}
	if math.IsInf(u.Value, 1) {
		return w.t("value.noTarget")
	}
	switch r.Type {
	case coverage.WalkAccess, coverage.RadiusCoverage, coverage.AreaRatio, coverage.Corridor:
		return w.t("value.percent", decimal(u.Value*100, 1))
	case coverage.PerCapita:
		return w.t("value.perCapita", decimal(u.Value, 2))
	}
	return decimal(u.Value, 0)
}

// threshold is the rule's pass mark for people.
func (w words) threshold(r *coverage.Rule) string {
	switch r.Type {
	case coverage.WalkAccess, coverage.RadiusCoverage, coverage.Corridor:
		return w.t("threshold.share", decimal(r.Pass*100, 0))
	case coverage.AreaRatio:
		return w.t("threshold.share", decimal(r.Min*100, 0))
	case coverage.PerCapita:
		return w.t("threshold.min", short(r.Min))
	case coverage.ResidentsPerTarget:
		return w.t("threshold.max", short(r.Max))
	}
	return ""
}

func (w words) verdict(u *coverage.UnitResult) string {
	switch {
	case u.NA:
		return w.t("verdict.na")
	case u.Pass:
		return w.t("verdict.pass")
	}
	return w.t("verdict.fail")
}

// verdict is a unit's verdict as the GeoJSON evidence codes it.
func verdict(u *coverage.UnitResult) string {
	switch {
	case u.NA:
		return "—"
	case u.Pass:
		return "pass"
	}
	return "FAIL"
}

// summary is the audit's first lines: the rules, the mode, the parcels
// and residents and how their numbers were obtained.
func (w words) mode(a *coverage.Audit) string {
	if a.Mode == coverage.Walk {
		return w.t("mode.walk")
	}
	return w.t("mode.straight")
}

func residents(a *coverage.Audit) int64 {
	var n int64
	for _, p := range a.Parcels {
		n += p.Population
	}
	return n
}

// WriteTable writes a table per rule: unit, value, threshold, verdict and
// the residents covered, in l.
func WriteTable(out io.Writer, a *coverage.Audit, l i18n.Lang) error {
	w := Options{Lang: l}.words()
	var b strings.Builder
	sep := ", "
	if w.lang == i18n.ZH {
		sep = "，"
	}
	fmt.Fprintf(&b, "%s — %s%s%s%s%s\n", w.t("table.heading"), w.t("rules", w.rulesName(a.Rules.Name)), sep, w.mode(a), sep, w.t("parcels", group(int64(len(a.Parcels))), group(residents(a))))
	fmt.Fprintln(&b, w.sources(a.Sources))
	if a.Network != "" {
		fmt.Fprintln(&b, w.t("network", w.network(a.Network)))
	}
	fmt.Fprintln(&b, w.t("units", w.unitsNote(a)))
	for _, r := range a.Results {
		fmt.Fprintf(&b, "\n%s — %s\n  %s", r.Rule.ID, r.Rule.Title.In(w.lang), w.t("rule.line", Measure(r.Rule.Type, w.lang), w.threshold(r.Rule)))
		if src := r.Rule.Source.In(w.lang); src != "" {
			fmt.Fprintf(&b, "%s%s", sep, w.t("rule.source", src))
		}
		fmt.Fprintln(&b)
		head := []string{w.t("col.level"), w.t("col.value"), w.t("col.verdict"), w.t("col.residents"), w.t("col.covered")}
		if r.Rule.Type == coverage.WalkAccess {
			head = append(head, w.t("col.straight"))
		}
		if r.Rule.Type == coverage.Corridor {
			head = append(head, w.t("col.gaps"))
		}
		rows := [][]string{append(head, w.t("col.unit"))}
		for _, u := range r.Units {
			row := []string{w.level(u.Unit.Level), w.value(r.Rule, u), w.verdict(u), group(u.Residents), group(u.Covered)}
			if r.Rule.Type == coverage.WalkAccess {
				row = append(row, w.t("value.percent", decimal(u.Straight*100, 1)))
			}
			if r.Rule.Type == coverage.Corridor {
				row = append(row, strconv.Itoa(len(u.Gaps)))
			}
			rows = append(rows, append(row, w.unit(u.Unit)))
		}
		columns(&b, rows)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// columns writes rows as columns two spaces apart, each as wide as its
// widest cell on screen: a Chinese character takes two columns of a
// terminal (tabwriter counts it as one).
func columns(b *strings.Builder, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cells(c))
		}
	}
	for _, row := range rows {
		b.WriteString("  ")
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-cells(c)+2))
			}
		}
		b.WriteByte('\n')
	}
}

// cells is how many terminal columns s takes.
func cells(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// bom starts a CSV so that spreadsheet programs read it as UTF-8.
const bom = "\ufeff"

// cell makes a cell of text from the data (a unit's or rule's name) safe
// from spreadsheet formulas: one starting with = + - @ or a control
// character gets a leading '.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes one row per rule and unit, headed in the language, with a
// UTF-8 byte-order mark unless opt.NoBOM. Numbers are plain (no thousands
// separators) for programs; levels, verdicts and statuses are words of the
// language (English: the codes level, true/false, ok/not_applicable/no_target).
func WriteCSV(out io.Writer, a *coverage.Audit, opt Options) error {
	w := opt.words()
	if !opt.NoBOM {
		if _, err := io.WriteString(out, bom); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(out)
	head := make([]string, len(csvColumns))
	for i, k := range csvColumns {
		head[i] = w.t(k)
	}
	cw.Write(head)
	f := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	yes := func(b bool) string {
		if b {
			return w.t("yes")
		}
		return w.t("no")
	}
	for _, r := range a.Results {
		title := cell(r.Rule.Title.In(w.lang))
		for _, u := range r.Units {
			val, st := f(u.Value), ""
			if u.NA {
				val = ""
			}
			if r.Rule.Type == coverage.WalkAccess {
				st = f(u.Straight)
			}
			cw.Write([]string{r.Rule.ID, r.Rule.Type, cell(w.unit(u.Unit)), strconv.FormatInt(u.Unit.ID, 10), w.level(u.Unit.Level), val, f(u.Threshold), yes(u.Pass),
				strconv.FormatInt(u.Residents, 10), strconv.FormatInt(u.Covered, 10), f(math.Round(u.Land)), f(math.Round(u.LandCovered)), st, strconv.Itoa(len(u.Gaps)),
				w.status(u), strconv.FormatInt(u.Sources.Given, 10), strconv.FormatInt(u.Sources.Building, 10), strconv.FormatInt(u.Sources.Area, 10), title})
		}
	}
	cw.Flush()
	return cw.Error()
}
