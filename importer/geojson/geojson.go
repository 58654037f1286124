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
// fails the whole file with the feature named.
package geojson

import (
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
	"github.com/paulmach/orb/geojson"
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
	fc, fileCRS, err := parse(b)
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
	for i, gf := range fc.Features {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		sid := sourceID(gf, i, opt.IDProperty)
		if err := col.Add(sid, gf.Geometry, gf.Properties); err != nil {
			return nil, nil, fmt.Errorf("%s: feature %d (id %s): %w", name, i, sid, err)
		}
	}
	feats, sum := col.Done()
	return feats, sum, nil
}

// parse accepts a FeatureCollection or a single Feature, and returns the
// system a legacy (GeoJSON 2008) crs member names, as "EPSG:n", or "".
func parse(b []byte) (*geojson.FeatureCollection, string, error) {
	var head struct {
		Type string `json:"type"`
		CRS  *struct {
			Type       string `json:"type"`
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
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
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, "", fmt.Errorf("bad FeatureCollection: %v", err)
		}
		return fc, def, nil
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return nil, "", fmt.Errorf("bad Feature: %v", err)
		}
		fc := geojson.NewFeatureCollection()
		fc.Append(f)
		return fc, def, nil
	}
	return nil, "", fmt.Errorf("GeoJSON type %q: want a FeatureCollection or a Feature", head.Type)
}

func sourceID(f *geojson.Feature, i int, prop string) string {
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
