package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/i18n"
)

// checkLang checks an answer's language headers: Content-Language as
// wanted ("" for none) and Vary naming Accept-Language.
func checkLang(t *testing.T, what string, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if rec.Code != 200 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Language"); got != want {
		t.Errorf("%s: Content-Language %q, want %q", what, got, want)
	}
	if !slices.Contains(rec.Header().Values("Vary"), "Accept-Language") {
		t.Errorf("%s: Vary %q lacks Accept-Language", what, rec.Header().Values("Vary"))
	}
}

// checkBadLang: a lang parameter naming no language spoken is a 400
// problem+json naming those that are.
func checkBadLang(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var p struct {
		Status int
		Detail string
	}
	if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil ||
		!strings.Contains(p.Detail, "zh-CN") || !strings.Contains(p.Detail, "en") {
		t.Errorf("bad lang: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// TestRulesLanguage: /api/rules in Chinese by default and for a Chinese
// browser, English for an English one or lang=en; lang wins over the
// header; titles and descriptions from the rule set; measure stays the
// English name the pages read.
func TestRulesLanguage(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	rules := coverage.Default().Rules
	for _, tc := range []struct {
		path, accept, want string
	}{
		{"/api/rules", "", "zh-CN"},
		{"/api/rules", "zh-CN,zh;q=0.9", "zh-CN"},
		{"/api/rules", "en-US,en;q=0.9", "en"},
		{"/api/rules?lang=en", "zh-CN", "en"},
		{"/api/rules?lang=zh", "en-US", "zh-CN"},
		{"/api/rules?lang=en-GB", "", "en"},
	} {
		rec := do(t, h, "GET", tc.path, "", "Accept-Language", tc.accept)
		checkLang(t, tc.path+" "+tc.accept, rec, tc.want)
		var got struct{ Rules []RuleJSON }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Rules) != len(rules) {
			t.Fatalf("%s: %v %s", tc.path, err, rec.Body)
		}
		for i, r := range got.Rules {
			title, desc := rules[i].Title.ZH, rules[i].Description.ZH
			if tc.want == "en" {
				title, desc = rules[i].Title.EN, rules[i].Description.EN
			}
			if r.Title != title || r.Description != desc || desc == "" || r.Measure != coverage.Measure(rules[i].Type) {
				t.Errorf("%s [%s] rule %s: %q / %q, want %q / %q", tc.path, tc.accept, r.ID, r.Title, r.Description, title, desc)
			}
		}
	}
	for _, bad := range []string{"/api/rules?lang=fr", "/api/rules?lang=" + strings.Repeat("x", 40), "/api/rules?lang=zh_CN!"} {
		checkBadLang(t, get(t, h, bad))
	}
}

// TestAuditLanguage: the audit in every format in the reader's language
// (the GeoJSON evidence has none: codes and names), the CSV with a BOM
// unless bom=false, bad lang and bom refused.
func TestAuditLanguage(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	first := coverage.Default().Rules[0]
	for _, tc := range []struct {
		query, accept, lang string
		want                []string
	}{
		{"format=json", "", "zh-CN", []string{`"title": "` + first.Title.ZH, `"description": "` + first.Description.ZH}},
		{"format=json", "en-US,en;q=0.9", "en", []string{`"title": "` + first.Title.EN, `"units_note": "administrative areas`}},
		{"format=html", "", "zh-CN", []string{`<html lang="zh-CN">`, "公园绿地服务覆盖考核", "未达标"}},
		{"format=html&lang=en", "zh-CN", "en", []string{`<html lang="en">`, "Coverage audit", "FAIL"}},
		{"format=table", "en", "en", []string{"coverage audit — rules default, distances by walking"}},
		{"format=table&lang=zh-CN", "en", "zh-CN", []string{"覆盖考核 — 规则：默认规则"}},
		{"format=csv", "", "zh-CN", []string{"\ufeff规则编号,规则类型,统计单元,"}},
		{"format=csv&lang=en", "", "en", []string{"\ufeffrule,type,unit,unit_id,"}},
		{"format=geojson", "en", "", []string{`"kind":"unit"`}},
	} {
		rec := do(t, h, "GET", "/api/audit?"+tc.query, "", "Accept-Language", tc.accept)
		checkLang(t, tc.query, rec, tc.lang)
		for _, w := range tc.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s [%s] lacks %q", tc.query, tc.accept, w)
			}
		}
	}
	rec := get(t, h, "/api/audit?format=csv&bom=false")
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || strings.HasPrefix(rows[0][0], "\ufeff") || rows[0][0] != "规则编号" || len(rows) < 10 {
		t.Errorf("bom=false: %v %q", err, rows[0])
	}
	var rj report.JSON
	if err := json.Unmarshal(get(t, h, "/api/audit?lang=en").Body.Bytes(), &rj); err != nil || rj.Results[0].Title != first.Title.EN {
		t.Errorf("lang=en json: %v", err)
	}
	for _, bad := range []string{"/api/audit?lang=fr", "/api/audit?format=csv&lang=de-DE"} {
		checkBadLang(t, get(t, h, bad))
	}
	if rec := get(t, h, "/api/audit?format=csv&bom=maybe"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "true or false") {
		t.Errorf("bom=maybe: %d %s", rec.Code, rec.Body)
	}
}

// TestWhatIfLanguage: the what-if's rule titles in the reader's language.
func TestWhatIfLanguage(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	edit := parkEdit([2]float64{103.6, 30.45}, "新公园")
	rules := coverage.Default().Rules
	for _, tc := range []struct{ path, accept, lang, title string }{
		{"/api/whatif", "", "zh-CN", rules[0].Title.ZH},
		{"/api/whatif", "en-US", "en", rules[0].Title.EN},
		{"/api/whatif?lang=zh-CN", "en-US", "zh-CN", rules[0].Title.ZH},
	} {
		rec := do(t, h, "POST", tc.path, edit, "Content-Type", "application/geo+json", "Accept-Language", tc.accept)
		checkLang(t, tc.path, rec, tc.lang)
		var got whatIfAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Rules[0].Title != tc.title {
			t.Errorf("%s [%s]: %v title %q, want %q", tc.path, tc.accept, err, got.Rules[0].Title, tc.title)
		}
	}
	checkBadLang(t, do(t, h, "POST", "/api/whatif?lang=ja", edit, "Content-Type", "application/geo+json"))
}

// TestCollectionsAndTileJSONLanguage: OGC collections and TileJSON
// documents titled in the reader's language, for GIS tools.
func TestCollectionsAndTileJSONLanguage(t *testing.T) {
	s, _, _ := newTestServer(t)
	h := s.Handler()
	green := geo.SchemaOf(geo.Green)
	for _, tc := range []struct {
		accept, query, lang, title, desc string
	}{
		{"", "", "zh-CN", green.TitleZH, green.Description.ZH},
		{"zh-CN,zh;q=0.9", "", "zh-CN", green.TitleZH, green.Description.ZH},
		{"en-US,en;q=0.9", "", "en", green.Title, green.Description.EN},
		{"en-US", "?lang=zh-CN", "zh-CN", green.TitleZH, green.Description.ZH},
	} {
		var one features.CollectionJSON
		rec := do(t, h, "GET", "/collections/green"+tc.query, "", "Accept-Language", tc.accept)
		checkLang(t, "/collections/green "+tc.accept, rec, tc.lang)
		if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil || one.Title != tc.title || !strings.HasPrefix(one.Description, tc.desc) ||
			!strings.Contains(one.Description, "name, kind") || linkTitle(one.Links, "self") != tc.title || !strings.Contains(linkTitle(one.Links, "items"), tc.title) {
			t.Errorf("/collections/green [%s]: %v %+v", tc.accept, err, one)
		}
		var all struct{ Collections []features.CollectionJSON }
		rec = do(t, h, "GET", "/collections"+tc.query, "", "Accept-Language", tc.accept)
		checkLang(t, "/collections "+tc.accept, rec, tc.lang)
		json.Unmarshal(rec.Body.Bytes(), &all)
		for _, c := range all.Collections {
			if sc := geo.SchemaOf(c.ID); c.Title != sc.TitleIn(i18n.Lang(tc.lang)) {
				t.Errorf("/collections [%s] %s: %q", tc.accept, c.ID, c.Title)
			}
		}

		var tj TileJSON
		rec = do(t, h, "GET", "/tiles/green.json"+tc.query, "", "Accept-Language", tc.accept)
		checkLang(t, "/tiles/green.json "+tc.accept, rec, tc.lang)
		if err := json.Unmarshal(rec.Body.Bytes(), &tj); err != nil || tj.Name != "greenreach "+tc.title || tj.Description != tc.desc || tj.VectorLayers[0].Description != tc.title {
			t.Errorf("/tiles/green.json [%s]: %v name %q description %q layer %q", tc.accept, err, tj.Name, tj.Description, tj.VectorLayers[0].Description)
		}
		rec = do(t, h, "GET", "/tiles/public.json"+tc.query, "", "Accept-Language", tc.accept)
		json.Unmarshal(rec.Body.Bytes(), &tj)
		if han := strings.ContainsFunc(tj.Name+tj.Description, func(r rune) bool { return unicode.Is(unicode.Han, r) }); han != (tc.lang == "zh-CN") ||
			!strings.Contains(tj.Description, green.TitleIn(i18n.Lang(tc.lang))) {
			t.Errorf("/tiles/public.json [%s]: name %q description %q", tc.accept, tj.Name, tj.Description)
		}
	}
	for _, bad := range []string{"/collections?lang=fr", "/collections/green?lang=xx-YY", "/tiles/green.json?lang=ja"} {
		checkBadLang(t, get(t, h, bad))
	}
}

func linkTitle(ls []features.Link, rel string) string {
	for _, l := range ls {
		if l.Rel == rel {
			return l.Title
		}
	}
	return ""
}
