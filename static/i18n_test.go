package static_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/static"
)

// catalogues reads the pages' message catalogues, one per language.
func catalogues(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh-CN", "en"} {
		b, err := fs.ReadFile(static.FS, "i18n/"+lang+".json")
		if err != nil {
			t.Fatalf("the %s catalogue is not embedded: %v", lang, err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("i18n/%s.json: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// TestCataloguesComplete: both languages have exactly the same keys, no
// empty message, and the same {placeholders} in each message.
func TestCataloguesComplete(t *testing.T) {
	cs := catalogues(t)
	zh, en := cs["zh-CN"], cs["en"]
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in zh-CN.json, not in en.json", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%q is in en.json, not in zh-CN.json", k)
		}
	}
	vars := func(s string) []string {
		var v []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			v = append(v, m[1])
		}
		sort.Strings(v)
		return v
	}
	for k, z := range zh {
		e, ok := en[k]
		if !ok {
			continue
		}
		if strings.TrimSpace(z) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%q is empty in a catalogue", k)
		}
		if !slices.Equal(vars(z), vars(e)) {
			t.Errorf("%q: zh-CN fills %v, en %v", k, vars(z), vars(e))
		}
	}
	t.Logf("%d keys in each catalogue", len(zh))
}

// The keys the pages name literally: data-i18n* attributes in the HTML,
// and quoted catalogue keys in the scripts ('near.headWalk', t('aud.na')).
var (
	htmlKey = regexp.MustCompile(`data-i18n(?:-html|-title|-placeholder|-aria-label)?="([^"]+)"`)
	jsKey   = regexp.MustCompile(`'([a-z][A-Za-z]*\.[A-Za-z0-9_.-]*[A-Za-z0-9])'`)
)

// TestCatalogueHasEveryKey: every key the pages and scripts use is in the
// catalogues, and so is every key they build from data: a title,
// description and source for each default rule, a measure for each rule
// type, a name for each administrative level, and a message for each
// problem title the API sends.
func TestCatalogueHasEveryKey(t *testing.T) {
	cs := catalogues(t)
	cat := cs["en"]
	prefixes := map[string]bool{}
	for k := range cat {
		prefixes[k[:strings.Index(k, ".")]] = true
	}
	used := map[string]string{} // key → where
	var names []string
	for _, pattern := range []string{"*.html", "*.js"} {
		m, err := fs.Glob(static.FS, pattern)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	for _, name := range names {
		b, err := fs.ReadFile(static.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		re := jsKey
		if strings.HasSuffix(name, ".html") {
			re = htmlKey
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if k := m[1]; re == htmlKey || prefixes[k[:strings.Index(k, ".")]] {
				used[k] = name
			}
		}
	}
	if len(used) < 100 {
		t.Fatalf("only %d keys found in the pages: is the scan broken?", len(used))
	}
	for _, rule := range coverage.Default().Rules {
		for _, part := range []string{"title", "desc", "source"} {
			used["rule."+rule.ID+"."+part] = "the default rules"
		}
		used["measure."+rule.Type] = "the default rules' types"
	}
	for _, level := range []string{"city", "district", "subdistrict", "community"} {
		used["level."+level] = "the areas' levels"
	}
	titles := problemTitles(t)
	for _, title := range titles {
		used["problem."+strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(title), "_"), "_")] = "the API's problem title " + title
	}
	for lang, c := range cs {
		for k, where := range used {
			if _, ok := c[k]; !ok {
				t.Errorf("%s uses %q, which the %s catalogue lacks", where, k, lang)
			}
		}
	}
	t.Logf("%d keys used, %d problem titles", len(used), len(titles))
}

// problemTitles lists the titles of the API's problem answers, from its
// source: &appError{Status: …, Title: "…"} and fixRefused("…", …).
func problemTitles(t *testing.T) []string {
	t.Helper()
	re := regexp.MustCompile(`appError\{Status:[^,]+,\s*Title:\s*"([^"]+)"|fixRefused\("([^"]+)"`)
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", "api"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]+m[2]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d problem titles found in ../api: is the scan broken?", len(seen))
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
