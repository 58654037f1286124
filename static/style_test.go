package static_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/api/mapstyle"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/glyphs"
	"github.com/greenreach/greenreach/store/memstore"
)

// TestStyleValid: /style.json passes the MapLibre style spec's own
// validator (npm @maplibre/maplibre-gl-style-spec, pinned in package.json);
// its TileJSON, glyph and sprite URLs answer; every layer's source-layer is
// a vector layer of the TileJSON, every label uses the served font stack,
// and every waste kind the schema knows has its icon in the sprite.
func TestStyleValid(t *testing.T) {
	_, err := exec.LookPath("node")
	required(t, err == nil, "node (nodejs)")
	_, err = os.Stat("node_modules/@maplibre/maplibre-gl-style-spec")
	required(t, err == nil, "static/node_modules/@maplibre/maplibre-gl-style-spec (npm ci in static/)")
	st := memstore.New()
	if _, err := demotown.Into(t.Context(), st, demotown.Options{Seed: 1, Size: "small"}); err != nil {
		t.Fatal(err)
	}
	srv, _, _ := serve(t, st)
	getBody := func(url string) []byte {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
		}
		return b
	}
	raw := getBody(srv.URL + "/style.json")
	path := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Version string
		Errors  []string
	}
	runNode(t, &res, nil, "test/style-validate.mjs", path)
	if res.Version == "" || len(res.Errors) > 0 {
		t.Errorf("style spec %s: %d errors: %v", res.Version, len(res.Errors), res.Errors)
	}

	var style struct {
		Version int
		Sources map[string]struct{ Type, URL string }
		Glyphs  string
		Sprite  string
		Layers  []struct {
			ID, Type, Source string
			SourceLayer      string         `json:"source-layer"`
			Layout           map[string]any `json:"layout"`
		}
	}
	if err := json.Unmarshal(raw, &style); err != nil {
		t.Fatal(err)
	}
	var tj struct {
		VectorLayers []struct{ ID string } `json:"vector_layers"`
	}
	src := style.Sources["gr"]
	if err := json.Unmarshal(getBody(src.URL), &tj); err != nil || src.Type != "vector" {
		t.Fatalf("source %+v: %v", src, err)
	}
	var vls []string
	for _, l := range tj.VectorLayers {
		vls = append(vls, l.ID)
	}
	labels := 0
	for _, l := range style.Layers {
		if l.Source != "" && !slices.Contains(vls, l.SourceLayer) {
			t.Errorf("layer %s draws source-layer %q, not among the TileJSON's %v", l.ID, l.SourceLayer, vls)
		}
		if f, ok := l.Layout["text-font"]; ok {
			labels++
			if fs, _ := f.([]any); len(fs) != 1 || fs[0] != glyphs.Stack {
				t.Errorf("layer %s: text-font %v, want [%q]", l.ID, f, glyphs.Stack)
			}
		}
	}
	if labels == 0 || style.Version != 8 {
		t.Errorf("version %d, %d label layers", style.Version, labels)
	}
	getBody(strings.NewReplacer("{fontstack}", glyphs.Stack, "{range}", "0-255").Replace(style.Glyphs))
	for _, suffix := range []string{"", "@2x"} {
		var index map[string]struct{ Width, Height, PixelRatio int }
		if err := json.Unmarshal(getBody(style.Sprite+suffix+".json"), &index); err != nil {
			t.Fatal(err)
		}
		png := getBody(style.Sprite + suffix + ".png")
		if !strings.HasPrefix(string(png), "\x89PNG") {
			t.Errorf("sprite%s.png is not a PNG", suffix)
		}
		for _, kind := range []string{"collection_point", "transfer_station", "recycling", "toilet", "litter_bin"} {
			if e, ok := index["waste-"+kind]; !ok || e.Width != 16*e.PixelRatio {
				t.Errorf("sprite%s: waste-%s %+v", suffix, kind, e)
			}
		}
	}
}

// TestMapDrawsServedStyle: the public map in chromium loads /style.json
// and the sprite, holds the served style's layers (the page adds none of
// its own below the labels but its overlays), and draws parks from it.
func TestMapDrawsServedStyle(t *testing.T) {
	srv, ix, _ := browserServer(t, "chengdu.osm.pbf")
	st := mapstyle.Style("", ix.Snapshot())
	var want []string
	for _, l := range st["layers"].([]map[string]any) {
		want = append(want, l["id"].(string))
	}
	var got struct {
		Name                            string
		Layers                          []string
		Parks, Images                   int
		StyleRequested, SpriteRequested bool
		Problems                        []string
	}
	runNode(t, &got, nil, "test/style.test.mjs", srv.URL, artifacts(t))
	for _, id := range want {
		if !slices.Contains(got.Layers, id) {
			t.Errorf("the map lacks the style's layer %s (has %v)", id, got.Layers)
		}
	}
	if got.Name != "greenreach" || !got.StyleRequested || !got.SpriteRequested || got.Parks == 0 || got.Images < 6 {
		t.Errorf("style %q (asked for: style %v, sprite %v), %d parks drawn, %d sprite images", got.Name, got.StyleRequested, got.SpriteRequested, got.Parks, got.Images)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
}
