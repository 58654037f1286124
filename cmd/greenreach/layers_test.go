package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// TestCLIMessagesComplete: the commands' catalogue has every entry in both
// languages, with the same arguments.
func TestCLIMessagesComplete(t *testing.T) {
	for _, p := range messages.Check() {
		t.Error(p)
	}
}

// TestLayersLanguage: `layers` titles each layer in Chinese by default
// and in English with --lang en, its headings too; a language not spoken
// is a usage error.
func TestLayersLanguage(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "town.gpkg")
	demo(t, db, "small")
	for _, tc := range []struct {
		args  []string
		head  string
		title func(*geo.Schema) string
	}{
		{nil, "图层", func(s *geo.Schema) string { return s.TitleZH }},
		{[]string{"--lang", "zh-CN"}, "图层", func(s *geo.Schema) string { return s.TitleZH }},
		{[]string{"--lang", "en"}, "layer", func(s *geo.Schema) string { return s.Title }},
	} {
		code, out, errs := runCLI(t, ctx, append([]string{"--db", db, "layers"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("layers %v: %d %s", tc.args, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 1+len(geo.Schemas) || !strings.HasPrefix(strings.TrimSpace(lines[0]), tc.head) {
			t.Fatalf("layers %v:\n%s", tc.args, out)
		}
		for i, sc := range geo.Schemas {
			if want := tc.title(sc); want == "" || !strings.HasSuffix(lines[1+i], " "+want) || !strings.HasPrefix(strings.TrimSpace(lines[1+i]), sc.ID+" ") {
				t.Errorf("layers %v: %q, want %s titled %q", tc.args, lines[1+i], sc.ID, want)
			}
		}
	}
	if code, _, errs := runCLI(t, ctx, "--db", db, "layers", "--lang", "fr"); code != 2 || !strings.Contains(errs, "zh-CN or en") {
		t.Errorf("--lang fr: %d %q", code, errs)
	}
}
