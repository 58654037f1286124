package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditCommand: demo town → audit table, an HTML report file, the
// rules printed; bad rules files and flags are one-line errors naming the
// problem, and leave no report behind.
func TestAuditCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	demo(t, db, "small")
	// English on request (these words are English); Chinese by default.
	code, out, errs := runCLI(t, ctx, "--db", db, "audit", "--lang", "en")
	if code != 0 || !strings.Contains(out, "park-500m-walk") || !strings.Contains(out, "distances by walking") || !strings.Contains(out, "FAIL") {
		t.Fatalf("audit: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, ctx, "--db", db, "audit")
	if code != 0 || !strings.Contains(out, "park-500m-walk") || !strings.Contains(out, "按步行路网计算距离") || !strings.Contains(out, "未达标") {
		t.Fatalf("audit in Chinese: %d\n%s\n%s", code, out, errs)
	}
	report := filepath.Join(dir, "report.html")
	if code, _, errs := runCLI(t, ctx, "--db", db, "audit", "--mode", "straight", "--format", "html", "--lang", "en", "--out", report); code != 0 {
		t.Fatalf("html: %d %s", code, errs)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "straight line") || !strings.Contains(string(b), `<html lang="en">`) {
		t.Errorf("report: %v %d bytes", err, len(b))
	}
	if code, _, errs := runCLI(t, ctx, "--db", db, "audit", "--mode", "straight", "--format", "html", "--out", report); code != 0 {
		t.Fatalf("html: %d %s", code, errs)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), "按直线计算距离") || !strings.Contains(string(b), `<html lang="zh-CN">`) {
		t.Errorf("zh report: %v %d bytes", err, len(b))
	}
	_, rules, _ := runCLI(t, ctx, "audit", "--print-rules")
	if !strings.Contains(rules, "GB 55014-2021") {
		t.Errorf("--print-rules:\n%s", rules)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - {id: x, type: walk_access, target: {layer: green}, meters: 500, pass: 80}\n"), 0o644)
	out2 := filepath.Join(dir, "never.html")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", db, "audit", "--rules", bad, "--out", out2}, 1, "bad.yaml: rule 1 (x): pass 80"},
		{[]string{"--db", db, "audit", "--rules", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml"},
		{[]string{"--db", db, "audit", "--format", "pdf"}, 2, "--format"},
		{[]string{"--db", db, "audit", "--mode", "fly"}, 2, "--mode"},
		{[]string{"--db", db, "audit", "--lang", "fr"}, 2, "--lang: bad lang \"fr\": want zh-CN or en"},
	} {
		code, _, errs := runCLI(t, ctx, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: %d %q", tc.args, code, errs)
		}
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a failed audit left a report")
	}
}
