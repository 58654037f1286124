package tiles

import (
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
)

// VectorLayer describes a tile layer as TileJSON 3.0.0 and PMTiles
// metadata do: its fields with their types (String, Number, Boolean).
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

// VectorLayerOf describes the tile layer id written with schema sc.
func VectorLayerOf(id string, sc *geo.Schema) VectorLayer {
	fields := make(map[string]string, len(sc.Fields))
	for _, f := range sc.Fields {
		fields[f.Name] = fieldTypes[f.Type]
	}
	return VectorLayer{ID: id, Description: sc.Title, Fields: fields, MaxZoom: MaxZoom}
}

// fieldTypes names the schema's field types as TileJSON does.
var fieldTypes = map[geo.FieldType]string{geo.Text: "String", geo.Int: "Number", geo.Real: "Number", geo.Bool: "Boolean"}

// Attribution is "© OpenStreetMap contributors" when any of the layers holds
// OpenStreetMap features (their first thousand are looked at: imports put a
// source's features together), else "".
func Attribution(snap *index.Snapshot, layers []string) string {
	for _, l := range layers {
		ly := snap.Layer(l)
		if ly == nil {
			continue
		}
		osm, n := false, 0
		ly.Scan(func(f *geo.Feature) bool {
			osm = osm || strings.HasPrefix(f.Source, "osm")
			n++
			return !osm && n < 1000
		})
		if osm {
			return "© OpenStreetMap contributors"
		}
	}
	return ""
}
