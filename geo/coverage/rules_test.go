package coverage

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/greenreach/greenreach/i18n"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestRulesBilingual: every shipped rule has a title and a description in
// Chinese and in English — the Chinese written in Chinese, the English not
// a copy of it — and the Chinese uses the bureaus' own term for what the
// rule computes.
func TestRulesBilingual(t *testing.T) {
	terms := map[string][]string{
		"park-500m-walk":                 {"公园绿地", "500 米"},
		"green-300m-walk":                {"绿地", "300 米"},
		"collection-point-120m":          {"生活垃圾收集点", "120 米"},
		"park-radius-gbt50563":           {"公园绿地服务半径覆盖率"},
		"community-green-30":             {"社区绿地率", "30%"},
		"park-per-capita-8":              {"人均公园绿地面积", "8 m²"},
		"residents-per-collection-point": {"生活垃圾收集点", "500"},
		"ring-road-belts":                {"绿不断线", "50 米"},
	}
	rules := Default().Rules
	if len(rules) != len(terms) {
		t.Fatalf("%d rules, %d expected", len(rules), len(terms))
	}
	for _, r := range rules {
		for what, txt := range map[string]i18n.Text{"title": r.Title, "description": r.Description} {
			if !hasHan(txt.ZH) {
				t.Errorf("%s: Chinese %s %q has no Chinese", r.ID, what, txt.ZH)
			}
			if txt.EN == "" || txt.EN == txt.ZH || !strings.ContainsFunc(txt.EN, func(c rune) bool { return c >= 'a' && c <= 'z' }) {
				t.Errorf("%s: English %s %q", r.ID, what, txt.EN)
			}
			if txt.In(i18n.ZH) != txt.ZH || txt.In(i18n.EN) != txt.EN {
				t.Errorf("%s: %s.In picks the wrong language", r.ID, what)
			}
		}
		want, ok := terms[r.ID]
		if !ok {
			t.Errorf("rule %s: no terms expected (a new rule? add it here)", r.ID)
		}
		for _, term := range want {
			if !strings.Contains(r.Title.ZH, term) {
				t.Errorf("%s: Chinese title %q lacks %q", r.ID, r.Title.ZH, term)
			}
		}
	}
}

// TestGreenRatioNamed: community-green-30 divides green space area by the
// unit's area, so it is a green space ratio (绿地率), not green coverage
// (绿化覆盖率, tree-crown projection) — in both languages.
func TestGreenRatioNamed(t *testing.T) {
	for _, r := range Default().Rules {
		if r.Type != AreaRatio {
			continue
		}
		if r.Target.Layer != "green" {
			t.Fatalf("%s: area_ratio of %s: the naming below is for green space", r.ID, r.Target.Layer)
		}
		zh, en := r.Title.ZH+r.Description.ZH, r.Title.EN
		if !strings.Contains(zh, "绿地率") || strings.Contains(r.Title.ZH, "覆盖率") {
			t.Errorf("%s: Chinese %q: want 绿地率, not 绿化覆盖率", r.ID, r.Title.ZH)
		}
		if !strings.Contains(strings.ToLower(en), "green space ratio") || strings.Contains(strings.ToLower(en), "coverage") {
			t.Errorf("%s: English %q: want green space ratio, not coverage", r.ID, en)
		}
	}
}

// TestRuleTitleForms: a custom rule file may give one title for both
// languages (files written before there were two) or none (the id); a
// language other than zh and en is an error naming the file.
func TestRuleTitleForms(t *testing.T) {
	const rule = "type: area_ratio, target: {layer: green}, min: 0.3"
	rs, err := Parse("custom.yaml", []byte("rules:\n"+
		"  - {id: a, title: Green share, "+rule+"}\n"+
		"  - {id: b, title: {zh: 绿地率, en: Green space ratio}, description: {zh: 说明}, "+rule+"}\n"+
		"  - {id: c, "+rule+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := func(i int, l i18n.Lang) string { return rs.Rules[i].Title.In(l) }
	if got(0, i18n.ZH) != "Green share" || got(0, i18n.EN) != "Green share" ||
		got(1, i18n.ZH) != "绿地率" || got(1, i18n.EN) != "Green space ratio" ||
		got(2, i18n.ZH) != "c" || got(2, i18n.EN) != "c" ||
		rs.Rules[1].Description.In(i18n.EN) != "说明" {
		t.Errorf("titles: %+v", rs.Rules)
	}
	_, err = Parse("custom.yaml", []byte("rules:\n  - {id: a, title: {zh: 绿地率, fr: Ratio}, "+rule+"}\n"))
	if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), "custom.yaml") || !strings.Contains(err.Error(), "want zh or en") {
		t.Errorf("unknown language: %v", err)
	}
}
