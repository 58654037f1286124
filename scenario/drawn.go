package scenario

import (
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Limits of a drawn what-if.
const (
	MaxDrawn         = 50   // features
	DefaultBeltWidth = 50.0 // metres
	MaxBeltWidth     = 500  // metres
)

// GeometryError is a drawn feature whose geometry cannot be used (a belt
// that cannot be built): Detail says why, for the caller.
type GeometryError struct{ Detail string }

func (e *GeometryError) Error() string { return e.Detail }

// Drawn turns features drawn on the map into features to add for a
// what-if: polygons are new green spaces (a public park unless properties
// say otherwise), lines green belts width_m wide (default 50), points new
// collection points; a "layer" property may say green or waste.
// Attributes the layer does not have (a drawing tool's own) are dropped;
// the rest are checked and repaired by fix as an import would. Bad
// features give an *InvalidError, an unusable geometry a *GeometryError,
// a refused repair a *RefusedError.
func Drawn(gfs []*geojson.Feature, fix Fixer) ([]*geo.Feature, error) {
	if len(gfs) == 0 || len(gfs) > MaxDrawn {
		return nil, invalid("%d features: send 1–%d", len(gfs), MaxDrawn)
	}
	var out []*geo.Feature
	for i, gf := range gfs {
		f, err := drawn(i+1, gf)
		if err != nil {
			return nil, err
		}
		sc := geo.SchemaOf(f.Layer)
		for k := range f.Props {
			if _, ok := sc.Field(k); !ok {
				delete(f.Props, k)
			}
		}
		f.Source, f.SourceID = "whatif", fmt.Sprint(i+1)
		if _, reason := fix.Fix(f); reason != "" {
			return nil, &RefusedError{Which: fmt.Sprintf("feature %d", i+1), Reason: reason}
		}
		out = append(out, f)
	}
	return out, nil
}

// drawn reads drawn feature n into a feature of its layer, with its
// properties and the layer's defaults.
func drawn(n int, gf *geojson.Feature) (*geo.Feature, error) {
	if gf.Geometry == nil {
		return nil, invalid("feature %d has no geometry", n)
	}
	if v := Vertices(gf.Geometry); v > MaxVertices {
		return nil, invalid("feature %d has %d vertices: at most %d", n, v, MaxVertices)
	}
	props := map[string]any{}
	for k, v := range gf.Properties {
		props[k] = v
	}
	f := &geo.Feature{Props: props}
	switch g := gf.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
		f.Layer, f.Geom = geo.Green, g
		setDefault(props, "kind", "park")
		setDefault(props, "public", true)
	case orb.LineString:
		width := DefaultBeltWidth
		if v, ok := props["width_m"].(float64); ok {
			width = v
		}
		if width <= 0 || width > MaxBeltWidth || math.IsNaN(width) {
			return nil, invalid("feature %d: width_m %v: want 0–%d", n, props["width_m"], MaxBeltWidth)
		}
		delete(props, "width_m")
		belt, err := coverage.Belt(g, width)
		if err != nil {
			return nil, &GeometryError{Detail: fmt.Sprintf("feature %d: %v", n, err)}
		}
		f.Layer, f.Geom = geo.Green, belt
		setDefault(props, "kind", "belt")
		setDefault(props, "public", true)
	case orb.Point:
		f.Layer, f.Geom = geo.Waste, g
		setDefault(props, "kind", "collection_point")
	default:
		return nil, invalid("feature %d: a %s: send polygons (parks), lines (belts) or points (collection points)", n, g.GeoJSONType())
	}
	if l, ok := props["layer"].(string); ok {
		if l != geo.Green && l != geo.Waste {
			return nil, invalid("feature %d: layer %q: want green or waste", n, l)
		}
		f.Layer = l
		delete(props, "layer")
	}
	return f, nil
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}
