package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"weak"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

func TestTiles(t *testing.T) {
	s, st, ix := newTestServer(t)
	h := s.Handler()
	tile := maptile.At(orb.Point{104.061, 30.6605}, 14)
	path := "/tiles/green/14/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"
	req := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := req(path)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" || rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") == "" {
		t.Fatalf("tile: %d %v", rec.Code, rec.Header())
	}
	ls, err := mvt.Unmarshal(rec.Body.Bytes())
	if err != nil || len(ls) != 1 || ls[0].Name != "green" || len(ls[0].Features) == 0 {
		t.Fatalf("decoded %v %v", ls, err)
	}
	if name := ls[0].Features[0].Properties["name"]; name != "人民公园 1" {
		t.Errorf("park name %v", name)
	}
	etag := rec.Header().Get("ETag")
	gz := req(path, "Accept-Encoding", "gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip")
	}
	if _, err := mvt.UnmarshalGzipped(gz.Body.Bytes()); err != nil {
		t.Errorf("gzipped tile: %v", err)
	}
	if nm := req(path, "If-None-Match", etag); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", nm.Code)
	}
	// An edit to the layer changes the tile and its ETag at once; another
	// layer's tile keeps its ETag.
	roadPath := "/tiles/roads/14/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"
	roadTag := req(roadPath).Header().Get("ETag")
	ctx := context.Background()
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Delete(ctx, geo.Green, 1) }); err != nil {
		t.Fatal(err)
	}
	after := req(path, "If-None-Match", etag)
	if after.Code != 200 || after.Header().Get("ETag") == etag {
		t.Fatalf("after edit: %d, etag %s", after.Code, after.Header().Get("ETag"))
	}
	ls, _ = mvt.Unmarshal(after.Body.Bytes())
	for _, l := range ls {
		for _, f := range l.Features {
			if f.ID.(float64) == 1 {
				t.Errorf("deleted park still in the tile")
			}
		}
	}
	if req(roadPath).Header().Get("ETag") != roadTag {
		t.Errorf("a green edit changed the roads tile's ETag")
	}
	if pub := req("/tiles/public/14/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"); pub.Code != 200 {
		t.Errorf("public tile %d", pub.Code)
	} else {
		// The public layers that have a feature in the tile, and no empty
		// layer (MVT 2.1 §4.1; empty ones were written before).
		var want, got []string
		for _, l := range tiles.Public {
			found := false
			ix.Snapshot().Layer(l).Search(tile.Bound(), func(*geo.Feature) bool { found = true; return false })
			if found {
				want = append(want, l)
			}
		}
		ls, _ := mvt.Unmarshal(pub.Body.Bytes())
		for _, l := range ls {
			got = append(got, l.Name)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || slices.Contains(got, geo.Parcels) {
			t.Errorf("public tile has layers %v, want %v (no parcels, no empty layer)", got, want)
		}
	}

	bad := []struct {
		path   string
		status int
	}{
		{"/tiles/green/25/0/0.mvt", 400},
		{"/tiles/green/3/8/0.mvt", 400},
		{"/tiles/green/3/0/-1.mvt", 400},
		{"/tiles/green/z/0/0.mvt", 400},
		{"/tiles/lakes/3/0/0.mvt", 404},
		{"/tiles/lakes.json", 404},
	}
	for _, b := range bad {
		rec := req(b.path)
		if rec.Code != b.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", b.path, rec.Code, rec.Header().Get("Content-Type"), b.status)
		}
	}

	var tj TileJSON
	rec = req("/tiles/public.json")
	if err := json.Unmarshal(rec.Body.Bytes(), &tj); err != nil || tj.TileJSON != "3.0.0" || len(tj.VectorLayers) != 4 || tj.Bounds[0] < 104 || tj.Bounds[0] > 104.06 || len(tj.Tiles) != 1 {
		t.Errorf("tilejson %+v %v", tj, err)
	}
}

// TestTileJSONZooms: TileJSON's version is semver, its maxzoom the data's
// real maximum (not the deepest zoom served, so clients overzoom), each
// vector layer's maxzoom its layer's.
func TestTileJSONZooms(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	var tj TileJSON
	if err := json.Unmarshal(get(t, h, "/tiles/public.json").Body.Bytes(), &tj); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$`).MatchString(tj.Version) {
		t.Errorf("version %q is not semver", tj.Version)
	}
	deepest := 0
	for _, vl := range tj.VectorLayers {
		want := tiles.DetailZoom(ix.Snapshot().Layer(vl.ID))
		if vl.MinZoom != 0 || vl.MaxZoom != want {
			t.Errorf("%s: zooms %d–%d, want 0–%d", vl.ID, vl.MinZoom, vl.MaxZoom, want)
		}
		deepest = max(deepest, want)
	}
	if tj.MaxZoom != deepest || tj.MaxZoom >= tiles.MaxZoom || tj.MaxZoom < 14 {
		t.Errorf("maxzoom %d, want the layers' deepest %d (below %d, at least the metre floor 14)", tj.MaxZoom, deepest, tiles.MaxZoom)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// TestSplitTilePath: the tile route's own parser matches exactly the paths
// gorilla/mux's expression for the template matches, with the same parts.
func TestSplitTilePath(t *testing.T) {
	oracle := mux.NewRouter()
	oracle.Path(tileRoute)
	for _, p := range []string{
		"/tiles/public/14/13044/6808.mvt", "/tiles/green/0/0/0.mvt", "/tiles/x/1/2/3.mvt.mvt",
		"/tiles/a.b/1/2/3.mvt", "/tiles/public/-1/x/y.mvt", "/tiles/public/14/1/2.pbf",
		"/tiles/public/14/1/2/3.mvt", "/tiles/public/14/1.mvt", "/tiles//1/2/3.mvt",
		"/tiles/public/1//3.mvt", "/tiles/public/1/2/.mvt", "/tiles/public.json", "/tiles/",
		"/tile/public/1/2/3.mvt", "tiles/public/1/2/3.mvt", "/tiles/public/1/2/3.mvtx",
		"/tiles/public/1/2/3.mvt/", "/tiles/%E7%BB%BF/1/2/3.mvt", "/tiles/绿/1/2/3.mvt",
		"/api/tiles/public/1/2/3.mvt", "/tiles/public/1/2/.mvt.mvt",
	} {
		var m mux.RouteMatch
		r := httptest.NewRequest(http.MethodGet, "http://x"+strings.ReplaceAll(p, "绿", "%E7%BB%BF"), nil)
		want := oracle.Match(r, &m)
		parts, got := splitTilePath(r.URL.Path)
		if got != want {
			t.Errorf("%s: matched %v, mux's expression %v", p, got, want)
			continue
		}
		if got && parts != [4]string{m.Vars["layer"], m.Vars["z"], m.Vars["x"], m.Vars["y"]} {
			t.Errorf("%s: parts %q, mux's %v", p, parts, m.Vars)
		}
	}
}

// TestTilesLetGoOfDeletedFeatures: a feature drawn in a tile (its
// attributes then kept per feature) is not kept alive by the service once
// an edit deletes it — the server registers the attribute slots' clearing
// with the index.
func TestTilesLetGoOfDeletedFeatures(t *testing.T) {
	s, st, ix := newTestServer(t)
	h := s.Handler()
	var f *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(g *geo.Feature) bool { f = g; return g.ID <= 0 })
	if f == nil || f.ID <= 0 {
		t.Fatal("no stored green feature")
	}
	tile := maptile.At(f.Geom.Bound().Center(), 16)
	path := "/tiles/green/16/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"
	if rec := get(t, h, path); rec.Code != http.StatusOK {
		t.Fatalf("%s: %d", path, rec.Code)
	}
	gone, id := weak.Make(f), f.ID
	f = nil
	ctx := context.Background()
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Delete(ctx, geo.Green, id) }); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	if gone.Value() != nil {
		t.Errorf("feature %d, drawn then deleted, is still alive", id)
	}
}
