package api

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/store"
)

// The monthly 百分制 assessment over HTTP (issue 19): GET /api/assessment
// scores the units on the stored cases (cases.AssessInput, assess), for
// auditor and admin in full; a unit's token gets its own unit's line and
// rank only.

// assessYears is how many years back from the clock a month or year may
// be asked for.
const assessYears = 20

// assessRoles may read the assessment.
var assessRoles = []string{store.RoleAuditor, store.RoleAdmin, store.RoleUnit}

// assessQuery is a request's reading of its parameters.
type assessQuery struct {
	month   assess.Month
	year    int // when not a month
	format  string
	table   string
	lang    i18n.Lang
	bom     bool
	items   bool
	clock   time.Time
	fromEnd [2]time.Time
}

// assessRole runs h for the callers who may read the assessment (before h
// queues any work): 401 without a token, 403 for other roles.
func assessRole(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		if _, e := assessCaller(w, r); e != nil {
			return e
		}
		return h(w, r)
	}
}

// assessCaller returns a unit token's unit ("" for auditor and admin, who
// see everything), or refuses the caller.
func assessCaller(w http.ResponseWriter, r *http.Request) (string, *appError) {
	c := callerOf(r)
	if slices.Contains(assessRoles, c.Role) {
		if c.Role == store.RoleUnit {
			if c.Unit == "" {
				return "", forbidden("this unit token names no unit; create one with greenreach token create --role unit --unit CODE")
			}
			return c.Unit, nil
		}
		return "", nil
	}
	what := r.Method + " " + r.URL.Path
	if !c.Bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
		return "", errUnauthorized(what + " needs a token of role auditor, admin or unit (Authorization: Bearer …)")
	}
	return "", forbidden(what + " needs role auditor, admin or unit (its own line); this token is " + c.Role)
}

// assessParams reads month=YYYY-MM or year=YYYY, format=json|csv|html,
// table=units|streets|items (csv), lang, bom=false (csv), items=true
// (json).
func (s *Server) assessParams(w http.ResponseWriter, r *http.Request) (*assessQuery, *appError) {
	q := queryOf(r)
	if e := onlyParams(q, "month", "year", "format", "table", "lang", "bom", "items"); e != nil {
		return nil, e
	}
	a := &assessQuery{clock: s.cases.Clock(), bom: true}
	now := assess.MonthOf(a.clock)
	oldest := assess.Month{Year: now.Year - assessYears, Month: time.January}
	switch m, y := q.Get("month"), q.Get("year"); {
	case m != "" && y != "":
		return nil, errBadRequest("month=%q and year=%q: ask for one", m, y)
	case m != "":
		month, err := assess.ParseMonth(m)
		if err != nil {
			return nil, errBadRequest("%v", err)
		}
		if month.Before(oldest) || now.Before(month) {
			return nil, errBadRequest("month=%s: want a month from %s to %s (%d years back from the clock, none yet to begin)", month, oldest, now, assessYears)
		}
		a.month = month
		a.fromEnd = [2]time.Time{month.Add(-1).Start(), month.End()}
	case y != "":
		year, err := strconv.Atoi(y)
		if err != nil || year < oldest.Year || year > now.Year {
			return nil, errBadRequest("year=%q: want a year from %d to %d (%d years back from the clock)", y, oldest.Year, now.Year, assessYears)
		}
		a.year = year
		a.fromEnd = [2]time.Time{assess.Month{Year: year, Month: time.January}.Start(), assess.Month{Year: year, Month: time.December}.End()}
	default:
		return nil, errBadRequest("month=YYYY-MM or year=YYYY is required")
	}
	a.format = q.Get("format")
	switch a.format {
	case "":
		a.format = "json"
	case "json", "csv", "html":
	default:
		return nil, errBadRequest("format=%q: want json, csv or html", a.format)
	}
	a.table = q.Get("table")
	switch {
	case a.table == "":
		a.table = assess.TableUnits
	case a.format != "csv":
		return nil, errBadRequest("table=%q goes with format=csv", a.table)
	case a.table == assess.TableItems && a.year != 0:
		return nil, errBadRequest("table=items: a year has units and streets only")
	case a.table != assess.TableUnits && a.table != assess.TableStreets && a.table != assess.TableItems:
		return nil, errBadRequest("table=%q: want units, streets or items", a.table)
	}
	switch v := q.Get("bom"); v {
	case "", "true":
	case "false":
		a.bom = false
	default:
		return nil, errBadRequest("bom=%q: want true or false", v)
	}
	switch v := q.Get("items"); v {
	case "", "false":
	case "true":
		a.items = true
	default:
		return nil, errBadRequest("items=%q: want true or false", v)
	}
	l, e := web.Lang(w, r)
	if e != nil {
		return nil, e
	}
	a.lang = l
	return a, nil
}

// assessRules are the service's assessment rules.
func (s *Server) assessRules() *assess.Rules {
	if s.cfg.AssessRules != nil {
		return s.cfg.AssessRules
	}
	return assess.Default()
}

// zoneStreets lists the zones of the served zones layer with their units
// and streets.
func (s *Server) zoneStreets() []cases.ZoneStreet {
	l := s.index.Snapshot().Layer(geo.Zones)
	if l == nil {
		return nil
	}
	out := make([]cases.ZoneStreet, 0, l.Len())
	l.Scan(func(f *geo.Feature) bool {
		z := zones.Of(f)
		out = append(out, cases.ZoneStreet{Code: z.Code, Unit: z.Unit, Street: z.Street})
		return true
	})
	return out
}

// handleAssessment: GET /api/assessment — a month's or a year's
// assessment as JSON, CSV (with a BOM unless bom=false) or a small HTML
// page, in Chinese unless asked otherwise.
func (s *Server) handleAssessment(w http.ResponseWriter, r *http.Request) *appError {
	unit, e := assessCaller(w, r)
	if e != nil {
		return e
	}
	a, e := s.assessParams(w, r)
	if e != nil {
		return e
	}
	ctx := r.Context()
	units, err := s.store.ListUnits(ctx)
	if err != nil {
		return storeError(err)
	}
	rules := s.assessRules()
	in, err := cases.AssessInput(ctx, s.store, units, s.zoneStreets(), s.cases.Catalog, rules, a.fromEnd[0], a.fromEnd[1])
	if errors.Is(err, cases.ErrAssessTooLarge) {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Too many cases", Detail: err.Error()}
	}
	if err != nil {
		return storeError(err)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	if a.year != 0 {
		rep, err := rules.Year(ctx, in, a.year, a.clock)
		if err != nil {
			return assessError(err)
		}
		if unit != "" {
			rep.Units = slices.DeleteFunc(rep.Units, func(u assess.YearUnit) bool { return u.Unit != unit })
			rep.Streets = nil
		}
		return writeAssessment(w, a, nil, rep)
	}
	rep, err := rules.Month(ctx, in, a.month, a.clock)
	if err != nil {
		return assessError(err)
	}
	if unit != "" {
		rep.Units = slices.DeleteFunc(rep.Units, func(u assess.UnitScore) bool { return u.Unit != unit })
		rep.Streets = nil
	}
	return writeAssessment(w, a, rep, nil)
}

// assessError: input the store holds that the rules refuse is the data's
// fault, not the request's.
func assessError(err error) *appError {
	if errors.Is(err, assess.ErrInput) {
		return &appError{Status: http.StatusConflict, Title: "Cases do not fit the assessment rules", Detail: err.Error()}
	}
	return errInternal(err)
}

func writeAssessment(w http.ResponseWriter, a *assessQuery, m *assess.MonthReport, y *assess.YearReport) *appError {
	name := ""
	if m != nil {
		name = "assessment-" + m.Month.String()
	} else {
		name = "assessment-" + strconv.Itoa(y.Year)
	}
	switch a.format {
	case "csv":
		var buf bytes.Buffer
		lang := "zh"
		if a.lang == i18n.EN {
			lang = "en"
		}
		var err error
		if m != nil {
			err = m.WriteCSV(&buf, a.table, lang)
		} else {
			err = y.WriteCSV(&buf, a.table, lang)
		}
		if err != nil {
			return errInternal(err)
		}
		out := buf.Bytes()
		if !a.bom {
			out = bytes.TrimPrefix(out, []byte("\ufeff"))
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, a.table))
		_, _ = w.Write(out)
		return nil
	case "html":
		var buf bytes.Buffer
		if err := assessHTML(&buf, a.lang, m, y); err != nil {
			return errInternal(err)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.html"`, name))
		_, _ = w.Write(buf.Bytes())
		return nil
	}
	if m != nil {
		return writeJSON(w, http.StatusOK, m.JSON(a.items))
	}
	return writeJSON(w, http.StatusOK, y.JSON())
}

// assessWords are the HTML export's words.
var assessWords = i18n.Catalog{
	"title.month":  {ZH: "%s 月度考核（百分制）", EN: "Monthly assessment %s (out of 100)"},
	"title.year":   {ZH: "%d 年度考核", EN: "Annual assessment %d"},
	"units":        {ZH: "责任单位排名", EN: "Units"},
	"streets":      {ZH: "街道排名", EN: "Streets"},
	"rank":         {ZH: "排名", EN: "Rank"},
	"unit":         {ZH: "单位", EN: "Unit"},
	"street":       {ZH: "街道", EN: "Street"},
	"score":        {ZH: "得分", EN: "Score"},
	"change":       {ZH: "环比", EN: "Change"},
	"deducted":     {ZH: "扣分", EN: "Deducted"},
	"cases":        {ZH: "案件数", EN: "Cases"},
	"overdue":      {ZH: "超期", EN: "Overdue"},
	"reopened":     {ZH: "返工", EN: "Re-opened"},
	"units.n":      {ZH: "单位数", EN: "Units"},
	"months":       {ZH: "考核月数", EN: "Months"},
	"rules":        {ZH: "规则：%s；计算时间：%s", EN: "Rules: %s; computed at %s"},
	"incomplete":   {ZH: "本月尚未结束，得分为截至计算时间的结果。", EN: "The month has not ended: scores are as of the time computed."},
	"street.none":  {ZH: "（无）", EN: "(none)"},
	"change.first": {ZH: "—", EN: "—"},
}

var assessTmpl = template.Must(template.New("a").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #999;padding:.2em .6em}td.n{text-align:right}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Rules}}</p>{{if .Incomplete}}<p>{{.Incomplete}}</p>{{end}}
{{range .Tables}}<h2>{{.Caption}}</h2><table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if $c.Num}} class="n"{{end}}>{{$c.Text}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}</body></html>
`))

type htmlCell struct {
	Text string
	Num  bool
}

type htmlTable struct {
	Caption string
	Head    []string
	Rows    [][]htmlCell
}

// assessHTML writes a month or a year as a small printable page.
func assessHTML(w io.Writer, l i18n.Lang, m *assess.MonthReport, y *assess.YearReport) error {
	t := func(k string, a ...any) string { return assessWords.T(l, k, a...) }
	num := func(s string) htmlCell { return htmlCell{s, true} }
	txt := func(s string) htmlCell { return htmlCell{Text: s} }
	opt := func(p *assess.Points) htmlCell {
		if p == nil {
			return num(t("change.first"))
		}
		s := p.String()
		if *p > 0 {
			s = "+" + s
		}
		return num(s)
	}
	unitName := func(id, name string) string {
		if name == "" {
			return id
		}
		return name + "（" + id + "）"
	}
	page := struct {
		Lang, Title, Rules, Incomplete string
		Tables                         []htmlTable
	}{Lang: string(l)}
	if m != nil {
		page.Title = t("title.month", m.Month.String())
		page.Rules = t("rules", m.Rules, m.Clock.In(assess.Zone).Format("2006-01-02 15:04"))
		if !m.Complete {
			page.Incomplete = t("incomplete")
		}
		ut := htmlTable{Caption: t("units"), Head: []string{t("rank"), t("unit"), t("street"), t("score"), t("change"), t("deducted"), t("cases"), t("overdue"), t("reopened")}}
		for _, u := range m.Units {
			ut.Rows = append(ut.Rows, []htmlCell{num(strconv.Itoa(u.Rank)), txt(unitName(u.Unit, u.Name)), txt(u.Street), num(u.Score.String()), opt(u.Change),
				num(u.Deducted.String()), num(strconv.Itoa(u.Cases)), num(strconv.Itoa(u.Overdue)), num(strconv.Itoa(u.Reopened))})
		}
		page.Tables = append(page.Tables, ut)
		if len(m.Streets) > 0 {
			st := htmlTable{Caption: t("streets"), Head: []string{t("rank"), t("street"), t("score"), t("change"), t("units.n"), t("cases")}}
			for _, s := range m.Streets {
				st.Rows = append(st.Rows, []htmlCell{num(strconv.Itoa(s.Rank)), txt(s.Street), num(s.Score.String()), opt(s.Change), num(strconv.Itoa(s.Units)), num(strconv.Itoa(s.Cases))})
			}
			page.Tables = append(page.Tables, st)
		}
	} else {
		page.Title = t("title.year", y.Year)
		page.Rules = t("rules", y.Rules, y.Clock.In(assess.Zone).Format("2006-01-02 15:04"))
		ut := htmlTable{Caption: t("units"), Head: []string{t("rank"), t("unit"), t("street"), t("score"), t("months")}}
		for _, u := range y.Units {
			ut.Rows = append(ut.Rows, []htmlCell{num(strconv.Itoa(u.Rank)), txt(unitName(u.Unit, u.Name)), txt(u.Street), num(u.Score.String()), num(strconv.Itoa(u.N))})
		}
		page.Tables = append(page.Tables, ut)
		if len(y.Streets) > 0 {
			st := htmlTable{Caption: t("streets"), Head: []string{t("rank"), t("street"), t("score"), t("months")}}
			for _, s := range y.Streets {
				st.Rows = append(st.Rows, []htmlCell{num(strconv.Itoa(s.Rank)), txt(s.Street), num(s.Score.String()), num(strconv.Itoa(s.N))})
			}
			page.Tables = append(page.Tables, st)
		}
	}
	return assessTmpl.Execute(w, page)
}
