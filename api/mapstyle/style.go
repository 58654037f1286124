// Package mapstyle serves the map's style — a MapLibre style (spec v8)
// over greenreach's own TileJSON, glyphs and sprite — at /style.json, so
// that the pages, MapLibre, QGIS and Maputnik draw the data alike, and the
// sprite its symbols use (/sprite.json and .png, @2x for dense screens),
// drawn when the service starts.
package mapstyle

import (
	"net/http"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/glyphs"
	"github.com/greenreach/greenreach/tiles"
)

// Service answers the style and sprite routes.
type Service struct {
	// Index gives the current snapshot of the layers (the style's centre).
	Index   interface{ Snapshot() *index.Snapshot }
	sprites [3]*Sprite // by pixel ratio, 1 and 2
}

// New draws the sprites and returns the service. Drawing fails only if
// PNG encoding of an in-memory image does, which is a bug: it panics.
func New(ix interface{ Snapshot() *index.Snapshot }) *Service {
	s := &Service{Index: ix}
	for _, ratio := range []int{1, 2} {
		sp, err := drawSprite(ratio)
		if err != nil {
			panic("mapstyle: drawing the sprite: " + err.Error())
		}
		s.sprites[ratio] = sp
	}
	return s
}

// Source is the style's one vector source: the public composite tiles.
const Source = "gr"

// kindColour colours green spaces by kind.
var kindColour = []any{
	"match", []any{"get", "kind"},
	"park", "#3a9d4a", "garden", "#5cb85c", "playground", "#8bc34a", "belt", "#2e7d32",
	"forest", "#1b5e20", "wood", "#1b5e20", "lawn", "#9ccc65", "scrub", "#7cb342",
	"recreation_ground", "#66bb6a", "#4caf50",
}

var majorRoads = []any{"literal", []string{"motorway", "trunk", "primary", "secondary"}}

// nameOf is a layer's label text: its Chinese name where the layer has a
// name:zh field, else its name (which Chinese data holds in Chinese).
func nameOf(layer string) any {
	if sc := geo.SchemaOf(layer); sc != nil {
		for _, f := range sc.Fields {
			if f.Name == "name:zh" {
				return []any{"coalesce", []any{"get", "name:zh"}, []any{"get", "name"}}
			}
		}
	}
	return []any{"get", "name"}
}

// Style is the MapLibre style with base as the URL of the service: its
// TileJSON, glyphs and sprite, centred on the public layers.
func Style(base string, snap *index.Snapshot) map[string]any {
	type m = map[string]any
	font := []string{glyphs.Stack}
	layer := func(id, typ, source string, props m) m {
		l := m{"id": id, "type": typ, "source": Source, "source-layer": source}
		for k, v := range props {
			l[k] = v
		}
		return l
	}
	st := m{
		"version":  8,
		"name":     "greenreach",
		"metadata": m{"greenreach:about": "parks, belts, roads, waste points and administrative areas over the service's own tiles, glyphs and sprite"},
		"sources":  m{Source: m{"type": "vector", "url": base + "/tiles/public.json"}},
		"glyphs":   base + "/fonts/{fontstack}/{range}.pbf",
		"sprite":   base + "/sprite",
		"layers": []m{
			{"id": "background", "type": "background", "paint": m{"background-color": "#f4f1ea"}},
			layer("areas-fill", "fill", geo.Areas, m{"filter": []any{"==", []any{"get", "level"}, "district"},
				"paint": m{"fill-color": "#ece7dc", "fill-opacity": 0.5}}),
			layer("green", "fill", geo.Green, m{"paint": m{"fill-color": kindColour,
				"fill-opacity": []any{"case", []any{"==", []any{"get", "public"}, false}, 0.35, 0.75}}}),
			layer("green-outline", "line", geo.Green, m{"minzoom": 13, "paint": m{"line-color": "#1b5e20", "line-width": 0.6}}),
			layer("roads-minor", "line", geo.Roads, m{"minzoom": 12,
				"filter": []any{"!", []any{"in", []any{"get", "class"}, majorRoads}},
				"paint":  m{"line-color": "#ffffff", "line-width": []any{"interpolate", []any{"linear"}, []any{"zoom"}, 12, 0.5, 17, 4}}}),
			layer("roads-major", "line", geo.Roads, m{
				"filter": []any{"in", []any{"get", "class"}, majorRoads},
				"paint": m{"line-color": []any{"case", []any{"==", []any{"get", "ring"}, true}, "#e08e3c", "#f3c26b"},
					"line-width": []any{"interpolate", []any{"linear"}, []any{"zoom"}, 10, 1, 17, 8}}}),
			layer("areas-line", "line", geo.Areas, m{"paint": m{"line-color": "#8d6e63", "line-dasharray": []float64{3, 2},
				"line-width": []any{"match", []any{"get", "level"}, "district", 1.6, 0.8}}}),
			layer("waste", "circle", geo.Waste, m{"minzoom": 13, "maxzoom": 16,
				"paint": m{"circle-radius": 3.5, "circle-color": "#6d4c41", "circle-stroke-color": "#fff", "circle-stroke-width": 1}}),
			layer("waste-icon", "symbol", geo.Waste, m{"minzoom": 16,
				"layout": m{"icon-image": []any{"coalesce", []any{"image", []any{"concat", "waste-", []any{"get", "kind"}}}, []any{"image", "waste-collection_point"}},
					"icon-allow-overlap": true}}),
			layer("road-label", "symbol", geo.Roads, m{"minzoom": 15, "filter": []any{"has", "name"},
				"layout": m{"text-field": nameOf(geo.Roads), "text-size": 11, "text-font": font, "symbol-placement": "line"},
				"paint":  m{"text-color": "#5d4037", "text-halo-color": "#fff", "text-halo-width": 1.2}}),
			layer("green-label", "symbol", geo.Green, m{"minzoom": 13,
				"filter": []any{"all", []any{"has", "name"}, []any{">=", []any{"get", "area_m2"}, 1000}},
				"layout": m{"text-field": nameOf(geo.Green), "text-size": 12, "text-font": font},
				"paint":  m{"text-color": "#1b5e20", "text-halo-color": "#fff", "text-halo-width": 1.2}}),
		},
	}
	if b, ok := tiles.LayersBound(snap, tiles.Public); ok {
		st["center"] = []float64{b.Center()[0], b.Center()[1]}
		st["zoom"] = 13
	}
	return st
}

// Style: GET /style.json.
func (s *Service) Style(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, Style(web.BaseURL(r), s.Index.Snapshot()))
}

// Sprite serves the sprite at ratio (1 or 2), its index when index is
// true, else its image.
func (s *Service) Sprite(ratio int, index bool) web.HandlerFunc {
	sp := s.sprites[ratio]
	body, tag, media := sp.PNG, sp.PNGTag, "image/png"
	if index {
		body, tag, media = sp.JSON, sp.JSONTag, web.MediaJSON
	}
	return func(w http.ResponseWriter, r *http.Request) *web.Error {
		if e := web.OnlyParams(web.Query(r)); e != nil {
			return e
		}
		h := w.Header()
		h.Set("ETag", tag)
		h.Set("Cache-Control", "public, max-age=86400")
		if web.NotModified(w, r, tag) {
			return nil
		}
		h.Set("Content-Type", media)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return nil
	}
}
