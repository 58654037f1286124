// Package anyfile reads a file of any format greenreach imports — OSM
// (.osm, .osm.pbf, .osm.gz), GeoJSON, Shapefile (.shp or zipped) and
// GeoPackage — choosing the reader by the file's name. The CLI's import and
// the HTTP upload share it.
package anyfile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/geojson"
	"github.com/greenreach/greenreach/importer/geopackage"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/importer/shapefile"
)

// Extensions lists every file name ending a reader takes.
var Extensions = slices.Concat(osm.Extensions, geojson.Extensions, shapefile.Extensions, geopackage.Extensions)

// IsOSM reports whether path is an OpenStreetMap file (its tags choose each
// feature's layer; other formats go into one layer).
func IsOSM(path string) bool { return osm.Supported(path) }

// Supported reports whether some reader takes path.
func Supported(path string) bool {
	return osm.Supported(path) || geojson.Supported(path) || shapefile.Supported(path) || geopackage.Supported(path)
}

// Options gathers the options of every reader; each uses those that apply
// to it.
type Options struct {
	Layer    string            // GeoJSON, Shapefile, GeoPackage: the layer the features go to
	Source   string            // the source they are kept under ("": the reader's default)
	Fields   map[string]string // field → property map (not OSM)
	CRS      string            // the file's coordinate system (not OSM)
	Encoding string            // Shapefile .dbf encoding
	IDField  string            // Shapefile, GeoPackage: the stable id field
	Table    string            // GeoPackage: the feature table
	Mapping  *osm.Mapping      // OSM: tag → layer mapping (nil: the default)
	Progress func(n int)       // OSM: objects read since the last call
	TempDir  string            // Shapefile: where a .zip is unpacked ("": os.TempDir())
}

// ReadFile reads path with the reader its name calls for.
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	switch {
	case osm.Supported(path):
		return osm.ReadFile(ctx, path, osm.Options{Mapping: opt.Mapping, Source: opt.Source, Progress: opt.Progress})
	case geopackage.Supported(path):
		return geopackage.ReadFile(ctx, path, geopackage.Options{Layer: opt.Layer, Table: opt.Table, Source: opt.Source, Fields: opt.Fields, CRS: opt.CRS, IDField: opt.IDField})
	case shapefile.Supported(path):
		return shapefile.ReadFile(ctx, path, shapefile.Options{Layer: opt.Layer, Source: opt.Source, Fields: opt.Fields, CRS: opt.CRS, Encoding: opt.Encoding, IDField: opt.IDField, TempDir: opt.TempDir})
	case geojson.Supported(path):
		return geojson.ReadFile(ctx, path, geojson.Options{Layer: opt.Layer, Source: opt.Source, Fields: opt.Fields, CRS: opt.CRS})
	}
	return nil, nil, fmt.Errorf("%s: unsupported format (supported: %s)", path, strings.Join(Extensions, ", "))
}
