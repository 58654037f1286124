package cases

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultCatalog: the shipped catalog parses and holds every category
// the issue names, each with both names, a group, a deadline and a weight.
func TestDefaultCatalog(t *testing.T) {
	c := Default()
	want := []string{"树木死株/缺株", "断枝", "病虫害", "绿地脏乱", "绿地被占", "设施损坏", "暴露垃圾", "垃圾满溢", "卫生死角", "公厕脏乱", "收集点损坏", "清运不及时", "乱倒建筑垃圾"}
	if len(c.Categories) != len(want) {
		t.Errorf("%d categories, want %d", len(c.Categories), len(want))
	}
	byZh := map[string]Category{}
	for _, k := range c.Categories {
		byZh[k.Zh] = k
	}
	for _, zh := range want {
		k, ok := byZh[zh]
		if !ok {
			t.Errorf("no category %s", zh)
			continue
		}
		if k.En == "" || k.DeadlineHours <= 0 || k.Weight <= 0 || (k.Group != "greening" && k.Group != "sanitation") || c.Category(k.Code) == nil {
			t.Errorf("%s: %+v", zh, k)
		}
	}
	if c.DuplicateRadius != 30 {
		t.Errorf("duplicate radius %g", c.DuplicateRadius)
	}
	if !strings.Contains(string(DefaultYAML()), "乱倒建筑垃圾") {
		t.Error("DefaultYAML is not the shipped text")
	}
}

// TestCatalogRefusals: each bad catalog is refused with the line of the
// offending entry.
func TestCatalogRefusals(t *testing.T) {
	base := string(DefaultYAML())
	// The line of the broken_branch entry, counted in the text itself.
	lineOf := func(text, needle string) int {
		i := strings.Index(text, needle)
		if i < 0 {
			t.Fatalf("fixture: %q not in the catalog", needle)
		}
		return strings.Count(text[:i], "\n") + 1
	}
	entry := "  - code: broken_branch\n"
	cases := []struct {
		name, from, to, needle, want string
	}{
		{"unknown field", "    zh: 断枝\n", "    zh: 断枝\n    colour: red\n", "    colour: red", "field colour not found"},
		{"duplicate code", "  - code: pests_disease\n", "  - code: broken_branch\n", "  - code: broken_branch\n    zh: 病虫害", "used twice"},
		{"zero deadline", "    en: Broken branch\n    group: greening\n    deadline_hours: 24\n", "    en: Broken branch\n    group: greening\n    deadline_hours: 0\n", entry, "deadline_hours 0"},
		{"negative deadline", "    en: Broken branch\n    group: greening\n    deadline_hours: 24\n", "    en: Broken branch\n    group: greening\n    deadline_hours: -5\n", entry, "deadline_hours -5"},
		{"zero weight", "    deadline_hours: 24\n    weight: 3\n", "    deadline_hours: 24\n    weight: 0\n", entry, "weight 0"},
		{"unknown group", "    en: Broken branch\n    group: greening\n", "    en: Broken branch\n    group: parks\n", entry, `group "parks"`},
		{"no english name", "    en: Broken branch\n", "    en: \"\"\n", entry, "both zh and en"},
		{"state the workflow lacks", "  - {code: closed, zh: 结案, en: Closed}\n", "  - {code: closed, zh: 结案, en: Closed}\n  - {code: archived, zh: 归档, en: Archived}\n", "  - {code: archived", `state "archived"`},
		{"bad code", "  - code: broken_branch\n", "  - code: Broken-Branch\n", "  - code: Broken-Branch", "a–z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.from) {
				t.Fatalf("fixture: %q not in the catalog", tc.from)
			}
			text := strings.Replace(base, tc.from, tc.to, 1)
			_, err := Parse("my.yaml", []byte(text))
			if !errors.Is(err, ErrCatalog) {
				t.Fatalf("parsed: %v", err)
			}
			line := lineOf(text, tc.needle)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fmt.Sprintf("my.yaml:%d:", line)) && !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
				t.Errorf("error %q: want %q at line %d", err, tc.want, line)
			}
		})
	}
	// A missing state label names the state.
	text := strings.Replace(base, "  - {code: verified, zh: 已核查, en: Verified}\n", "", 1)
	if _, err := Parse("my.yaml", []byte(text)); err == nil || !strings.Contains(err.Error(), `"verified"`) {
		t.Errorf("catalog without a label for verified: %v", err)
	}
	// Load refuses an oversized file before reading it.
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("#", maxCatalogBytes+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("oversized catalog: %v", err)
	}
}
