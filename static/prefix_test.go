package static_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

// TestPublicMapUnderPrefix: the public map behind a proxy that serves it
// under /greenreach/ (stripping the prefix; --public-url names it) works
// as at the root — parks drawn, search, popups, nearest by walking — and
// the page asks for nothing outside the prefix: its assets, tiles, glyphs
// and API calls are relative.
func TestPublicMapUnderPrefix(t *testing.T) {
	needBrowser(t)
	ctx := context.Background()
	st := memstore.New()
	if _, _, err := osm.ImportFile(ctx, st, storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var outside []string
	var mux http.ServeMux
	srv := httptest.NewServer(&mux)
	defer srv.Close()
	cfg := api.DefaultConfig()
	cfg.PublicURL = srv.URL + "/greenreach"
	h := api.New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	mux.Handle("/greenreach/", http.StripPrefix("/greenreach", h))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		outside = append(outside, r.URL.String())
		mu.Unlock()
		http.NotFound(w, r)
	})

	var park *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if f.Text("kind") == "park" && f.Text("name") != "" && (park == nil || f.Float("area_m2") > park.Float("area_m2")) {
			park = f
		}
		return true
	})
	if park == nil {
		t.Fatal("no named park in Chengdu")
	}
	var got struct {
		Rendered []int64
		Results  []string
		Selected struct{ ID int64 }
		Nearest  struct {
			Features []struct{ ID int64 }
		}
		Problems []string
	}
	runNode(t, &got, nil, "test/map.test.mjs", srv.URL+"/greenreach", park.Text("name"), t.TempDir())
	if len(got.Rendered) < 10 || got.Selected.ID != park.ID || len(got.Results) == 0 || len(got.Nearest.Features) == 0 {
		t.Errorf("under the prefix: %d parks rendered, search %q picked %d (want %d), %d nearest", len(got.Rendered), got.Results, got.Selected.ID, park.ID, len(got.Nearest.Features))
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range outside {
		if !strings.HasPrefix(u, "/favicon.ico") {
			t.Errorf("the page asked for %s, outside /greenreach/", u)
		}
	}
}
