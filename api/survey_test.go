package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

// newSurveyEnv is caseEnv's server with units U01 and U02 and three green
// spaces written through the index: storetest's samples, the first two of
// unit U01 (grade 1, 120 trees), the third of U02.
func newSurveyEnv(t *testing.T, st store.Store) (*caseEnv, []*geo.Feature) {
	t.Helper()
	e := newCaseEnv(t, st)
	ctx := context.Background()
	if err := st.PutUnits(ctx, []*store.Unit{
		{ID: "U01", Name: "东湖绿化养护有限公司", Kind: store.UnitMaintenance},
		{ID: "U02", Name: "锦江物业", Kind: store.UnitProperty},
	}); err != nil {
		t.Fatal(err)
	}
	var gs []*geo.Feature
	for i, unit := range []string{"U01", "U01", "U02"} {
		g := storetest.Sample("survey", fmt.Sprint(i), 104.05+0.01*float64(i), 30.65)[0]
		g.Props["unit"] = unit
		gs = append(gs, g)
	}
	if _, err := e.s.index.Write(ctx, st, func(tx store.Tx) error { return tx.Put(ctx, gs) }); err != nil {
		t.Fatal(err)
	}
	return e, gs
}

// surveyFingerprint is every green space and its survey history.
func surveyFingerprint(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	err := st.Scan(ctx, geo.Green, func(f *geo.Feature) error {
		h, err := st.SurveyHistory(ctx, geo.Green, f.ID, 0)
		if err != nil {
			return err
		}
		return json.NewEncoder(&b).Encode([]any{f.ID, f.Version, f.Props, h})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func surveyOf(t *testing.T, rec *httptest.ResponseRecorder, what string) SurveyJSON {
	t.Helper()
	if rec.Code != 200 {
		t.Fatalf("%s: %d: %s", what, rec.Code, rec.Body)
	}
	var s SurveyJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if etag := rec.Header().Get("ETag"); etag != fmt.Sprintf(`"v%d"`, s.Version) {
		t.Errorf("%s: ETag %s for version %d", what, etag, s.Version)
	}
	return s
}

// TestSurveyAPI: on memory and a GeoPackage, staff read and edit a green
// space's survey with If-Match; each refusal (no If-Match, a stale one,
// unknown field, wrong type, out of range, unknown id or unit, too large,
// wrong role or unit) is a 4xx problem+json that stores nothing; the
// history lists who changed what; the survey table is a CSV with a BOM and
// the schema's Chinese aliases, a unit's token getting its own rows.
func TestSurveyAPI(t *testing.T) {
	for _, kind := range []string{"memory", "gpkg"} {
		t.Run(kind, func(t *testing.T) {
			var st store.Store = memstore.New()
			if kind == "gpkg" {
				g, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "s.gpkg"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { g.Close() })
				st = g
			}
			testSurveyAPI(t, st)
		})
	}
}

func testSurveyAPI(t *testing.T, st store.Store) {
	e, gs := newSurveyEnv(t, st)
	g := gs[0]
	path := fmt.Sprintf("/api/survey/green/%d", g.ID)
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }

	rec := surveyOf(t, e.do(req{method: "GET", path: path, as: "insp-wang"}), "inspector reads")
	if rec.Version != 1 || rec.Trees != float64(120) || rec.Grade != float64(1) || rec.Unit != "U01" || rec.UnitName != "东湖绿化养护有限公司" ||
		!slices.Equal(rec.Editable, []string{"grade", "unit", "trees", "shrub_m2", "lawn_m2"}) {
		t.Fatalf("record: %+v", rec)
	}
	if r := surveyOf(t, e.do(req{method: "GET", path: path, as: "dh-team"}), "its unit reads"); !slices.Equal(r.Editable, []string{"trees", "shrub_m2", "lawn_m2"}) {
		t.Errorf("unit U01 may edit %v", r.Editable)
	}
	if r := surveyOf(t, e.do(req{method: "GET", path: path, as: "audit-zhao"}), "auditor reads"); len(r.Editable) != 0 {
		t.Errorf("an auditor may edit %v", r.Editable)
	}
	e.problem(e.do(req{method: "GET", path: path}), 401, "the public reads the record")

	// Refusals store nothing.
	before := surveyFingerprint(t, st)
	area := g.Float("area_m2")
	good := js(map[string]any{"trees": 130})
	for _, c := range []struct {
		what string
		q    req
		want int
	}{
		{"no If-Match", req{method: "PATCH", path: path, as: "insp-wang", body: good}, 428},
		{"stale If-Match", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 2, body: good}, 412},
		{"unknown field", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: js(map[string]any{"trees": 1, "tress": 2})}, 400},
		{"computed field", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: js(map[string]any{"area_m2": 1})}, 400},
		{"trees as text", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"trees": "130"}`)}, 400},
		{"trees with a fraction", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"trees": 130.5}`)}, 400},
		{"too many trees", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"trees": 1000001}`)}, 400},
		{"grade 4", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"grade": 4}`)}, 400},
		{"lawn over the area", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: js(map[string]any{"trees": 1, "lawn_m2": area + 1})}, 400},
		{"negative shrub", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"shrub_m2": -1}`)}, 400},
		{"unknown unit", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"unit": "U99"}`)}, 400},
		{"not an object", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`[130]`)}, 400},
		{"empty", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{}`)}, 400},
		{"too large", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"note": "` + strings.Repeat("x", 20<<10) + `"}`)}, 413},
		{"not JSON", req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: good, ctype: "text/csv"}, 415},
		{"unknown green space", req{method: "PATCH", path: "/api/survey/green/999", as: "insp-wang", ifMatch: 1, body: good}, 404},
		{"the public", req{method: "PATCH", path: path, ifMatch: 1, body: good}, 401},
		{"a dispatcher", req{method: "PATCH", path: path, as: "disp-li", ifMatch: 1, body: good}, 403},
		{"an auditor", req{method: "PATCH", path: path, as: "audit-zhao", ifMatch: 1, body: good}, 403},
		{"another unit", req{method: "PATCH", path: path, as: "jj-team", ifMatch: 1, body: good}, 403},
		{"its unit regrades", req{method: "PATCH", path: path, as: "dh-team", ifMatch: 1, body: []byte(`{"grade": 2}`)}, 403},
		{"its unit hands over", req{method: "PATCH", path: path, as: "dh-team", ifMatch: 1, body: []byte(`{"unit": "U02"}`)}, 403},
	} {
		e.problem(e.do(c.q), c.want, c.what)
	}
	// A bad If-Match: not a version, or another green space's item ETag.
	for _, h := range []string{`"abc"`, `"green-999-v1"`, `"v0"`} {
		r := httptest.NewRequest("PATCH", path, bytes.NewReader(good))
		r.Header.Set("Authorization", "Bearer "+e.tok["insp-wang"])
		r.Header.Set("If-Match", h)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		e.problem(w, 400, "If-Match "+h)
	}
	if after := surveyFingerprint(t, st); after != before {
		t.Fatalf("refused edits changed the store:\n%s\n%s", before, after)
	}

	// The inspector's survey, with the OGC API item's ETag as If-Match.
	r := httptest.NewRequest("PATCH", path, bytes.NewReader(js(map[string]any{"trees": 135, "grade": 2, "shrub_m2": nil, "note": "2026 普查"})))
	r.Header.Set("Authorization", "Bearer "+e.tok["insp-wang"])
	r.Header.Set("If-Match", fmt.Sprintf(`"green-%d-v1"`, g.ID))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	s := surveyOf(t, w, "inspector edits")
	if s.Version != 2 || s.Trees != float64(135) || s.Grade != float64(2) || s.ShrubM2 != nil || len(s.Changes) != 3 {
		t.Fatalf("edited: %+v", s)
	}
	// The OGC API and the index follow at once.
	item := e.do(req{method: "GET", path: fmt.Sprintf("/collections/green/items/%d", g.ID)})
	if !strings.Contains(item.Body.String(), `"trees":135`) || item.Header().Get("ETag") != fmt.Sprintf(`"green-%d-v2"`, g.ID) {
		t.Errorf("the item after the edit: %s %s", item.Header().Get("ETag"), item.Body)
	}
	// Its unit counts the lawn; the same version again is stale.
	s = surveyOf(t, e.do(req{method: "PATCH", path: path, as: "dh-team", ifMatch: 2, body: js(map[string]any{"lawn_m2": 900})}), "its unit edits")
	if s.Version != 3 || s.LawnM2 != float64(900) {
		t.Fatalf("unit's edit: %+v", s)
	}
	e.problem(e.do(req{method: "PATCH", path: path, as: "plan-chen", ifMatch: 2, body: good}), 412, "stale after the unit's edit")

	// History, newest first.
	h := e.do(req{method: "GET", path: path + "/history", as: "audit-zhao"})
	var hist SurveyHistoryJSON
	if err := json.Unmarshal(h.Body.Bytes(), &hist); err != nil || h.Code != 200 {
		t.Fatalf("history: %d %s", h.Code, h.Body)
	}
	type line struct {
		who, field string
		old, new   any
	}
	// One edit's entries come in the schema's order: grade, trees, shrub_m2.
	want := []line{{"dh-team", "lawn_m2", 1200.25, 900.0}, {"insp-wang", "shrub_m2", 350.5, nil}, {"insp-wang", "trees", 120.0, 135.0}, {"insp-wang", "grade", 1.0, 2.0}}
	if len(hist.History) != len(want) {
		t.Fatalf("history: %+v", hist.History)
	}
	for i, w := range want {
		got := hist.History[i]
		if got.Who != w.who || got.Field != w.field || got.Old != w.old || got.New != w.new {
			t.Errorf("history[%d]: %+v, want %+v", i, got, w)
		}
	}
	if hist.History[1].Note != "2026 普查" || hist.History[1].Version != 2 || hist.History[0].Role != store.RoleUnit {
		t.Errorf("history details: %+v", hist.History[:2])
	}
	e.problem(e.do(req{method: "GET", path: path + "/history", as: "jj-team"}), 403, "another unit's history")
	e.problem(e.do(req{method: "GET", path: path + "/history"}), 401, "the public's history")
	e.problem(e.do(req{method: "GET", path: "/api/survey/green/999/history", as: "insp-wang"}), 404, "no such green space")
	e.problem(e.do(req{method: "GET", path: path + "/history?limit=0", as: "insp-wang"}), 400, "limit 0")

	// The survey table.
	head := []string{"要素编号", "名称", "类型", "面积（平方米）", "养护等级", "责任单位", "责任单位名称", "乔木株数", "灌木面积（平方米）", "草坪面积（平方米）", "版本", "更新时间"}
	table := func(as, query string) [][]string {
		t.Helper()
		rec := e.do(req{method: "GET", path: "/api/survey/green.csv" + query, as: as})
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("csv as %s: %d %s", as, rec.Code, rec.Body)
		}
		b := rec.Body.Bytes()
		if !bytes.HasPrefix(b, []byte("\ufeff")) && query == "" {
			t.Errorf("csv without a BOM: % x", b[:8])
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := table("plan-chen", "")
	if !slices.Equal(rows[0], head) || len(rows) != 1+len(gs) {
		t.Fatalf("table: %q", rows)
	}
	if r := rows[1]; r[0] != fmt.Sprint(g.ID) || r[4] != "2" || r[5] != "U01" || r[6] != "东湖绿化养护有限公司" || r[7] != "135" || r[8] != "" || r[9] != "900" || r[10] != "3" {
		t.Errorf("the surveyed row: %q", r)
	}
	if rows := table("jj-team", ""); len(rows) != 2 || rows[1][0] != fmt.Sprint(gs[2].ID) {
		t.Errorf("unit U02's table: %q", rows)
	}
	if rows := table("insp-wang", "?lang=en&bom=false"); rows[0][0] != "Feature id" || rows[0][7] != "Trees" {
		t.Errorf("English header: %q", rows[0])
	}
	e.problem(e.do(req{method: "GET", path: "/api/survey/green.csv"}), 401, "the public's table")
	e.problem(e.do(req{method: "GET", path: "/api/survey/green.csv?bom=no", as: "insp-wang"}), 400, "bom=no")
}

// TestSurveyConcurrentEdits: of many edits sent at once from one version,
// exactly one is 200 and the rest 412, and the history holds the winner's.
func TestSurveyConcurrentEdits(t *testing.T) {
	e, gs := newSurveyEnv(t, memstore.New())
	path := fmt.Sprintf("/api/survey/green/%d", gs[0].ID)
	const n = 8
	codes := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			codes <- e.do(req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(fmt.Sprintf(`{"trees": %d}`, 200+i))}).Code
		}(i)
	}
	got := map[int]int{}
	for i := 0; i < n; i++ {
		got[<-codes]++
	}
	if got[200] != 1 || got[412] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d 412", got, n-1)
	}
	h, err := e.st.SurveyHistory(context.Background(), geo.Green, gs[0].ID, 0)
	if err != nil || len(h) != 1 {
		t.Fatalf("history %+v %v", h, err)
	}
}

// TestOpenAPISurveyAnswers: requests to the survey routes and their
// answers, successes and refusals, validate against the document.
func TestOpenAPISurveyAnswers(t *testing.T) {
	e, gs := newSurveyEnv(t, memstore.New())
	o := newOpenAPICheck(t, e.h)
	path := fmt.Sprintf("/api/survey/green/%d", gs[0].ID)
	steps := []struct {
		q    req
		want int
	}{
		{req{method: "GET", path: path, as: "insp-wang"}, 200},
		{req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"trees": 130, "unit": "U02", "note": "复查"}`), ctype: "application/json"}, 200},
		{req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 1, body: []byte(`{"trees": 131}`), ctype: "application/json"}, 412},
		{req{method: "PATCH", path: path, as: "insp-wang", body: []byte(`{"trees": 131}`), ctype: "application/json"}, 428},
		{req{method: "PATCH", path: path, as: "insp-wang", ifMatch: 2, body: []byte(`{"trees": 131, "grade": null, "lawn_m2": 0}`), ctype: "application/json"}, 200},
		{req{method: "PATCH", path: path, as: "disp-li", ifMatch: 3, body: []byte(`{"trees": 131}`), ctype: "application/json"}, 403},
		{req{method: "GET", path: path + "/history?limit=10", as: "insp-wang"}, 200},
		{req{method: "GET", path: "/api/survey/green/999/history", as: "insp-wang"}, 404},
		{req{method: "GET", path: "/api/survey/green.csv?lang=en", as: "plan-chen"}, 200},
	}
	for _, c := range steps {
		what := fmt.Sprintf("%s %s as %q", c.q.method, c.q.path, c.q.as)
		r := httptest.NewRequest(c.q.method, c.q.path, bytes.NewReader(c.q.body))
		if c.q.ctype != "" {
			r.Header.Set("Content-Type", c.q.ctype)
		}
		if c.q.ifMatch > 0 {
			r.Header.Set("If-Match", fmt.Sprintf(`"v%d"`, c.q.ifMatch))
		}
		r.Header.Set("Authorization", "Bearer "+e.tok[c.q.as])
		o.serve(what, r, c.q.body, c.want, true)
	}
}
