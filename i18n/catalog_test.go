package i18n

import (
	"slices"
	"testing"
)

// TestCatalogCheck: an entry missing a language, or whose languages take
// different arguments, is reported; reordered explicit indexes and %% are
// not.
func TestCatalogCheck(t *testing.T) {
	c := Catalog{
		"ok":        {ZH: "居民 %s 人，地块 %d 个", EN: "%s residents, %d parcels"},
		"reordered": {ZH: "%[2]d 个地块、%[1]s 人", EN: "%s residents in %d parcels"},
		"percent":   {ZH: "≥ %.0f%%", EN: "at least %.0f%%"},
		"noEN":      {ZH: "绿地"},
		"noZH":      {EN: "green"},
		"verbs":     {ZH: "%s 米", EN: "%d m"},
		"count":     {ZH: "%s", EN: "%s and %s"},
	}
	got := c.Check()
	want := []string{"count: zh-CN takes [1:s], en [1:s 2:s]", "noEN: no en", "noZH: no zh-CN", "verbs: zh-CN takes [1:s], en [1:d]"}
	if !slices.Equal(got, want) {
		t.Errorf("Check:\n got %q\nwant %q", got, want)
	}
	if s := c.T(ZH, "reordered", "3,000", 12); s != "12 个地块、3,000 人" {
		t.Errorf("T zh: %q", s)
	}
	if s := c.T(EN, "percent", 80.0); s != "at least 80%" {
		t.Errorf("T en: %q", s)
	}
	if s := c.T(EN, "absent"); s != "!absent" || c.Has("absent") || !c.Has("ok") {
		t.Errorf("absent key: %q", s)
	}
}
