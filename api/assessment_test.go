package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/demotown/month"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/live/livetest"
	"github.com/greenreach/greenreach/store"
)

// The demo month: November 2026 in Beijing, assessed on 6 December.
var (
	assessEnd   = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC) // 1 December 00:00 in Beijing
	assessClock = time.Date(2026, 12, 6, 10, 0, 0, 0, assess.Zone)
)

// assessEnv is the small demo town with its units and a month of cases,
// served with tokens of role auditor, planner and of two units.
type assessEnv struct {
	t   *testing.T
	h   http.Handler
	st  store.Store
	ix  *live.Index
	tok map[string]string
}

// demoMonth is the small demo town with its units and a month of cases
// ending at assessEnd.
func demoMonth(t *testing.T) (store.Store, *live.Index) {
	t.Helper()
	ctx := context.Background()
	st, ix := livetest.Demo(t, "small")
	us, err := demotown.Units(demotown.Options{Seed: 1, Size: "small"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUnits(ctx, us); err != nil {
		t.Fatal(err)
	}
	if _, err := month.Write(ctx, st, ix.Snapshot(), cases.Default(), month.Options{Seed: 1, End: assessEnd, PerDay: 5}); err != nil {
		t.Fatal(err)
	}
	return st, ix
}

func newAssessEnv(t *testing.T) *assessEnv {
	t.Helper()
	ctx := context.Background()
	st, ix := demoMonth(t)
	cfg := openConfig()
	cfg.Anonymous = store.RolePublic
	cfg.CaseClock = func() time.Time { return assessClock }
	s := New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := &assessEnv{t: t, h: s.Handler(), st: st, ix: ix, tok: map[string]string{}}
	for _, tk := range []store.Token{
		{Name: "audit", Role: store.RoleAuditor}, {Name: "plan", Role: store.RolePlanner},
		{Name: "u01", Role: store.RoleUnit, Unit: "U01"}, {Name: "u02", Role: store.RoleUnit, Unit: "U02"},
	} {
		secret, hash := store.NewToken()
		tk.Hash = hash
		if err := st.CreateToken(ctx, &tk); err != nil {
			t.Fatal(err)
		}
		e.tok[tk.Name] = secret
	}
	return e
}

func (e *assessEnv) get(path, as string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if as != "" {
		r.Header.Set("Authorization", "Bearer "+e.tok[as])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

func (e *assessEnv) ok(path, as string) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := e.get(path, as)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET %s as %q: %d %s", path, as, rec.Code, rec.Body)
	}
	return rec
}

// independentInput builds the assessment's input from the store and the
// zones layer by other means than the service's: every case (not only the
// month's), re-opens counted in each case's history, streets read from the
// zone features' attributes.
func (e *assessEnv) independentInput() *assess.Input {
	t := e.t
	ctx := context.Background()
	zoneStreet, unitZones := map[string]string{}, map[string]map[string]int{}
	e.ix.Snapshot().Layer(geo.Zones).Scan(func(f *geo.Feature) bool {
		code, unit, street := f.Value("code").(string), f.Value("unit").(string), f.Value("street").(string)
		zoneStreet[code] = street
		if unitZones[unit] == nil {
			unitZones[unit] = map[string]int{}
		}
		unitZones[unit][street]++
		return true
	})
	if len(zoneStreet) == 0 {
		t.Fatal("the demo town has no zones")
	}
	unitStreet := func(u string) string {
		best, n := cases.NoStreet, 0
		for s, k := range unitZones[u] {
			if k > n || k == n && s < best {
				best, n = s, k
			}
		}
		return best
	}
	us, err := e.st.ListUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := &assess.Input{}
	for _, u := range us {
		in.Units = append(in.Units, assess.Unit{ID: u.ID, Name: u.Name, Street: unitStreet(u.ID)})
	}
	cs, err := e.st.ListCases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 100 || len(cs) == store.MaxCaseList {
		t.Fatalf("%d cases in the demo month", len(cs))
	}
	cat := cases.Default()
	for _, c := range cs {
		evs, err := e.st.CaseEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		reopens := 0
		for _, ev := range evs {
			if ev.Action == cases.ActSendBack {
				reopens++
			}
		}
		rec := assess.Record{ID: fmt.Sprint(c.ID), Unit: c.Unit, Street: zoneStreet[c.Zone], Category: c.Category,
			Weight: cat.Category(c.Category).Weight, Reported: c.Reported, State: c.State, Reopens: reopens}
		if c.Deadline != nil {
			rec.Deadline = *c.Deadline
		} else {
			rec.Deadline = c.Reported
		}
		if c.Closed != nil {
			rec.Closed = *c.Closed
		}
		in.Cases = append(in.Cases, rec)
	}
	return in
}

// monthAnswer is the API's month as JSON, amounts as numbers.
type monthAnswer struct {
	Month    string `json:"month"`
	Complete bool   `json:"complete"`
	Units    []struct {
		Unit, Name, Street                string
		Rank                              int
		Score, Deducted                   float64
		Prev, Change                      *float64
		Cases, Overdue, Reopened, Carried int
		Items                             []struct {
			Case, Street string
			Total        float64
		}
	} `json:"units"`
	Streets []struct {
		Street       string
		Rank         int
		Score        float64
		Change       *float64
		Units, Cases int
	} `json:"streets"`
}

func optF(p *assess.Points) string {
	if p == nil {
		return "nil"
	}
	return p.String()
}

func optA(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%.1f", *p)
}

// TestAssessmentMonth: the API's November of the demo town is assess.Month
// run on records built independently from the store; the month has
// deductions, overdue and re-opened cases, so the comparison means
// something.
func TestAssessmentMonth(t *testing.T) {
	e := newAssessEnv(t)
	want, err := assess.Default().Month(context.Background(), e.independentInput(), assess.Month{Year: 2026, Month: time.November}, assessClock)
	if err != nil {
		t.Fatal(err)
	}
	rec := e.ok("/api/assessment?month=2026-11&items=true", "audit")
	var got monthAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Month != "2026-11" || !got.Complete || len(got.Units) != len(want.Units) || len(got.Streets) != len(want.Streets) {
		t.Fatalf("month %s complete %v, %d units and %d streets; want %d and %d", got.Month, got.Complete, len(got.Units), len(got.Streets), len(want.Units), len(want.Streets))
	}
	deducted, overdue, reopened, items := 0, 0, 0, 0
	for i, w := range want.Units {
		g := got.Units[i]
		gs := fmt.Sprintf("%s %s %s #%d %.1f −%.1f prev %s Δ %s cases %d overdue %d reopened %d items %d",
			g.Unit, g.Name, g.Street, g.Rank, g.Score, g.Deducted, optA(g.Prev), optA(g.Change), g.Cases, g.Overdue, g.Reopened, len(g.Items))
		ws := fmt.Sprintf("%s %s %s #%d %s −%s prev %s Δ %s cases %d overdue %d reopened %d items %d",
			w.Unit, w.Name, w.Street, w.Rank, w.Score, w.Deducted, optF(w.Prev), optF(w.Change), w.Cases, w.Overdue, w.Reopened, len(w.Items))
		if gs != ws {
			t.Errorf("unit %d:\n got %s\nwant %s", i+1, gs, ws)
		}
		for j, wi := range w.Items {
			if j < len(g.Items) && (g.Items[j].Case != wi.Case || g.Items[j].Street != wi.Street || fmt.Sprintf("%.1f", g.Items[j].Total) != wi.Total.String()) {
				t.Errorf("unit %s item %d: got %+v, want %s in %s −%s", w.Unit, j, g.Items[j], wi.Case, wi.Street, wi.Total)
			}
		}
		if w.Deducted > 0 {
			deducted++
		}
		overdue += w.Overdue
		reopened += w.Reopened
		items += len(w.Items)
	}
	for i, w := range want.Streets {
		g := got.Streets[i]
		gs := fmt.Sprintf("%s #%d %.1f Δ %s units %d cases %d", g.Street, g.Rank, g.Score, optA(g.Change), g.Units, g.Cases)
		ws := fmt.Sprintf("%s #%d %s Δ %s units %d cases %d", w.Street, w.Rank, w.Score, optF(w.Change), w.Units, w.Cases)
		if gs != ws {
			t.Errorf("street %d:\n got %s\nwant %s", i+1, gs, ws)
		}
	}
	if deducted < 3 || overdue == 0 || reopened == 0 || items < 50 || len(want.Streets) < 2 {
		t.Errorf("a thin month: %d units with deductions, %d overdue, %d re-opened, %d items, %d streets", deducted, overdue, reopened, items, len(want.Streets))
	}

	// The year: January to November, November as above.
	wantY, err := assess.Default().Year(context.Background(), e.independentInput(), 2026, assessClock)
	if err != nil {
		t.Fatal(err)
	}
	var gotY struct {
		Months int
		Units  []struct {
			Unit  string
			Rank  int
			Score float64
		}
	}
	if err := json.Unmarshal(e.ok("/api/assessment?year=2026", "audit").Body.Bytes(), &gotY); err != nil {
		t.Fatal(err)
	}
	if gotY.Months != 11 || len(gotY.Units) != len(wantY.Units) {
		t.Fatalf("year: %d months, %d units; want 11 and %d", gotY.Months, len(gotY.Units), len(wantY.Units))
	}
	for i, w := range wantY.Units {
		if g := gotY.Units[i]; g.Unit != w.Unit || g.Rank != w.Rank || fmt.Sprintf("%.1f", g.Score) != w.Score.String() {
			t.Errorf("year unit %d: got %s #%d %.1f, want %s #%d %s", i+1, g.Unit, g.Rank, g.Score, w.Unit, w.Rank, w.Score)
		}
	}
}

// TestAssessmentRoles: no token is 401, a planner 403; a unit's token
// gets its own line, with the rank it has among all, and no streets, in
// every format.
func TestAssessmentRoles(t *testing.T) {
	e := newAssessEnv(t)
	for _, c := range []struct {
		as   string
		want int
	}{{"", 401}, {"plan", 403}} {
		rec := e.get("/api/assessment?month=2026-11", c.as)
		if rec.Code != c.want || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("as %q: %d %s, want %d problem+json", c.as, rec.Code, rec.Header().Get("Content-Type"), c.want)
		}
	}
	var all monthAnswer
	if err := json.Unmarshal(e.ok("/api/assessment?month=2026-11", "audit").Body.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{}
	for _, u := range all.Units {
		rank[u.Unit] = u.Rank
	}
	for _, tok := range []struct{ name, unit string }{{"u01", "U01"}, {"u02", "U02"}} {
		var mine monthAnswer
		if err := json.Unmarshal(e.ok("/api/assessment?month=2026-11&items=true", tok.name).Body.Bytes(), &mine); err != nil {
			t.Fatal(err)
		}
		if len(mine.Units) != 1 || mine.Units[0].Unit != tok.unit || mine.Units[0].Rank != rank[tok.unit] || len(mine.Streets) != 0 {
			t.Errorf("%s sees %+v and %d streets; want its own line at rank %d", tok.name, mine.Units, len(mine.Streets), rank[tok.unit])
		}
		rows := csvRows(t, e.ok("/api/assessment?month=2026-11&format=csv", tok.name).Body.Bytes())
		if len(rows) != 2 || rows[1][2] != tok.unit {
			t.Errorf("%s's CSV: %v", tok.name, rows)
		}
		items := csvRows(t, e.ok("/api/assessment?month=2026-11&format=csv&table=items", tok.name).Body.Bytes())
		for _, r := range items[1:] {
			if r[1] != tok.unit {
				t.Errorf("%s's items list another unit's case: %v", tok.name, r)
			}
		}
		html := e.ok("/api/assessment?month=2026-11&format=html", tok.name).Body.String()
		for _, u := range all.Units {
			if u.Unit != tok.unit && strings.Contains(html, "（"+u.Unit+"）") {
				t.Errorf("%s's page names unit %s", tok.name, u.Unit)
			}
		}
		var year struct{ Units, Streets []struct{ Unit string } }
		if err := json.Unmarshal(e.ok("/api/assessment?year=2026", tok.name).Body.Bytes(), &year); err != nil {
			t.Fatal(err)
		}
		if len(year.Units) != 1 || year.Units[0].Unit != tok.unit || len(year.Streets) != 0 {
			t.Errorf("%s's year: %+v", tok.name, year)
		}
	}
}

func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAssessmentExports: CSV starts with a BOM unless bom=false, headed in
// Chinese unless lang=en, one row per unit; the HTML page is in Chinese by
// default.
func TestAssessmentExports(t *testing.T) {
	e := newAssessEnv(t)
	var all monthAnswer
	if err := json.Unmarshal(e.ok("/api/assessment?month=2026-11", "audit").Body.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	rec := e.ok("/api/assessment?month=2026-11&format=csv", "audit")
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf月份,排名,单位编号")) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Errorf("CSV starts %q (%s)", body[:min(len(body), 40)], rec.Header().Get("Content-Type"))
	}
	rows := csvRows(t, body)
	if len(rows) != len(all.Units)+1 {
		t.Errorf("%d CSV rows for %d units", len(rows), len(all.Units))
	}
	for i, u := range all.Units {
		if r := rows[i+1]; r[2] != u.Unit || r[5] != fmt.Sprintf("%.1f", u.Score) {
			t.Errorf("CSV row %d: %v, want %s %.1f", i+1, r, u.Unit, u.Score)
		}
	}
	noBOM := e.ok("/api/assessment?month=2026-11&format=csv&bom=false&lang=en&table=streets", "audit").Body.Bytes()
	if !bytes.HasPrefix(noBOM, []byte("month,rank,street,score")) {
		t.Errorf("bom=false lang=en streets: starts %q", noBOM[:min(len(noBOM), 40)])
	}
	if n := len(csvRows(t, noBOM)); n != len(all.Streets)+1 {
		t.Errorf("%d street rows for %d streets", n, len(all.Streets))
	}
	year := e.ok("/api/assessment?year=2026&format=csv", "audit").Body.Bytes()
	if !bytes.HasPrefix(year, []byte("\xef\xbb\xbf年度,排名")) {
		t.Errorf("year CSV starts %q", year[:min(len(year), 40)])
	}
	html := e.ok("/api/assessment?month=2026-11&format=html", "audit")
	if b := html.Body.String(); !strings.Contains(b, "2026-11 月度考核") || !strings.Contains(b, all.Units[0].Name) || !strings.Contains(b, "街道排名") {
		t.Errorf("HTML export: %.300s", b)
	}
	if b := e.ok("/api/assessment?month=2026-11&format=html&lang=en", "audit").Body.String(); !strings.Contains(b, "Monthly assessment 2026-11") {
		t.Errorf("HTML export in English: %.300s", b)
	}
}

// TestAssessmentBadInput: each bad request is a 400 naming what is wrong.
func TestAssessmentBadInput(t *testing.T) {
	e := newAssessEnv(t)
	for _, c := range []struct{ q, says string }{
		{"", "month=YYYY-MM or year=YYYY"},
		{"month=2026-13", "want YYYY-MM"},
		{"month=1990-01", "20 years back"},
		{"month=2027-01", "none yet to begin"},
		{"year=3000", "want a year from 2006 to 2026"},
		{"month=2026-11&year=2026", "ask for one"},
		{"month=2026-11&format=xml", "want json, csv or html"},
		{"month=2026-11&table=items", "goes with format=csv"},
		{"year=2026&format=csv&table=items", "units and streets only"},
		{"month=2026-11&bom=no", "want true or false"},
		{"month=2026-11&lang=fr", "zh-CN or en"},
		{"month=2026-11&limit=3", "unknown parameter"},
	} {
		rec := e.get("/api/assessment?"+c.q, "audit")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("?%s: %d %s, want 400 saying %q", c.q, rec.Code, rec.Body, c.says)
		}
	}
}

// TestAssessmentOpenAPI: the assessment's requests and answers, in every
// format, validate against the served document.
func TestAssessmentOpenAPI(t *testing.T) {
	e := newAssessEnv(t)
	o := newOpenAPICheck(t, e.h)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.RegisteredBodyDecoder("text/plain"))
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.RegisteredBodyDecoder("text/plain"))
	for _, c := range []struct {
		q, as string
		want  int
	}{
		{"month=2026-11&items=true", "audit", 200},
		{"month=2026-10", "audit", 200},
		{"month=2026-11", "u01", 200},
		{"year=2026", "audit", 200},
		{"month=2026-11&format=csv&table=items&bom=false", "audit", 200},
		{"year=2026&format=csv&table=streets&lang=en", "audit", 200},
		{"month=2026-11&format=html", "audit", 200},
		{"month=2026-11", "", 401},
		{"month=2026-11", "plan", 403},
		{"month=2027-01", "audit", 400},
	} {
		what := "GET /api/assessment?" + c.q
		req := httptest.NewRequest(http.MethodGet, "/api/assessment?"+c.q, nil)
		if c.as != "" {
			req.Header.Set("Authorization", "Bearer "+e.tok[c.as])
		}
		o.serve(what, req, nil, c.want, true)
	}
}
