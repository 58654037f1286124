package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/glyphs"
	"github.com/greenreach/greenreach/glyphs/ranges"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestLabelsFromServedGlyphs: the public map in chromium labels a park
// named in Chinese and one named in Latin script from the glyph ranges the
// service serves. Every range the two names need is asked for, under our
// stack, and answered 200; each label puts ink on the map (the pixels
// that change when the label layer is hidden) about as wide as the font's
// advances say; and with every range answered empty the same labels put
// no ink, so no browser font draws them. Screenshots: test-artifacts/
// glyphs-*.png.
func TestLabelsFromServedGlyphs(t *testing.T) {
	needBrowser(t)
	required(t, ranges.Built(), "glyphs/ranges/data: make assets before the test build")
	const textSize = 12 // the green-label layer's text-size (common.js)
	type label struct {
		Name     string  `json:"name"`
		Lon, Lat float64 `json:"-"`
	}
	parks := []label{{"人民公园", 104.060, 30.660}, {"Riverside Park", 104.066, 30.660}}
	st := memstore.New()
	ctx := context.Background()
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		var fs []*geo.Feature
		for i, p := range parks {
			const h = 0.0015
			ring := orb.Ring{{p.Lon - h, p.Lat - h}, {p.Lon + h, p.Lat - h}, {p.Lon + h, p.Lat + h}, {p.Lon - h, p.Lat + h}, {p.Lon - h, p.Lat - h}}
			fs = append(fs, &geo.Feature{Layer: geo.Green, Source: "test", SourceID: fmt.Sprint(i),
				Geom: orb.MultiPolygon{{ring}}, Props: map[string]any{"name": p.Name, "kind": "park", "public": true}})
		}
		return tx.Put(ctx, fs)
	}); err != nil {
		t.Fatal(err)
	}
	srv, _, _ := serve(t, st)

	arg := make([]map[string]any, len(parks))
	for i, p := range parks {
		arg[i] = map[string]any{"name": p.Name, "lon": p.Lon, "lat": p.Lat}
	}
	labelsJSON, _ := json.Marshal(arg)
	type inked struct {
		Pixels int
		Width  float64
	}
	var got struct {
		Glyphs []struct {
			URL    string
			Status int
		}
		Placed  []string
		Ink     map[string]inked
		Blocked map[string]inked
	}
	runNode(t, &got, nil, "test/glyphs.test.mjs", srv.URL, artifacts(t), string(labelsJSON))

	// The ranges the names need, from their code points.
	want := map[string]bool{}
	for _, p := range parks {
		for _, c := range p.Name {
			want[fmt.Sprintf("/fonts/%s/%s.pbf", glyphs.Stack, glyphs.RangeName(c-c%glyphs.RangeSize))] = true
		}
	}
	asked := map[string]bool{}
	for _, g := range got.Glyphs {
		asked[g.URL] = true
		if g.Status != 200 {
			t.Errorf("%s: %d", g.URL, g.Status)
		}
		if !want[g.URL] {
			t.Errorf("asked for %s, which neither name needs", g.URL)
		}
	}
	for u := range want {
		if !asked[u] {
			t.Errorf("never asked for %s (asked: %v)", u, got.Glyphs)
		}
	}
	if names := []string{parks[0].Name, parks[1].Name}; !slices.Equal(got.Placed, sortedCopy(names)) {
		t.Errorf("labels placed: %q, want %q", got.Placed, names)
	}

	// Each label's ink: present, and as wide as its advances at textSize
	// (the halo and the first and last bearings add a few pixels).
	f, err := glyphs.OpenFace("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC")
	required(t, err == nil, fmt.Sprintf("the font (fonts-noto-cjk): %v", err))
	var buf sfnt.Buffer
	for _, p := range parks {
		adv := 0.0
		for _, c := range p.Name {
			x, err := f.GlyphIndex(&buf, c)
			if err != nil || x == 0 {
				t.Fatalf("the font lacks %q", c)
			}
			a, err := f.GlyphAdvance(&buf, x, fixed.I(textSize), font.HintingNone)
			if err != nil {
				t.Fatal(err)
			}
			adv += float64(a) / 64
		}
		ink := got.Ink[p.Name]
		if ink.Pixels < 40 || math.Abs(ink.Width-adv) > 6 {
			t.Errorf("%s: %d pixels of ink %.0f px wide; its advances make %.1f px", p.Name, ink.Pixels, ink.Width, adv)
		}
		if b := got.Blocked[p.Name]; b.Pixels != 0 {
			t.Errorf("%s: %d pixels of ink with every glyph range empty: something else draws it", p.Name, b.Pixels)
		}
		t.Logf("%s: %d pixels of ink, %.0f px wide (advances %.1f px)", p.Name, ink.Pixels, ink.Width, adv)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
