package geo

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Feature is one stored feature of a layer. Geometry is WGS84 (EPSG:4326,
// lon/lat order). Props holds the layer's typed attributes: string, int64,
// float64 or bool values keyed by field name; an absent key is NULL. A
// feature the index holds has them packed instead (Pack) and Props nil:
// read attributes with Value, Attrs, Text, Int, Float and Bool, which see
// either form (Props when it is set).
type Feature struct {
	ID       int64 // stable id assigned by the store (GeoPackage fid, PostGIS fid)
	Layer    string
	Source   string // e.g. "demo", "osm:chengdu.osm.pbf", "geojson:parks.json"
	SourceID string // id within the source, e.g. "w123456"
	Geom     orb.Geometry
	Version  int64     // 1 on insert, +1 on every change
	Updated  time.Time // UTC, set by the store on write
	Props    map[string]any
	packed   packed
}

// Bound returns the feature's bounding box.
func (f *Feature) Bound() orb.Bound { return f.Geom.Bound() }

// Text returns the named text attribute or "".
func (f *Feature) Text(name string) string {
	if f.loose() {
		s, _ := f.Props[name].(string)
		return s
	}
	s, ok := f.typed(name, Text)
	if !ok {
		return ""
	}
	return f.packed.data[uint32(s) : s>>32]
}

// Int returns the named integer attribute or 0.
func (f *Feature) Int(name string) int64 {
	if f.loose() {
		v, _ := f.Props[name].(int64)
		return v
	}
	s, _ := f.typed(name, Int)
	return int64(s)
}

// Float returns the named real attribute or 0.
func (f *Feature) Float(name string) float64 {
	if f.loose() {
		v, _ := f.Props[name].(float64)
		return v
	}
	s, _ := f.typed(name, Real)
	return math.Float64frombits(s)
}

// Bool returns the named boolean attribute or false.
func (f *Feature) Bool(name string) bool {
	if f.loose() {
		v, _ := f.Props[name].(bool)
		return v
	}
	s, _ := f.typed(name, Bool)
	return s != 0
}

// ErrInvalid is wrapped by every validation error from Prepare.
var ErrInvalid = errors.New("invalid feature")

// Prepare validates a feature against its layer schema before it is written:
// the layer must exist, the geometry must fit the layer (polygons become
// MultiPolygon, lines MultiLineString), coordinates must be plausible WGS84,
// attributes are coerced to their field types (unknown names are an error),
// and the layer's geodesic measure (area_m2 or length_m) is computed.
func Prepare(f *Feature) error {
	s := SchemaOf(f.Layer)
	if s == nil {
		return fmt.Errorf("%w: unknown layer %q", ErrInvalid, f.Layer)
	}
	if f.Source == "" || f.SourceID == "" {
		return fmt.Errorf("%w: %s feature without source and source id", ErrInvalid, f.Layer)
	}
	g, err := normalize(s.Geom, f.Geom)
	if err != nil {
		return fmt.Errorf("%w: %s %s/%s: %v", ErrInvalid, f.Layer, f.Source, f.SourceID, err)
	}
	f.Geom = g
	props := make(map[string]any, f.AttrCount()+1)
	for k, v := range f.Attrs() {
		fd, ok := s.Field(k)
		if !ok {
			return fmt.Errorf("%w: %s has no attribute %q", ErrInvalid, f.Layer, k)
		}
		cv, err := coerce(fd.Type, v)
		if err != nil {
			return fmt.Errorf("%w: %s.%s: %v", ErrInvalid, f.Layer, k, err)
		}
		if cv != nil {
			props[k] = cv
		}
	}
	switch s.Measure {
	case "area_m2":
		props["area_m2"] = Area(g)
	case "length_m":
		props["length_m"] = Length(g)
	}
	f.Props, f.packed = props, packed{}
	return nil
}

func normalize(kind GeomKind, g orb.Geometry) (orb.Geometry, error) {
	if g == nil {
		return nil, errors.New("no geometry")
	}
	var out orb.Geometry
	switch kind {
	case MultiPolygon:
		switch t := g.(type) {
		case orb.Polygon:
			out = orb.MultiPolygon{t}
		case orb.MultiPolygon:
			out = t
		}
	case MultiLineString:
		switch t := g.(type) {
		case orb.LineString:
			out = orb.MultiLineString{t}
		case orb.MultiLineString:
			out = t
		}
	case Point:
		if p, ok := g.(orb.Point); ok {
			out = p
		}
	}
	if out == nil {
		return nil, fmt.Errorf("geometry %s does not fit a %s layer", g.GeoJSONType(), kind)
	}
	if err := checkCoords(out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkCoords(g orb.Geometry) error {
	var bad error
	n := 0
	visit(g, func(p orb.Point) {
		n++
		if bad == nil && (math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
			bad = fmt.Errorf("coordinate %v is not WGS84 lon/lat", p)
		}
	})
	if bad != nil {
		return bad
	}
	if n == 0 {
		return errors.New("empty geometry")
	}
	return nil
}

func visit(g orb.Geometry, fn func(orb.Point)) {
	switch t := g.(type) {
	case orb.Point:
		fn(t)
	case orb.MultiPoint:
		for _, p := range t {
			fn(p)
		}
	case orb.LineString:
		for _, p := range t {
			fn(p)
		}
	case orb.Ring:
		for _, p := range t {
			fn(p)
		}
	case orb.MultiLineString:
		for _, l := range t {
			visit(l, fn)
		}
	case orb.Polygon:
		for _, r := range t {
			visit(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			visit(p, fn)
		}
	case orb.Collection:
		for _, x := range t {
			visit(x, fn)
		}
	}
}

func coerce(t FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case Text:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Int:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int32:
			return int64(n), nil
		case int64:
			return n, nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return int64(n), nil
			}
		}
	case Real:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		case float32:
			return float64(n), nil
		case float64:
			if !math.IsNaN(n) && !math.IsInf(n, 0) {
				return n, nil
			}
		}
	case Bool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not %s", v, v, t)
}
