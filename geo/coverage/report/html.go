package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb"
)

// WriteHTML writes a self-contained report in l: a map (inline SVG, no
// external requests, so it opens offline and prints) of the parcels
// coloured by their distance under the first walk_access rule, the units
// and the corridor gaps, then a table per rule. Names from the data are
// marked translate="no".
func WriteHTML(w io.Writer, a *coverage.Audit, l i18n.Lang) error {
	return reportTemplate.Execute(w, newHTMLData(a, Options{Lang: l}.words()))
}

type htmlData struct {
	words
	Lang        i18n.Lang
	A           *coverage.Audit
	Rules       []htmlRule
	Summary     string
	Sources     string
	Generated   string
	Network     string
	Units       string
	Map         template.HTML
	MapRule     string
	Legend      []legendItem
	Attribution string
}

// T is a word of the catalogue, for the template; a key it lacks is an
// error, so no report goes out with a hole in it.
func (d htmlData) T(key string, args ...any) (string, error) {
	if !messages.Has(key) {
		return "", fmt.Errorf("report: no message %q", key)
	}
	return d.t(key, args...), nil
}

type legendItem struct{ Colour, Label string }

type htmlRule struct {
	ID, Title, Description, Line, Source string
	Walk, Corridor                       bool
	Rows                                 []htmlRow
}

type htmlRow struct {
	Unit, Level, Value, Verdict, Straight, Status, StatusText string
	Residents, Covered                                        string
	Pass, NA, Walk, Corridor                                  bool
	Named                                                     bool // Unit is a name from the data
	Gaps                                                      int
}

func newHTMLData(a *coverage.Audit, w words) htmlData {
	d := htmlData{words: w, Lang: w.lang, A: a, Attribution: a.Attribution, Sources: w.sources(a.Sources), Generated: w.t("generated", w.date(a.Generated)),
		Units: w.t("units", w.unitsNote(a))}
	sep := " · "
	d.Summary = w.t("rules", w.rulesName(a.Rules.Name)) + sep + w.mode(a) + sep + w.t("parcels", group(int64(len(a.Parcels))), group(residents(a)))
	if a.Network != "" {
		d.Network = w.t("network", w.network(a.Network))
	}
	for _, r := range a.Results {
		hr := htmlRule{ID: r.Rule.ID, Title: r.Rule.Title.In(w.lang), Description: r.Rule.Description.In(w.lang), Line: w.t("rule.line", Measure(r.Rule.Type, w.lang), w.threshold(r.Rule)),
			Walk: r.Rule.Type == coverage.WalkAccess, Corridor: r.Rule.Type == coverage.Corridor}
		hr.Source = r.Rule.Source.In(w.lang)
		for _, u := range r.Units {
			row := htmlRow{Unit: w.unit(u.Unit), Level: w.level(u.Unit.Level), Value: w.value(r.Rule, u), Verdict: w.verdict(u), Status: u.Status(), StatusText: w.status(u),
				Pass: u.Pass, NA: u.NA, Residents: group(u.Residents), Covered: group(u.Covered), Gaps: len(u.Gaps), Walk: hr.Walk, Corridor: hr.Corridor, Named: u.Unit.Level != "city"}
			if hr.Walk {
				row.Straight = w.t("value.percent", decimal(u.Straight*100, 1))
			}
			hr.Rows = append(hr.Rows, row)
		}
		d.Rules = append(d.Rules, hr)
	}
	d.Map, d.MapRule, d.Legend = svgMap(a, w)
	return d
}

// svgMap draws the report's map in Web Mercator, fitted to 960 px wide.
func svgMap(a *coverage.Audit, w words) (template.HTML, string, []legendItem) {
	b := bound(a)
	if b.IsEmpty() && len(a.Parcels) == 0 {
		return "", "", nil
	}
	pj := fit(b)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, mapWidth, pj.height, template.HTMLEscapeString(w.t("map.label")))
	sb.WriteString(`<rect width="100%" height="100%" fill="#f7f6f2"/>`)
	colour, title, legend := distanceColours(a, w)
	for _, p := range a.Parcels {
		fmt.Fprintf(&sb, `<path d="%s" fill="%s" fill-opacity="0.85" stroke="none"><title>%s</title></path>`, pj.path(p.Geom), colour(p.ID), template.HTMLEscapeString(a.ParcelName(p)))
	}
	for _, u := range a.Units[1:] {
		w := map[string]string{"district": "2.5", "subdistrict": "1.5", "community": "1", coverage.Grid: "1"}[u.Level]
		fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#444" stroke-width="%s" stroke-dasharray="4 3"><title>%s</title></path>`, pj.path(u.Geom), w, template.HTMLEscapeString(u.Name))
	}
	gaps := 0
	for _, r := range a.Results {
		for _, g := range r.Units[0].Gaps {
			gaps++
			fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#7b3294" stroke-width="5" stroke-linecap="round"><title>%s</title></path>`, pj.path(g.Geom), template.HTMLEscapeString(w.t("gap", decimal(g.Length, 0), w.t("side."+g.Side))))
		}
	}
	if gaps > 0 {
		legend = append(legend, legendItem{"#7b3294", w.t("legend.gap")})
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()), title, legend
}

// mapWidth is the map's width in pixels.
const mapWidth = 960.0

// projection puts lon/lat in Web Mercator, scaled and shifted to the map's
// pixels.
type projection struct {
	x0, y0, scale, height float64
}

// fit is the projection of b onto mapWidth pixels, the height between 200
// and 900 pixels (the scale reduced when b is taller than that).
func fit(b orb.Bound) projection {
	x0, y1 := mercator(b.Min)
	x1, y0 := mercator(b.Max)
	scale := mapWidth / math.Max(x1-x0, 1e-12)
	height := math.Max(200, math.Min(900, (y1-y0)*scale))
	if (y1-y0)*scale > height {
		scale = height / (y1 - y0)
	}
	return projection{x0: x0, y0: y0, scale: scale, height: height}
}

func mercator(p orb.Point) (float64, float64) {
	lat := math.Max(-85, math.Min(85, p[1])) * math.Pi / 180
	return p[0] * math.Pi / 180, -math.Log(math.Tan(math.Pi/4 + lat/2))
}

func (pj projection) pt(p orb.Point) string {
	x, y := mercator(p)
	return fmt.Sprintf("%.1f,%.1f", (x-pj.x0)*pj.scale, (y-pj.y0)*pj.scale)
}

// path is an SVG path's data for the polygons and lines of g.
func (pj projection) path(g orb.Geometry) string {
	var sb strings.Builder
	ring := func(r []orb.Point, close bool) {
		for i, p := range r {
			if i == 0 {
				sb.WriteString("M")
			} else {
				sb.WriteString("L")
			}
			sb.WriteString(pj.pt(p))
		}
		if close {
			sb.WriteString("Z")
		}
	}
	var walk func(orb.Geometry)
	walk = func(g orb.Geometry) {
		switch t := g.(type) {
		case orb.Polygon:
			for _, r := range t {
				ring(r, true)
			}
		case orb.MultiPolygon:
			for _, p := range t {
				walk(p)
			}
		case orb.LineString:
			ring(t, false)
		case orb.MultiLineString:
			for _, l := range t {
				ring(l, false)
			}
		}
	}
	walk(g)
	return sb.String()
}

// distanceColours colours parcels by their distance under the first
// walk_access rule (grey without one), with that rule's title and the
// legend.
func distanceColours(a *coverage.Audit, w words) (colour func(id int64) string, title string, legend []legendItem) {
	var rule *coverage.Result
	for _, r := range a.Results {
		if r.Rule.Type == coverage.WalkAccess {
			rule = r
			break
		}
	}
	if rule == nil {
		return func(id int64) string { return "#bbb" }, "", nil
	}
	m := rule.Rule.Meters
	legend = []legendItem{
		{"#1a9850", w.t("legend.near", decimal(m, 0))},
		{"#fdae61", w.t("legend.mid", decimal(m, 0), decimal(2*m, 0))},
		{"#d73027", w.t("legend.far", decimal(2*m, 0))},
	}
	colour = func(id int64) string {
		switch d := rule.Distance.Of(id); {
		case d <= m:
			return "#1a9850"
		case d <= 2*m:
			return "#fdae61"
		}
		return "#d73027"
	}
	return colour, rule.Rule.Title.In(w.lang), legend
}

// bound of everything the report draws.
func bound(a *coverage.Audit) orb.Bound {
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

// report.html is the page's template: the map and a table per rule.
//
//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))
