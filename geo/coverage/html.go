package coverage

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb"
)

// WriteHTML writes a self-contained report: a map (inline SVG, no
// external requests, so it opens offline and prints) of the parcels
// coloured by their distance under the first walk_access rule, the units
// and the corridor gaps, then a table per rule.
func (a *Audit) WriteHTML(w io.Writer) error {
	return reportTemplate.Execute(w, a.htmlData())
}

type htmlData struct {
	A           *Audit
	Residents   int64
	Sources     string
	Map         template.HTML
	MapRule     string
	Legend      []legendItem
	Rules       []htmlRule
	Attribution string
}

type legendItem struct{ Colour, Label string }

type htmlRule struct {
	ID, Title, Measure, Threshold, Source string
	Walk, Corridor                        bool
	Rows                                  []htmlRow
}

type htmlRow struct {
	Unit, Level, Value, Verdict, Straight, Status string
	Pass, NA, Walk, Corridor                      bool
	Residents, Covered                            int64
	Gaps                                          int
}

func (a *Audit) htmlData() htmlData {
	d := htmlData{A: a, Attribution: a.Attribution, Sources: sourcesText(a.Sources)}
	for _, p := range a.Parcels {
		d.Residents += p.Population
	}
	for _, r := range a.Results {
		hr := htmlRule{ID: r.Rule.ID, Title: r.Rule.Title.In(i18n.EN), Measure: Measure(r.Rule.Type), Threshold: threshold(r.Rule), Source: r.Rule.Source, Walk: r.Rule.Type == WalkAccess, Corridor: r.Rule.Type == Corridor}
		for _, u := range r.Units {
			row := htmlRow{Unit: u.Unit.Name, Level: u.Unit.Level, Value: format(r.Rule, u), Verdict: verdict(u), Status: u.Status(), Pass: u.Pass, NA: u.NA, Residents: u.Residents, Covered: u.Covered, Gaps: len(u.Gaps), Walk: hr.Walk, Corridor: hr.Corridor}
			if hr.Walk {
				row.Straight = fmt.Sprintf("%.1f%%", u.Straight*100)
			}
			hr.Rows = append(hr.Rows, row)
		}
		d.Rules = append(d.Rules, hr)
	}
	d.Map, d.MapRule, d.Legend = a.svgMap()
	return d
}

// svgMap draws the report's map in Web Mercator, fitted to 960 px wide.
func (a *Audit) svgMap() (template.HTML, string, []legendItem) {
	b := a.bound()
	if b.IsEmpty() && len(a.Parcels) == 0 {
		return "", "", nil
	}
	merc := func(p orb.Point) (float64, float64) {
		lat := math.Max(-85, math.Min(85, p[1])) * math.Pi / 180
		return p[0] * math.Pi / 180, -math.Log(math.Tan(math.Pi/4 + lat/2))
	}
	x0, y1 := merc(b.Min)
	x1, y0 := merc(b.Max)
	const width = 960.0
	scale := width / math.Max(x1-x0, 1e-12)
	height := math.Max(200, math.Min(900, (y1-y0)*scale))
	if (y1-y0)*scale > height {
		scale = height / (y1 - y0)
	}
	pt := func(p orb.Point) string {
		x, y := merc(p)
		return fmt.Sprintf("%.1f,%.1f", (x-x0)*scale, (y-y0)*scale)
	}
	path := func(g orb.Geometry) string {
		var sb strings.Builder
		ring := func(r []orb.Point, close bool) {
			for i, p := range r {
				if i == 0 {
					sb.WriteString("M")
				} else {
					sb.WriteString("L")
				}
				sb.WriteString(pt(p))
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
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" role="img" aria-label="coverage map">`, width, height)
	sb.WriteString(`<rect width="100%" height="100%" fill="#f7f6f2"/>`)
	var rule *Result
	for _, r := range a.Results {
		if r.Rule.Type == WalkAccess {
			rule = r
			break
		}
	}
	var legend []legendItem
	colour := func(id int64) string { return "#bbb" }
	title := ""
	if rule != nil {
		m := rule.Rule.Meters
		title = rule.Rule.Title.In(i18n.EN)
		legend = []legendItem{
			{"#1a9850", fmt.Sprintf("≤ %.0f m", m)},
			{"#fdae61", fmt.Sprintf("%.0f–%.0f m", m, 2*m)},
			{"#d73027", fmt.Sprintf("> %.0f m or unreachable", 2*m)},
		}
		colour = func(id int64) string {
			switch d := rule.Distance[id]; {
			case d <= m:
				return "#1a9850"
			case d <= 2*m:
				return "#fdae61"
			}
			return "#d73027"
		}
	}
	for _, p := range a.Parcels {
		fmt.Fprintf(&sb, `<path d="%s" fill="%s" fill-opacity="0.85" stroke="none"><title>%s</title></path>`, path(p.Geom), colour(p.ID), template.HTMLEscapeString(p.Name))
	}
	for _, u := range a.Units[1:] {
		w := map[string]string{"district": "2.5", "subdistrict": "1.5", "community": "1", Grid: "1"}[u.Level]
		fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#444" stroke-width="%s" stroke-dasharray="4 3"><title>%s</title></path>`, path(u.Geom), w, template.HTMLEscapeString(u.Name))
	}
	gaps := 0
	for _, r := range a.Results {
		for _, g := range r.Units[0].Gaps {
			gaps++
			fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#7b3294" stroke-width="5" stroke-linecap="round"><title>gap %.0f m (%s side)</title></path>`, path(g.Geom), g.Length, g.Side)
		}
	}
	if gaps > 0 {
		legend = append(legend, legendItem{"#7b3294", "green corridor gap"})
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()), title, legend
}

var reportTemplate = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>greenreach coverage audit</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0} h2{font-size:1.1rem;margin:1.6rem 0 .3rem}
.meta{color:#555} figure{margin:1rem 0} svg{width:100%;height:auto;border:1px solid #ddd}
.legend span{display:inline-block;margin-right:1rem} .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;width:100%;margin:.3rem 0} th,td{padding:.25rem .5rem;border-bottom:1px solid #e3e3e3;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
.pass{color:#1a7f37;font-weight:600} .fail{color:#c62828;font-weight:700} .na{color:#888}
.src{color:#666;font-size:.9em} footer{margin-top:2rem;color:#666;font-size:.85em}
</style></head><body>
<h1>Coverage audit</h1>
<p class="meta">Rules: {{.A.Rules.Name}} · distances by {{if eq .A.Mode "walk"}}walking the network{{else}}straight line{{end}} · {{len .A.Parcels}} parcels, {{.Residents}} residents ({{.Sources}}) · generated {{.A.Generated.Format "2006-01-02 15:04 UTC"}}{{if .A.Network}} · network: {{.A.Network}}{{end}}</p>
<p class="meta">Units: {{.A.UnitsNote}}</p>
{{if .Map}}<figure id="map">{{.Map}}
<figcaption class="legend">{{if .MapRule}}Parcels by distance — {{.MapRule}}: {{end}}{{range .Legend}}<span><i style="background:{{.Colour}}"></i>{{.Label}}</span>{{end}}<span>dashed: districts and communities</span></figcaption></figure>{{end}}
{{range .Rules}}<section class="rule" id="{{.ID}}">
<h2>{{.Title}}</h2>
<p class="src">{{.ID}} · {{.Measure}}, pass {{.Threshold}}{{if .Source}} · source: {{.Source}}{{end}}</p>
<table><thead><tr><th>unit</th><th>level</th><th>value</th><th>verdict</th><th>residents</th><th>covered</th>{{if .Walk}}<th>straight line</th>{{end}}{{if .Corridor}}<th>gaps</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr><td>{{.Unit}}</td><td>{{.Level}}</td><td>{{.Value}}</td><td class="{{if .NA}}na{{else if .Pass}}pass{{else}}fail{{end}}" data-status="{{.Status}}">{{.Verdict}}</td><td>{{.Residents}}</td><td>{{.Covered}}</td>{{if .Walk}}<td>{{.Straight}}</td>{{end}}{{if .Corridor}}<td>{{.Gaps}}</td>{{end}}</tr>
{{end}}</tbody></table></section>
{{end}}
<footer>greenreach coverage audit.{{if .Attribution}} Data {{.Attribution}}.{{end}}</footer>
</body></html>
`))
