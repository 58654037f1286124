package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// TestSurveyInBrowser: on the demo town, an inspector with a token finds
// a park on the map and sees its survey record (in Chinese) and an edit
// form; her save lands in the store with a history line; when another
// inspector saves first, her next save is refused and the page shows the
// catalogue's words for it, then loads the newer record. Screenshots land
// in test-artifacts/.
func TestSurveyInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	ctx := context.Background()
	us, err := demotown.Units(demotown.Options{Seed: 1, Size: "small"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUnits(ctx, us); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, name := range []string{"insp-wang", "insp-li"} {
		secret, hash := store.NewToken()
		if err := st.CreateToken(ctx, &store.Token{Name: name, Role: store.RoleInspector, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		tokens[name] = secret
	}
	// The largest public park whose name no other green space shares.
	names := map[string]int{}
	var park *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		names[f.Text("name")]++
		return true
	})
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if f.Text("kind") == "park" && f.Bool("public") && names[f.Text("name")] == 1 && (park == nil || f.Float("area_m2") > park.Float("area_m2")) {
			park = f
		}
		return true
	})
	if park == nil {
		t.Fatal("no park with a name of its own in the demo town")
	}
	trees := park.Int("trees") + 7

	var got struct {
		Lang, Heading string
		TokenButton   int
		Before        struct {
			ID, Version int64
			Editable    []string
		}
		Fields []string
		Saved  struct {
			Message, Trees string
			Version        int64
			History        []string
		}
		Other    int
		Stale    string
		Reloaded struct {
			Trees   string
			Version int64
			History int
		}
		Problems []string
	}
	runNode(t, &got, []string{"INSPECTOR_TOKEN=" + tokens["insp-wang"], "OTHER_TOKEN=" + tokens["insp-li"]},
		"test/survey.test.mjs", srv.URL, park.Text("name"), fmt.Sprint(trees), artifacts(t))

	zh := catalogue(t, "zh-CN")
	if got.Lang != "zh-CN" || got.Heading != zh["survey.heading"] || got.TokenButton != 1 ||
		!slices.Equal(got.Fields, []string{"养护等级", "责任单位", "乔木株数", "灌木面积", "草坪面积"}) {
		t.Errorf("not the survey in Chinese: lang %s, heading %q, %d token buttons, fields %q", got.Lang, got.Heading, got.TokenButton, got.Fields)
	}
	if got.Before.ID != park.ID || got.Before.Version != park.Version || len(got.Before.Editable) != 5 {
		t.Fatalf("the page surveyed %+v, want park %d (%s) at version %d", got.Before, park.ID, park.Text("name"), park.Version)
	}
	wantTrees := strings.ReplaceAll(zh["survey.treesN"], "{n}", grouped(trees))
	if got.Saved.Version != park.Version+1 || got.Saved.Trees != wantTrees || len(got.Saved.History) != 1 ||
		!strings.Contains(got.Saved.History[0], "insp-wang") || !strings.Contains(got.Saved.History[0], grouped(park.Int("trees"))+" 株 → "+wantTrees) ||
		!strings.Contains(got.Saved.Message, fmt.Sprint(park.Version+1)) {
		t.Errorf("after her save: %+v, want trees %q at version %d", got.Saved, wantTrees, park.Version+1)
	}
	if got.Other != 200 || got.Stale != zh["problem.survey_record_changed"] {
		t.Errorf("the other's save: %d; the page's refusal %q, want %q", got.Other, got.Stale, zh["problem.survey_record_changed"])
	}
	if got.Reloaded.Version != park.Version+2 || got.Reloaded.Trees != strings.ReplaceAll(zh["survey.treesN"], "{n}", "4,321") || got.Reloaded.History != 2 {
		t.Errorf("the latest record: %+v", got.Reloaded)
	}
	// The store: the other's trees, two history entries, no lawn change.
	f, err := st.Get(ctx, geo.Green, park.ID)
	if err != nil || f.Int("trees") != 4321 || f.Version != park.Version+2 || f.Float("lawn_m2") != park.Float("lawn_m2") {
		t.Errorf("stored: %+v %v", f, err)
	}
	h, err := st.SurveyHistory(ctx, geo.Green, park.ID, 0)
	if err != nil || len(h) != 2 || h[0].Who != "insp-li" || h[1].Who != "insp-wang" || h[1].New != fmt.Sprint(trees) || h[1].Note != "2026 年普查" {
		t.Errorf("history: %+v %v", h, err)
	}
	for _, p := range got.Problems {
		if !strings.Contains(p, "HTTP 412 ") && !strings.Contains(p, "412 (Precondition Failed)") {
			t.Errorf("the page reported: %s", p)
		}
	}
}

// catalogue reads a language's catalogue.
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("i18n/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// grouped writes n with thousands separators, as the pages print counts.
func grouped(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
