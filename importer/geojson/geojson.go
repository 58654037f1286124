// Package geojson imports RFC 7946 GeoJSON (a FeatureCollection, or a single
// Feature) into one greenreach layer.
//
// Every feature of a file goes to the layer named by Options.Layer (the
// CLI's --layer). Attributes come from the feature's properties: by default a
// property whose name is a field of the layer fills that field; a field map
// (Options.Fields, the CLI's --map YAML file of `field: property` lines)
// names other properties, e.g.
//
//	name: NAME_ZH
//	population: POP2020
//
// Values are converted to the field's type: numbers from numeric strings,
// booleans from true/false, yes/no, 1/0. A value that cannot be converted
// skips the feature with the reason "bad attribute FIELD". Computed measures
// (area_m2, length_m) are always computed, never taken from the file.
//
// The source id of a feature is its GeoJSON "id", else the property named by
// Options.IDProperty (default "id"), else its position in the file ("#12").
// Features keep source Options.Source (default "geojson:" + the file's base
// name), so importing the same file again replaces its features.
//
// GeoJSON is WGS84 longitude/latitude (RFC 7946). Files in another system
// are converted (geo/crs) when Options.CRS (the CLI's --crs: an EPSG code,
// gcj02, WKT or a PROJ string) or a legacy "crs" member names it; --crs wins.
// A coordinate that cannot be in the file's system — a swapped
// latitude/longitude, projected metres in a lon/lat file, the wrong zone —
// fails the whole file with the feature named, as does a position of fewer
// than two numbers ("coordinates": [] or [lon] for a Point). A file nested
// deeper than MaxDepth arrays and objects is refused before it is decoded.
package geojson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/importer"
	"github.com/paulmach/orb"
)

// Extensions are the file name endings this package reads.
var Extensions = []string{".geojson", ".json"}

// Supported reports whether path looks like GeoJSON.
func Supported(path string) bool {
	p := strings.ToLower(path)
	for _, e := range Extensions {
		if strings.HasSuffix(p, e) {
			return true
		}
	}
	return false
}

// Options control a GeoJSON import.
type Options struct {
	Layer      string            // required: the layer every feature goes to
	Source     string            // default "geojson:" + base name
	Fields     map[string]string // field → property; nil: same-named properties
	IDProperty string            // default "id"
	CRS        string            // the file's coordinate system; default: its crs member, else WGS84
}

// ReadFile reads a GeoJSON file into features ready for importer.Load.
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Read(ctx, f, path, opt)
}

// Read reads GeoJSON from r; name is used in messages and the default source.
func Read(ctx context.Context, r io.Reader, name string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	sc := geo.SchemaOf(opt.Layer)
	if sc == nil {
		return nil, nil, fmt.Errorf("%s: unknown layer %q (one of green, parcels, roads, waste, areas)", name, opt.Layer)
	}
	if opt.Source == "" {
		opt.Source = "geojson:" + filepath.Base(name)
	}
	if opt.IDProperty == "" {
		opt.IDProperty = "id"
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	features, fileCRS, err := parse(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if opt.CRS == "" {
		opt.CRS = fileCRS
	}
	if opt.CRS == "" {
		opt.CRS = "EPSG:4326"
	}
	tr, err := crs.New(opt.CRS)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	defer tr.Close()
	col, err := importer.NewCollector(name, "geojson", opt.Layer, opt.Source, opt.Fields, tr)
	if err != nil {
		return nil, nil, err
	}
	for i, b := range features {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		gf, g, err := decodeFeature(b)
		if err != nil {
			if gf != nil {
				return nil, nil, fmt.Errorf("%s: feature %d (id %s): %w", name, i, sourceID(gf, i, opt.IDProperty), err)
			}
			return nil, nil, fmt.Errorf("%s: feature %d: %w", name, i, err)
		}
		sid := sourceID(gf, i, opt.IDProperty)
		if err := col.Add(sid, g, gf.Properties); err != nil {
			return nil, nil, fmt.Errorf("%s: feature %d (id %s): %w", name, i, sid, err)
		}
	}
	feats, sum := col.Done()
	return feats, sum, nil
}

// MaxDepth is the deepest nesting of arrays and objects a file may have. A
// MultiPolygon feature in a FeatureCollection is 9 deep, each
// GeometryCollection adds 2; deeper files are refused before they are
// decoded.
const MaxDepth = 32

// checkDepth refuses a document nested deeper than MaxDepth, in one pass
// over its bytes.
func checkDepth(b []byte) error {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("arrays and objects nested deeper than the limit of %d at byte %d", MaxDepth, i)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// raw keeps a JSON value as it is in the document, without a copy.
type raw []byte

func (r *raw) UnmarshalJSON(b []byte) error { *r = b; return nil }

// parse accepts a FeatureCollection or a single Feature, returns its
// features undecoded and the system a legacy (GeoJSON 2008) crs member
// names, as "EPSG:n", or "".
func parse(b []byte) ([]raw, string, error) {
	if err := checkDepth(b); err != nil {
		return nil, "", err
	}
	var head struct {
		Type string `json:"type"`
		CRS  *struct {
			Type       string `json:"type"`
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
		Features []raw `json:"features"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, "", fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, "", fmt.Errorf("not GeoJSON: %v", err)
	}
	var def string
	if head.CRS != nil {
		n := head.CRS.Properties.Name
		switch {
		case strings.HasSuffix(n, "CRS84"):
		case strings.Contains(n, "EPSG"):
			i := strings.LastIndexAny(n, ":")
			def = "EPSG:" + n[i+1:]
		default:
			return nil, "", fmt.Errorf("crs member %q is not one greenreach reads: give the system with --crs", n)
		}
	}
	switch head.Type {
	case "FeatureCollection":
		return head.Features, def, nil
	case "Feature":
		return []raw{b}, def, nil
	}
	return nil, "", fmt.Errorf("GeoJSON type %q: want a FeatureCollection or a Feature", head.Type)
}

type feature struct {
	Type       string         `json:"type"`
	ID         any            `json:"id"`
	Geometry   *geometry      `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geometry struct {
	Type        string      `json:"type"`
	Coordinates raw         `json:"coordinates"`
	Geometries  []*geometry `json:"geometries"`
}

// decodeFeature decodes one feature of a document parse accepted.
func decodeFeature(b []byte) (*feature, orb.Geometry, error) {
	var f feature
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, nil, err
	}
	if f.Type != "Feature" {
		return nil, nil, fmt.Errorf("type %q, want Feature", f.Type)
	}
	if f.Geometry == nil {
		return &f, nil, nil
	}
	g, err := f.Geometry.orb()
	return &f, g, err
}

// orb converts a geometry; every position must hold at least two numbers
// (longitude and latitude; more are dropped).
func (g *geometry) orb() (orb.Geometry, error) {
	if g.Type == "GeometryCollection" {
		c := make(orb.Collection, 0, len(g.Geometries))
		for _, m := range g.Geometries {
			if m == nil {
				return nil, errors.New("null member of a GeometryCollection")
			}
			x, err := m.orb()
			if err != nil {
				return nil, err
			}
			c = append(c, x)
		}
		return c, nil
	}
	if len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return nil, fmt.Errorf("%s geometry without coordinates", g.Type)
	}
	var err error
	dec := func(v any) {
		if err = json.Unmarshal(g.Coordinates, v); err != nil {
			err = fmt.Errorf("%s coordinates: %w", g.Type, err)
		}
	}
	switch g.Type {
	case "Point":
		var p position
		if dec(&p); err == nil {
			return orb.Point(p), nil
		}
	case "MultiPoint":
		var ps []position
		if dec(&ps); err == nil {
			return orb.MultiPoint(points(ps)), nil
		}
	case "LineString":
		var ps []position
		if dec(&ps); err == nil {
			return orb.LineString(points(ps)), nil
		}
	case "MultiLineString":
		var ls [][]position
		if dec(&ls); err == nil {
			ml := make(orb.MultiLineString, len(ls))
			for i, l := range ls {
				ml[i] = points(l)
			}
			return ml, nil
		}
	case "Polygon":
		var rs [][]position
		if dec(&rs); err == nil {
			return polygon(rs), nil
		}
	case "MultiPolygon":
		var ps [][][]position
		if dec(&ps); err == nil {
			mp := make(orb.MultiPolygon, len(ps))
			for i, p := range ps {
				mp[i] = polygon(p)
			}
			return mp, nil
		}
	default:
		return nil, fmt.Errorf("geometry type %q is not a GeoJSON geometry", g.Type)
	}
	return nil, err
}

func points(ps []position) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = orb.Point(p)
	}
	return out
}

func polygon(rs [][]position) orb.Polygon {
	p := make(orb.Polygon, len(rs))
	for i, r := range rs {
		p[i] = points(r)
	}
	return p
}

// position is a GeoJSON position: [longitude, latitude, ...]. Decoding
// orb.Point ([2]float64) from [] or [lon] leaves zeros, a point at 0,0
// or on the equator; a position decodes only from two numbers or more.
type position orb.Point

func (p *position) UnmarshalJSON(b []byte) error {
	// b is one valid JSON value (the document was checked).
	s := bytes.TrimSpace(b)
	if len(s) < 2 || s[0] != '[' {
		return fmt.Errorf("position %.40s is not an array of numbers", s)
	}
	n := 0
	for part := range bytes.SplitSeq(s[1:len(s)-1], []byte(",")) {
		part = bytes.TrimSpace(part)
		if len(part) == 0 && n == 0 {
			break // []
		}
		v, err := strconv.ParseFloat(string(part), 64)
		if err != nil {
			return fmt.Errorf("position %.40s is not an array of numbers", s)
		}
		if n < 2 {
			p[n] = v
		}
		n++
	}
	if n < 2 {
		return fmt.Errorf("position %.40s holds %d numbers, want longitude and latitude", s, n)
	}
	return nil
}

func sourceID(f *feature, i int, prop string) string {
	id := f.ID
	if id == nil {
		id = f.Properties[prop]
	}
	switch v := id.(type) {
	case string:
		if v != "" {
			return v
		}
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return "#" + strconv.Itoa(i)
}
