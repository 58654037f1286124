package static_test

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/greenreach/greenreach/static"
)

// TestPageHeadersLinkCasePages: each page's header links the pages its
// users go to next: the public map and the auditor's page (the
// assessment) the case board; the board the inspector's and the unit's
// pages; those two back to the map and the board. Every link is a
// page the service serves.
func TestPageHeadersLinkCasePages(t *testing.T) {
	want := map[string][]string{
		"index.html":   {"planner", "auditor", "cases"},
		"planner.html": {"./", "auditor"},
		"auditor.html": {"./", "planner", "cases"},
		"cases.html":   {"./", "inspect", "unit"},
		"inspect.html": {"./", "cases"},
		"unit.html":    {"./", "cases"},
	}
	nav := regexp.MustCompile(`(?s)<nav class="nav"[^>]*>(.*?)</nav>`)
	href := regexp.MustCompile(`<a href="([^"]*)" data-i18n="nav\.[a-z]+">`)
	for page, links := range want {
		b, err := fs.ReadFile(static.FS, page)
		if err != nil {
			t.Fatal(err)
		}
		m := nav.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s has no header nav", page)
			continue
		}
		var got []string
		for _, h := range href.FindAllSubmatch(m[1], -1) {
			got = append(got, string(h[1]))
		}
		if !slices.Equal(got, links) {
			t.Errorf("%s's header links %q, want %q", page, got, links)
		}
		for _, l := range got {
			if l != "./" && want[l+".html"] == nil {
				t.Errorf("%s links %s, which is no page", page, l)
			}
		}
	}
}
