package tiles

import (
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/i18n"
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

// setWords name the tile sets that are not one layer's: the public map
// (Public) and the coverage layer the API cuts from an audit.
var setWords = i18n.Catalog{
	"public.name":          {ZH: "公开地图", EN: "public map"},
	"public.description":   {ZH: "公开地图的图层：%s", EN: "the public map's layers: %s"},
	"coverage.name":        {ZH: "公园绿地步行覆盖", EN: "park coverage"},
	"coverage.description": {ZH: "居住地块到最近达标绿地的步行距离", EN: "Parcels by walking distance to the nearest qualifying green space"},
}

// Titles are a tile set's TileJSON name and description in l: a layer's
// title and description, or those of the public map or the coverage set.
func Titles(set string, l i18n.Lang) (name, description string) {
	if sc := geo.SchemaOf(set); sc != nil {
		return "greenreach " + sc.TitleIn(l), sc.Description.In(l)
	}
	if !setWords.Has(set + ".name") {
		return "greenreach " + set, ""
	}
	name = "greenreach " + setWords.T(l, set+".name")
	if set != "public" {
		return name, setWords.T(l, set+".description")
	}
	titles := make([]string, 0, len(Public))
	for _, id := range Public {
		if sc := geo.SchemaOf(id); sc != nil {
			titles = append(titles, sc.TitleIn(l))
		}
	}
	sep := ", "
	if l != i18n.EN {
		sep = "、"
	}
	return name, setWords.T(l, "public.description", strings.Join(titles, sep))
}

// VectorLayerIn is VectorLayerOf with its description, the layer's title,
// in l.
func VectorLayerIn(id string, sc *geo.Schema, l i18n.Lang) VectorLayer {
	v := VectorLayerOf(id, sc)
	v.Description = sc.TitleIn(l)
	if sc.TitleZH == "" && setWords.Has(id+".description") {
		v.Description = setWords.T(l, id+".description")
	}
	return v
}
