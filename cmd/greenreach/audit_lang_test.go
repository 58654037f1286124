package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/gpkg"
)

// required fails a test without a tool it needs in CI (or with
// GREENREACH_REQUIRE_TOOLS set), and skips it elsewhere.
func required(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
		t.Fatalf("required: %s", what)
	}
	t.Skipf("missing: %s", what)
}

// auditFiles writes the demo town's audit in format with args to a file
// and returns its bytes.
func auditFile(t *testing.T, db, name string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(filepath.Dir(db), name)
	code, _, errs := runCLI(t, context.Background(), append([]string{"--db", db, "audit", "--mode", "straight", "--out", path}, args...)...)
	if code != 0 {
		t.Fatalf("audit %v: %d %s", args, code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAuditReportInChromium: `audit --format html` opens in chromium as
// a Chinese page (lang="zh-CN", its own words at least 70% Chinese letters,
// leaving out names from the data) by default and as an English one (no
// Chinese of its own) with --lang en; it asks for nothing off the file.
// Screenshots of both land in test-artifacts/.
func TestAuditReportInChromium(t *testing.T) {
	_, err := exec.LookPath("node")
	required(t, err == nil, "node (nodejs)")
	_, err = os.Stat("../../static/node_modules/playwright-core")
	required(t, err == nil, "static/node_modules/playwright-core (npm ci in static/)")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, err = os.Stat(chromium)
	required(t, err == nil, "chromium (Debian package)")

	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	demo(t, db, "small")
	auditFile(t, db, "zh.html", "--format", "html")
	auditFile(t, db, "en.html", "--format", "html", "--lang", "en")
	artifacts, err := filepath.Abs(filepath.Join("..", "..", "test-artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/report.test.mjs", filepath.Join(dir, "zh.html"), filepath.Join(dir, "en.html"), artifacts)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, stderr.String(), raw)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var got struct {
		Reports []struct {
			Locale string
			Words  struct {
				Lang                     string
				Han, Latin               int
				Chinese                  float64
				LatinSamples, HanSamples []string
			}
			Info struct {
				Title, Heading string
				Tables         int
				Map            bool
				FirstRow       []string
			}
			Problems   []string
			Screenshot string
		}
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("node printed %q: %v", raw, err)
	}
	if len(got.Reports) != 2 {
		t.Fatalf("%d reports opened", len(got.Reports))
	}
	for _, r := range got.Reports {
		w, in := r.Words, r.Info
		t.Logf("%s: <html lang=%q> %.1f%% Chinese (%d Han, %d Latin letters), %d tables; %s", r.Locale, w.Lang, 100*w.Chinese, w.Han, w.Latin, in.Tables, r.Screenshot)
		for _, p := range r.Problems {
			t.Errorf("%s: %s", r.Locale, p)
		}
		if in.Tables != 8 || !in.Map {
			t.Errorf("%s: %d tables, map %v", r.Locale, in.Tables, in.Map)
		}
		switch r.Locale {
		case "zh-CN":
			if w.Lang != "zh-CN" || w.Chinese < 0.70 || w.Han < 500 || in.Heading != "公园绿地服务覆盖考核" || in.FirstRow[0] != "全市" || in.FirstRow[3] != "未达标" && in.FirstRow[3] != "达标" {
				t.Errorf("zh-CN report: lang %q, %.1f%% Chinese, heading %q, first row %q; Latin in %q", w.Lang, 100*w.Chinese, in.Heading, in.FirstRow, w.LatinSamples)
			}
		case "en-US":
			if w.Lang != "en" || w.Latin < 500 || in.Heading != "Coverage audit" || in.FirstRow[0] != "city" {
				t.Errorf("en report: lang %q, %d Latin, heading %q, first row %q", w.Lang, w.Latin, in.Heading, in.FirstRow)
			}
		}
		if _, err := os.Stat(filepath.Join(artifacts, r.Screenshot)); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
}

// TestAuditCSVPython: the CSV starts with a UTF-8 byte-order mark and
// reads back with Python's csv module through utf-8-sig — Chinese header
// and names intact, numbers without separators; --lang en gives the
// English header, --bom=false leaves the mark out.
func TestAuditCSVPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	required(t, err == nil, "python3")
	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	demo(t, db, "small")
	zh := auditFile(t, db, "zh.csv", "--format", "csv")
	en := auditFile(t, db, "en.csv", "--format", "csv", "--lang", "en")
	plain := auditFile(t, db, "plain.csv", "--format", "csv", "--bom=false")
	if !bytes.HasPrefix(zh, []byte("\xef\xbb\xbf")) || !bytes.HasPrefix(en, []byte("\xef\xbb\xbf")) {
		t.Errorf("no byte-order mark: %q / %q", zh[:min(12, len(zh))], en[:min(12, len(en))])
	}
	if !bytes.Equal(plain, bytes.TrimPrefix(zh, []byte("\xef\xbb\xbf"))) {
		t.Error("--bom=false: not the same CSV without the mark")
	}
	out, err := exec.Command(py, "-c", `import csv, json, sys
out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        out[path] = list(csv.DictReader(f))
json.dump(out, sys.stdout, ensure_ascii=False)`, filepath.Join(dir, "zh.csv"), filepath.Join(dir, "en.csv")).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var rows map[string][]map[string]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	zr, er := rows[filepath.Join(dir, "zh.csv")], rows[filepath.Join(dir, "en.csv")]
	if len(zr) < 10 || len(zr) != len(er) {
		t.Fatalf("rows: %d zh, %d en", len(zr), len(er))
	}
	// The demo town's districts are named in Chinese; the first rule's
	// rows, city first, then districts.
	names := map[string]bool{}
	for _, f := range geoAreas(t, db) {
		names[f] = true
	}
	for i, z := range zr {
		e := er[i]
		if z["规则编号"] != e["rule"] || z["统计单元"] != e["unit"] && e["unit"] != "city" || z["居民人数"] != e["residents"] || z["指标值"] != e["value"] {
			t.Errorf("row %d: zh %v, en %v", i, z, e)
		}
		if strings.Contains(z["居民人数"], ",") {
			t.Errorf("row %d: residents %q has a separator", i, z["居民人数"])
		}
		if e["unit"] != "city" && !names[z["统计单元"]] {
			t.Errorf("row %d: unit %q is not an area of the town", i, z["统计单元"])
		}
	}
	if zr[0]["统计单元"] != "全市" || zr[0]["层级"] != "全市" || er[0]["level"] != "city" || (zr[0]["是否达标"] != "是" && zr[0]["是否达标"] != "否") {
		t.Errorf("city row: %v / %v", zr[0], er[0])
	}
}

// geoAreas lists the names of the areas in the store at db.
func geoAreas(t *testing.T, db string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := gpkg.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ix.Snapshot().Layer(geo.Areas).Scan(func(f *geo.Feature) bool {
		names = append(names, f.Text("name"))
		return true
	})
	if len(names) == 0 {
		t.Fatal("the demo town has no areas")
	}
	return names
}
