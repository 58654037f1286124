package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	stdhtml "html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/coveragetest"
	"github.com/greenreach/greenreach/i18n"
)

// TestMessagesComplete: every entry of the report's catalogue is there in
// both languages and takes the same arguments in each; every CSV column
// and rule type has one.
func TestMessagesComplete(t *testing.T) {
	for _, p := range messages.Check() {
		t.Error(p)
	}
	for _, k := range csvColumns {
		if !messages.Has(k) {
			t.Errorf("CSV column %s has no words", k)
		}
	}
	for _, ty := range []string{coverage.WalkAccess, coverage.RadiusCoverage, coverage.AreaRatio, coverage.PerCapita, coverage.ResidentsPerTarget, coverage.Corridor} {
		if Measure(ty, i18n.ZH) == "" || Measure(ty, i18n.EN) != coverage.Measure(ty) {
			t.Errorf("measure of %s: %q / %q, want coverage.Measure's English %q", ty, Measure(ty, i18n.ZH), Measure(ty, i18n.EN), coverage.Measure(ty))
		}
	}
}

func fixtureAudit(t *testing.T) *coverage.Audit {
	t.Helper()
	a, err := coverage.Run(context.Background(), town(t), coverage.Default(), coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Generated = time.Date(2026, 12, 6, 9, 15, 0, 0, time.UTC)
	return a
}

func write(t *testing.T, a *coverage.Audit, format string, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, a, format, opt); err != nil {
		t.Fatalf("%s %+v: %v", format, opt, err)
	}
	return b.String()
}

var (
	hanRE   = regexp.MustCompile(`\p{Han}`)
	latinRE = regexp.MustCompile(`[A-Za-z]`)
	tagRE   = regexp.MustCompile(`(?s)<svg.*?</svg>|<style>.*?</style>|<[^>]*>`)
	dataRE  = regexp.MustCompile(`(?s)<(span|td)[^>]*translate="no"[^>]*>.*?</(span|td)>`)
)

// TestReportChinese: by default every report a person reads is in
// Chinese — the HTML page (lang="zh-CN", its own words Chinese leaving out
// names from the data), the table, the CSV's header and words — with
// thousands separators where a person reads and a Chinese date; English
// on request, with no Chinese of the report's own.
func TestReportChinese(t *testing.T) {
	a := fixtureAudit(t)
	html := write(t, a, "html", Options{})
	for _, want := range []string{`<html lang="zh-CN">`, "<h1>公园绿地服务覆盖考核</h1>", "未达标", "绿带缺口", "∞（无设施）", "居民 3,000 人", "2026年12月6日 17:15（北京时间）",
		"达标线 ≥ 80%", "人均公园绿地面积（平方米）", `aria-label="覆盖情况地图"`, "<td>区</td>", "<td>社区</td>", "<td>全市</td>",
		"居住人口中，沿步行道路 500 米内可到达",             // a rule's description
		"依据：市级目标；GB 55014-2021 覆盖率大于 80%"} { // and its source
		if !strings.Contains(html, want) {
			t.Errorf("zh html lacks %q", want)
		}
	}
	own := dataRE.ReplaceAllString(html, "")
	own = tagRE.ReplaceAllString(own, " ")
	own = strings.ReplaceAll(own, "greenreach", "")
	han, latin := len(hanRE.FindAllString(own, -1)), len(latinRE.FindAllString(own, -1))
	if share := float64(han) / float64(han+latin); share < 0.9 {
		t.Errorf("zh html's own words are %.0f%% Chinese (%d Han, %d Latin)", 100*share, han, latin)
	}
	if strings.Contains(html, "!") && regexp.MustCompile(`![a-z]+\.`).MatchString(html) {
		t.Error("zh html names a missing message")
	}

	en := write(t, a, "html", Options{Lang: i18n.EN})
	for _, want := range []string{`<html lang="en">`, "<h1>Coverage audit</h1>", "FAIL", "green corridor gap", "∞ (no target)", "3,000 residents", "generated 2026-12-06 09:15 UTC", "<td>district</td>"} {
		if !strings.Contains(en, want) {
			t.Errorf("en html lacks %q", want)
		}
	}
	// The English page's own words hold no Chinese (the fixture's names
	// are Latin; the rules' titles, descriptions and sources quote the
	// bureaus' terms, 见园, 绿地率, 绿不断线).
	enOwn := stdhtml.UnescapeString(tagRE.ReplaceAllString(dataRE.ReplaceAllString(en, ""), " "))
	var ruleWords []string
	for _, r := range a.Rules.Rules {
		ruleWords = append(ruleWords, r.Title.EN, r.Description.EN, r.Source.EN)
	}
	// Longest first: one rule's source may hold another's.
	slices.SortFunc(ruleWords, func(x, y string) int { return len(y) - len(x) })
	for _, x := range ruleWords {
		enOwn = strings.ReplaceAll(enOwn, x, "")
	}
	if h := hanRE.FindAllString(enOwn, -1); len(h) > 0 {
		t.Errorf("en html has Chinese of its own: %q", strings.Join(h, ""))
	}

	table := write(t, a, "table", Options{})
	for _, want := range []string{"覆盖考核 — 规则：默认规则，按步行路网计算距离，居住地块 4 个，居民 3,000 人", "未达标", "3,000", "33.3%", "全市"} {
		if !strings.Contains(table, want) {
			t.Errorf("zh table lacks %q:\n%s", want, table)
		}
	}
	// The columns line up on a terminal: each row's unit (last) starts at
	// the same screen column as the header's.
	lines := strings.Split(table, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "  层级") {
			continue
		}
		at := cells(l[:strings.Index(l, "统计单元")])
		for _, row := range lines[i+1 : i+4] {
			if j := strings.LastIndex(row, "  "); cells(row[:j+2]) != at {
				t.Errorf("misaligned under %q: %q", l, row)
			}
		}
		break
	}

	csvText := write(t, a, "csv", Options{})
	if !strings.HasPrefix(csvText, "\ufeff") {
		t.Fatal("zh csv: no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(rows[0], ",")
	if head != "规则编号,规则类型,统计单元,单元编号,层级,指标值,达标线,是否达标,居民人数,覆盖居民人数,居住用地面积（平方米）,覆盖居住用地面积（平方米）,按直线覆盖比例,绿带缺口数,状态,数据给出居民,按建筑面积估算居民,按用地面积估算居民,规则名称" {
		t.Errorf("zh csv header %q", head)
	}
	if r := rows[1]; r[2] != "全市" || r[4] != "全市" || r[7] != "否" || r[8] != "3000" || r[14] != "有效" || r[18] != a.Results[0].Rule.Title.ZH {
		t.Errorf("zh csv city row %q", r)
	}
	for _, r := range rows[1:] {
		for _, c := range r[5:14] {
			if strings.Contains(c, ",") {
				t.Errorf("a CSV number with a separator: %q", r)
			}
		}
	}
	if noBOM := write(t, a, "csv", Options{NoBOM: true}); noBOM != strings.TrimPrefix(csvText, "\ufeff") {
		t.Error("NoBOM: not the same CSV without the mark")
	}
	enCSV := write(t, a, "csv", Options{Lang: i18n.EN})
	if !strings.HasPrefix(enCSV, "\ufeffrule,type,unit,unit_id,level,value,threshold,pass,residents,") || !strings.Contains(enCSV, ",city,") || !strings.Contains(enCSV, ",false,") {
		t.Errorf("en csv:\n%.300s", enCSV)
	}
	for _, r := range []string{"not_applicable", "no_target"} {
		if !strings.Contains(write(t, func() *coverage.Audit { return nullAudit(t) }(), "csv", Options{Lang: i18n.EN}), ","+r+",") {
			t.Errorf("en csv lacks the status %s", r)
		}
	}

	var zj, ej JSON
	json.Unmarshal([]byte(write(t, a, "json", Options{})), &zj)
	json.Unmarshal([]byte(write(t, a, "json", Options{Lang: i18n.EN})), &ej)
	r0 := a.Results[0].Rule
	if zj.Results[0].Title != r0.Title.ZH || ej.Results[0].Title != r0.Title.EN || zj.Results[0].Description != r0.Description.ZH || ej.Results[0].Description != r0.Description.EN ||
		!strings.HasPrefix(zj.UnitsNote, "区域图层") || ej.UnitsNote != "administrative areas of the areas layer" || zj.Results[0].Measure != "share of residents" {
		t.Errorf("json titles zh %q en %q, descriptions %q %q, notes %q %q, measure %q", zj.Results[0].Title, ej.Results[0].Title, zj.Results[0].Description, ej.Results[0].Description, zj.UnitsNote, ej.UnitsNote, zj.Results[0].Measure)
	}
}

// nullAudit is the fixture with a community without residents (C3) beside
// C2, which has residents but no collection point.
func nullAudit(t *testing.T) *coverage.Audit {
	t.Helper()
	c3 := &geo.Feature{ID: 9999, Layer: geo.Areas, Source: "fixture", SourceID: "c3", Geom: coveragetest.Rect(2000, 0, 3000, 1000), Props: map[string]any{"name": "C3", "level": "community"}}
	if err := geo.Prepare(c3); err != nil {
		t.Fatal(err)
	}
	a, err := coverage.Run(context.Background(), town(t).With([]*geo.Feature{c3}, nil), coverage.Default(), coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestStatusWords: the statuses in Chinese words in the Chinese CSV and
// HTML, codes in the English CSV (programs key on them).
func TestStatusWords(t *testing.T) {
	a := nullAudit(t)
	zh := write(t, a, "csv", Options{})
	for _, w := range []string{",不适用,", ",无设施,", ",有效,"} {
		if !strings.Contains(zh, w) {
			t.Errorf("zh csv lacks %s", w)
		}
	}
	html := write(t, a, "html", Options{})
	for _, w := range []string{`data-status="no_target" title="无设施"`, `data-status="not_applicable" title="不适用"`, ">不适用<"} {
		if !strings.Contains(html, w) {
			t.Errorf("zh html lacks %s", w)
		}
	}
}

// TestCSVFormulas: a unit named like a spreadsheet formula is written as
// text (a leading '), so opening the export does not run it.
func TestCSVFormulas(t *testing.T) {
	a := fixtureAudit(t)
	a.Units[1].Name = `=HYPERLINK("http://x.example","点击")`
	a.Units[2].Name = "+1"
	for _, lang := range i18n.Langs {
		rows, err := csv.NewReader(strings.NewReader(write(t, a, "csv", Options{Lang: lang, NoBOM: true}))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, r := range rows[1:] {
			if strings.HasPrefix(r[2], "=") || strings.HasPrefix(r[2], "+") {
				t.Errorf("%s: unit cell %q", lang, r[2])
			}
			if r[2] == `'=HYPERLINK("http://x.example","点击")` || r[2] == "'+1" {
				seen++
			}
		}
		if seen == 0 {
			t.Errorf("%s: the formula units are gone", lang)
		}
	}
}

// TestNumbers: thousands separators where a person reads.
func TestNumbers(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 123456789: "123,456,789"} {
		if got := group(in); got != want {
			t.Errorf("group(%d) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{{1234.5678, 2, "1,234.57"}, {-0.04, 1, "0.0"}, {-1500, 0, "-1,500"}, {33.333, 1, "33.3"}} {
		if got := decimal(tc.v, tc.prec); got != tc.want {
			t.Errorf("decimal(%g, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
	if s := (words{i18n.ZH}).network("12345 nodes, 23456 edges, 1234.5 km, 3 components"); s != "12,345 个节点、23,456 条路段、共 1234.5 公里、3 个连通片区" {
		t.Errorf("network: %q", s)
	}
}
