package scenario

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestDrawn: a polygon is a public park, a line a belt of its width (50 m
// by default) as a polygon, a point a collection point; a "layer" property
// moves it; attributes the layer lacks are dropped; bad features are
// refused with their number and the limit.
func TestDrawn(t *testing.T) {
	feat := func(g orb.Geometry, props map[string]any) *geojson.Feature {
		f := geojson.NewFeature(g)
		for k, v := range props {
			f.Properties[k] = v
		}
		return f
	}
	line := orb.LineString{m(0, 0), m(1000, 0)}
	fs, err := Drawn([]*geojson.Feature{
		feat(rect(0, 0, 100, 100), map[string]any{"name": "新公园", "stroke": "#0a0"}),
		feat(line, nil),
		feat(line, map[string]any{"width_m": 10.0, "public": false}),
		feat(m(5, 5), nil),
		feat(m(5, 5), map[string]any{"layer": "green", "kind": "park"}),
	}, accept)
	if err != nil {
		t.Fatal(err)
	}
	park, belt, narrow, point, moved := fs[0], fs[1], fs[2], fs[3], fs[4]
	if park.Layer != geo.Green || park.Props["kind"] != "park" || park.Props["public"] != true || park.Props["name"] != "新公园" {
		t.Errorf("park: %s %v", park.Layer, park.Props)
	}
	if _, ok := park.Props["stroke"]; ok {
		t.Error("an attribute green lacks was kept")
	}
	// A belt of width w along 1 km has about w × 1000 m².
	for _, b := range []struct {
		f *geo.Feature
		w float64
	}{{belt, DefaultBeltWidth}, {narrow, 10}} {
		if a := geo.Area(b.f.Geom); b.f.Layer != geo.Green || b.f.Props["kind"] != "belt" || math.Abs(a-b.w*1000)/(b.w*1000) > 0.1 {
			t.Errorf("belt %v m: %s %v, %.0f m²", b.w, b.f.Layer, b.f.Props, a)
		}
	}
	if narrow.Props["public"] != false {
		t.Error("a drawn public=false was overridden")
	}
	if point.Layer != geo.Waste || point.Props["kind"] != "collection_point" || moved.Layer != geo.Green {
		t.Errorf("points: %s %v, %s", point.Layer, point.Props, moved.Layer)
	}
	if point.Source != "whatif" || point.SourceID != "4" {
		t.Errorf("source %s/%s", point.Source, point.SourceID)
	}
	many := make([]*geojson.Feature, MaxDrawn+1)
	for i := range many {
		many[i] = feat(m(0, 0), nil)
	}
	for _, bad := range []struct {
		fs   []*geojson.Feature
		want string
	}{
		{nil, "0 features: send 1–50"},
		{many, "51 features: send 1–50"},
		{[]*geojson.Feature{{Properties: geojson.Properties{}}}, "feature 1 has no geometry"},
		{[]*geojson.Feature{feat(m(0, 0), nil), feat(line, map[string]any{"width_m": 5000.0})}, "feature 2: width_m 5000: want 0–500"},
		{[]*geojson.Feature{feat(m(0, 0), map[string]any{"layer": "lakes"})}, `feature 1: layer "lakes": want green or waste`},
		{[]*geojson.Feature{feat(orb.MultiPoint{m(0, 0)}, nil)}, "feature 1: a MultiPoint"},
	} {
		_, err := Drawn(bad.fs, accept)
		var inv *InvalidError
		if !errors.As(err, &inv) || !strings.Contains(inv.Detail, bad.want) {
			t.Errorf("%v, want an InvalidError saying %q", err, bad.want)
		}
	}
	_, err = Drawn([]*geojson.Feature{feat(orb.LineString{m(0, 0)}, nil)}, accept)
	var ge *GeometryError
	if !errors.As(err, &ge) || !strings.HasPrefix(ge.Detail, "feature 1: ") {
		t.Errorf("a one-point belt: %v", err)
	}
	_, err = Drawn([]*geojson.Feature{feat(m(0, 0), nil)}, fixFunc(func(*geo.Feature) (bool, string) { return false, "out of range" }))
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Which != "feature 1" {
		t.Errorf("a refused repair: %v", err)
	}
}
