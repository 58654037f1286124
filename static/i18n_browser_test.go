package static_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// TestPagesInBothLanguages: the map, planner and auditor pages on the demo
// town, in a zh-CN and an en-US browser, each used as a person would (see
// test/i18n.test.mjs). Their own words — leaving out data: names of places,
// parks and scenarios, which the pages mark translate="no" — are at least
// 70% Chinese letters in zh-CN and all Latin in en-US, at every step and in
// the auditor's print layout; no key is missing from the catalogue; the
// switch 中文 / English persists across a reload and to other pages and
// keeps the planner's drawing; the token is set through a dialog form by
// keyboard (no prompt()); on a phone the header's links, key button and
// switch are on screen. Screenshots of both languages land in
// test-artifacts/.
func TestPagesInBothLanguages(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	ctx := context.Background()
	var park *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if f.Text("kind") == "park" && f.Text("name") != "" && (park == nil || f.Float("area_m2") > park.Float("area_m2")) {
			park = f
		}
		return true
	})
	if park == nil {
		t.Fatal("no named park in the demo town")
	}
	var env []string
	secrets := map[string]string{}
	for _, tk := range []struct{ name, role, env string }{{"planner1", store.RolePlanner, "PLANNER_TOKEN"}, {"auditor1", store.RoleAuditor, "AUDITOR_TOKEN"}} {
		secret, hash := store.NewToken()
		if err := st.CreateToken(ctx, &store.Token{Name: tk.name, Role: tk.role, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		env = append(env, tk.env+"="+secret)
		secrets[tk.env] = secret
	}
	type lang struct{ Lang, Hint, Heading string }
	var got struct {
		Words []struct {
			Locale, Page, Step, HTMLLang string
			Han, Latin                   int
			Chinese, English             float64
			Samples                      []string
		}
		Missing, Problems []string
		Failed            map[string]string
		Anonymous         map[string]struct{ Message, Detail string }
		Switch            struct {
			Before, PressedBefore string
			AfterClick            struct{ Lang, Hint, Stored string }
			AfterReload, Back     lang
			OtherPage             lang
			Planner               struct {
				Lang    string
				Drawn   int
				Same    bool
				Heading string
			}
		}
		Token struct {
			FatalWithout string
			IconSVG      int
			LabelBefore  string
			Dialog       struct {
				Type    string
				Focused bool
				Label   string
				Buttons []string
			}
			ReopenKeeps string
			AfterEscape struct {
				Open  bool
				Token *string
			}
			AfterSave struct {
				Token, Label string
				Scenarios    bool
			}
			AfterSignOut struct {
				Token *string
				Label string
			}
		}
		Phone []struct {
			Path  string
			Items []struct {
				What                string
				OnScreen, Reachable bool
			}
		}
	}
	dir := artifacts(t)
	runNode(t, &got, env, "test/i18n.test.mjs", srv.URL, park.Text("name"), dir)

	for part, msg := range got.Failed {
		t.Errorf("%s: %s", part, msg)
	}
	// The pages' own words in each language, at every step.
	steps := map[string]int{}
	for _, w := range got.Words {
		steps[w.Locale]++
		where := fmt.Sprintf("%s %s (%s)", w.Locale, w.Page, w.Step)
		switch w.Locale {
		case "zh-CN":
			if w.HTMLLang != "zh-CN" || w.Chinese < 0.70 || w.Han < 50 {
				t.Errorf("%s: <html lang=%q>, %.1f%% Chinese (%d Han, %d Latin letters); Latin in: %q", where, w.HTMLLang, 100*w.Chinese, w.Han, w.Latin, w.Samples)
			}
		case "en-US":
			if w.HTMLLang != "en" || w.Han != 0 || w.Latin < 100 {
				t.Errorf("%s: <html lang=%q>, %d Han, %d Latin letters; Chinese in: %q", where, w.HTMLLang, w.Han, w.Latin, w.Samples)
			}
		}
		t.Logf("%-6s %-8s %-24s %5.1f%% Chinese (%d Han, %d Latin)", w.Locale, w.Page, w.Step, 100*w.Chinese, w.Han, w.Latin)
	}
	if steps["zh-CN"] != 8 || steps["en-US"] != 8 {
		t.Errorf("steps measured: %v, want 8 in each language", steps)
	}
	for _, k := range got.Missing {
		t.Errorf("a page asked for a key the catalogue lacks: %s", k)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	// An API error in the reader's words, the server's detail beside it.
	for locale, a := range got.Anonymous {
		if !strings.Contains(a.Detail, "needs a token of role auditor") || a.Message == "" || strings.Contains(a.Message, "needs a token") {
			t.Errorf("%s without a token: %+v", locale, a)
		}
	}
	if zh := got.Anonymous["zh-CN"].Message; !strings.Contains(zh, "登录") {
		t.Errorf("zh-CN without a token says %q", zh)
	}

	// The switch.
	sw := got.Switch
	if sw.Before != "zh-CN" || sw.PressedBefore != "zh-CN" || sw.AfterClick.Lang != "en" || sw.AfterClick.Stored != "en" ||
		!strings.HasPrefix(sw.AfterClick.Hint, "Click a park") || sw.AfterReload.Lang != "en" || sw.AfterReload.Hint != sw.AfterClick.Hint ||
		sw.OtherPage.Lang != "en" || sw.OtherPage.Heading != "Coverage audit" || sw.Back.Lang != "zh-CN" || !strings.HasPrefix(sw.Back.Hint, "点击公园") {
		t.Errorf("the language switch: %+v", sw)
	}
	if p := sw.Planner; p.Lang != "zh-CN" || p.Drawn != 1 || !p.Same || p.Heading != "指标" {
		t.Errorf("the planner's drawing across a switch: %+v", p)
	}

	// The token dialog.
	tk := got.Token
	if !strings.Contains(tk.FatalWithout, "令牌") || tk.IconSVG != 1 || strings.ContainsRune(tk.LabelBefore, '🔑') || tk.LabelBefore != "令牌" {
		t.Errorf("before a token: %+v", tk)
	}
	if d := tk.Dialog; d.Type != "password" || !d.Focused || d.Label != "令牌" || !slices.Equal(d.Buttons, []string{"登录", "取消"}) {
		t.Errorf("the token dialog: %+v", d)
	}
	if tk.ReopenKeeps != "typed" {
		t.Errorf("the token dialog closed and opened again at once: what was typed became %q", tk.ReopenKeeps)
	}
	if tk.AfterEscape.Open || tk.AfterEscape.Token != nil {
		t.Errorf("Escape did not cancel: %+v", tk.AfterEscape)
	}
	if a := tk.AfterSave; a.Token != secrets["PLANNER_TOKEN"] || a.Label != "已登录" || !a.Scenarios {
		t.Errorf("after signing in by the dialog: %+v", a)
	}
	if a := tk.AfterSignOut; a.Token != nil || a.Label != "令牌" {
		t.Errorf("after signing out: %+v", a)
	}

	// The header on a phone.
	// The map and the auditor's page link the case board; the map has the
	// survey's token button.
	want := map[string][]string{"/": {"planner", "auditor", "cases", "zh-CN", "en", "token"}, "/planner": {"./", "auditor", "zh-CN", "en", "token"}, "/auditor": {"./", "planner", "cases", "zh-CN", "en", "token"}}
	if len(got.Phone) != len(want) {
		t.Errorf("phone: %d pages, want %d", len(got.Phone), len(want))
	}
	for _, p := range got.Phone {
		var seen []string
		for _, it := range p.Items {
			seen = append(seen, it.What)
			if !it.OnScreen || !it.Reachable {
				t.Errorf("phone %s: %s on screen %v, reachable %v", p.Path, it.What, it.OnScreen, it.Reachable)
			}
		}
		if !slices.Equal(seen, want[p.Path]) {
			t.Errorf("phone %s: header has %q, want %q", p.Path, seen, want[p.Path])
		}
	}
	t.Logf("screenshots in %s (i18n-*.png)", dir)
}
