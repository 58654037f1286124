package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestCaseImportAPI: POST /api/cases/import stores a 12345 export's rows
// for a dispatcher, adds nothing the second time, refuses other roles,
// answers a bad export with a 422 problem listing its rows and stores
// nothing, and refuses an oversized upload naming the limit.
func TestCaseImportAPI(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	f := func(layer, name string, g orb.Geometry) *geo.Feature {
		return &geo.Feature{Layer: layer, Source: "test", SourceID: name, Geom: g, Props: map[string]any{"name": name}}
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{
			f(geo.Green, "东湖公园", orb.Polygon{{{104.10, 30.62}, {104.11, 30.62}, {104.11, 30.63}, {104.10, 30.63}, {104.10, 30.62}}}),
			f(geo.Roads, "人民南路", orb.LineString{{104.065, 30.61}, {104.065, 30.62}, {104.065, 30.63}}),
			f(geo.Waste, "玉林公厕", orb.Point{104.05, 30.633}),
		})
	}); err != nil {
		t.Fatal(err)
	}
	e := newCaseEnv(t, st)
	e.clk.Set(caseT0.AddDate(0, 0, 1)) // the day after the fixture's calls
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "cases", "hotline", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	count := func() int {
		cs, err := st.ListCases(ctx, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	post := func(as, query string, body []byte) (int, map[string]any) {
		rec := e.do(req{method: http.MethodPost, path: "/api/cases/import" + query, as: as, body: body, ctype: "text/csv"})
		var m map[string]any
		json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m
	}
	for _, as := range []string{"insp-wang", "dh-team", "plan-chen", ""} {
		if code, _ := post(as, "", fixture("12345_gb18030.csv")); code != http.StatusForbidden && code != http.StatusUnauthorized {
			t.Errorf("%q may import: %d", as, code)
		}
	}
	if code, m := post("disp-li", "?dry_run=true", fixture("12345_gb18030.csv")); code != http.StatusOK || m["rows"] != 7.0 || count() != 0 {
		t.Fatalf("dry run: %d %v, %d cases", code, m, count())
	}
	if code, m := post("disp-li", "", fixture("12345_gb18030.csv")); code != http.StatusOK || m["stored"] != 7.0 || count() != 7 {
		t.Fatalf("import: %d %v, %d cases", code, m, count())
	}
	if code, m := post("root", "", fixture("12345_utf8bom.csv")); code != http.StatusOK || m["stored"] != 0.0 || m["existing"] != 7.0 || count() != 7 {
		t.Fatalf("re-import: %d %v, %d cases", code, m, count())
	}
	rec := e.do(req{method: http.MethodPost, path: "/api/cases/import", as: "disp-li", body: fixture("12345_bad.csv"), ctype: "text/csv"})
	var p struct {
		Status int
		Rows   []struct {
			Line   int
			Ref    string
			Reason string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusUnprocessableEntity || rec.Header().Get("Content-Type") != "application/problem+json" ||
		len(p.Rows) != 7 || p.Rows[0].Line != 5 || p.Rows[0].Ref != "GD20260302000101" || !strings.Contains(p.Rows[0].Reason, "ambiguous") && !strings.Contains(p.Rows[0].Reason, "no named feature") {
		t.Fatalf("bad export: %d %s", rec.Code, rec.Body)
	}
	if count() != 7 {
		t.Errorf("a refused import stored cases: %d", count())
	}
	if code, m := post("disp-li", "", []byte(strings.Repeat("x", 17<<20))); code != http.StatusRequestEntityTooLarge || !strings.Contains(m["detail"].(string), "limit of 16777216 bytes") {
		t.Errorf("oversized: %d %v", code, m)
	}
	if code, m := post("disp-li", "", []byte("\x00\x01binary")); code != http.StatusUnprocessableEntity || !strings.Contains(m["detail"].(string), "binary data") {
		t.Errorf("binary: %d %v", code, m)
	}
	if code, _ := post("disp-li", "?crs=mars", fixture("12345_utf8bom.csv")); code != http.StatusBadRequest {
		t.Errorf("crs=mars: %d", code)
	}
}
