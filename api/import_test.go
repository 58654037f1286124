package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/live/livetest"
	"github.com/greenreach/greenreach/store/storetest"
)

// parksFC is a FeatureCollection of n small parks with ids p1…pn.
func parksFC(n int, lon float64) string {
	var fs []string
	for i := 1; i <= n; i++ {
		x := lon + float64(i)*0.002
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":"p%d","properties":{"name":"公园%d","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[%f,30.45],[%f,30.45],[%f,30.451],[%f,30.451],[%f,30.45]]]}}`, i, i, x, x+0.001, x+0.001, x, x))
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
}

// TestImportNeverDeletesUnasked: uploads add and update only. A second
// file (same ids) keeps every park of the first, the very same file again
// duplicates nothing, an empty FeatureCollection deletes nothing, and
// replace=true needs a named source and lists the ids it deleted.
func TestImportNeverDeletesUnasked(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	greens := func() int { return ix.Snapshot().Layer(geo.Green).Len() }
	base := greens()
	upload := func(query, body string) (int, importer.Summary, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/import?format=geojson&layer=green"+query, strings.NewReader(body)))
		var sum importer.Summary
		json.Unmarshal(rec.Body.Bytes(), &sum)
		return rec.Code, sum, rec.Body.String()
	}
	district1, district2 := parksFC(3, 103.60), parksFC(2, 103.70)
	c1, s1, b1 := upload("", district1)
	c2, s2, b2 := upload("", district2)
	if c1 != 200 || c2 != 200 || greens() != base+5 || s2.Totals().Deleted != 0 {
		t.Fatalf("district1 then district2: %d %d, %d parks (want %d): %s %s", c1, c2, greens(), base+5, b1, b2)
	}
	if s1.Source == s2.Source || !strings.HasPrefix(s1.Source, "upload:geojson:green@") {
		t.Errorf("sources %q and %q: want distinct upload:geojson:green@HASH", s1.Source, s2.Source)
	}
	if c, again, b := upload("", district1); c != 200 || again.Source != s1.Source || again.Layers[geo.Green].Replaced != 3 || greens() != base+5 {
		t.Errorf("district1 again: %d, %d parks (want %d): %s", c, greens(), base+5, b)
	}
	before := storetest.Snapshot(t, st)
	if c, sum, b := upload("", `{"type":"FeatureCollection","features":[]}`); c != 200 || sum.Totals().Deleted != 0 || greens() != base+5 {
		t.Errorf("an empty FeatureCollection: %d, %d parks (want %d): %s", c, greens(), base+5, b)
	}
	if c, _, b := upload("&replace=true", district1); c != 400 || !strings.Contains(b, "replace=true needs source=") {
		t.Errorf("replace without a source: %d %s", c, b)
	}
	if c, _, b := upload("&source=parks&replace=maybe", district1); c != 400 {
		t.Errorf("replace=maybe: %d %s", c, b)
	}
	if after := storetest.Snapshot(t, st); after != before {
		t.Errorf("an empty or refused upload changed the store")
	}
	if c, _, b := upload("&source=parks", district1); c != 200 {
		t.Fatalf("source=parks: %d %s", c, b)
	}
	var gone []int64
	st.Scan(t.Context(), geo.Green, func(f *geo.Feature) error {
		if f.Source == "parks" && f.SourceID != "p1" {
			gone = append(gone, f.ID)
		}
		return nil
	})
	slices.Sort(gone)
	c, sum, b := upload("&source=parks&replace=true", parksFC(1, 103.60))
	if g := sum.Layers[geo.Green]; c != 200 || !sum.Replace || g.Deleted != 2 || !slices.Equal(g.DeletedIDs, gone) || greens() != base+6 {
		t.Errorf("replace of parks by one park: %d, deleted %v (want %v), %d parks (want %d): %s", c, g.DeletedIDs, gone, greens(), base+6, b)
	}
}

// TestImportTimeBudget: an upload whose reading and loading outlast the
// write timeout is stopped with 503 naming the budget, and nothing of it is
// stored (issue 16, item 6: imports, like queries, have a time budget).
func TestImportTimeBudget(t *testing.T) {
	st, ix := livetest.Demo(t, "small")
	cfg := openConfig()
	cfg.WriteTimeout = time.Nanosecond // spent before the file is read
	s := New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	before := storetest.Snapshot(t, st)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/import?format=geojson&layer=green", strings.NewReader(parksFC(50, 103.6))))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "may take at most 1ns (the write timeout)") || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("an import past its budget: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if after := storetest.Snapshot(t, st); after != before {
		t.Error("an import stopped by its budget changed the store")
	}
}
