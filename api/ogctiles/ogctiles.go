// Package ogctiles serves OGC API – Tiles 1.0 (OGC 20-057): core, tileset,
// tilesets-list, the WebMercatorQuad tile matrix set and vector tiles (MVT)
// — the routes GDAL's OGCAPI driver, QGIS and ArcGIS read. The dataset's
// tiles are the public composite, each collection's its layer; the tiles
// themselves are cut, cached and guarded by the api package's tile route,
// which Service.Tile reaches, so /tiles/{layer}/{z}/{x}/{y}.mvt and these
// URLs answer the same bytes.
package ogctiles

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles"
	"github.com/paulmach/orb/maptile"
)

// Link relations and media types of OGC API – Tiles.
const (
	RelTilesetsVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	RelTilingSchemes  = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	RelTilingScheme   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	MediaMVT          = "application/vnd.mapbox-vector-tile"
)

// Link is a link of the documents served (as in OGC API – Features, plus
// templated for tile URL templates).
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// dataset is the tile layer of the dataset's tiles: the public composite.
const dataset = "public"

// Service answers the OGC API – Tiles routes from the index's snapshots.
type Service struct {
	// Index gives the current snapshot of the layers.
	Index interface{ Snapshot() *index.Snapshot }
	// LayerRole is the least role that may read a layer.
	LayerRole func(layer string) string
	// Tile serves tile z/x/y of a tile layer (a layer id or "public") as
	// the tile route does: cache, roles, ETag, gzip.
	Tile func(w http.ResponseWriter, r *http.Request, layer, z, x, y string) *web.Error
	// DetailZoom is a layer's real maximum zoom (tiles.DetailZoom, or a
	// memo of it).
	DetailZoom func(*index.Layer) int
}

// TileMatrixSets: GET /tileMatrixSets.
func (s *Service) TileMatrixSets(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	base := web.BaseURL(r)
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"tileMatrixSets": []map[string]any{{
			"id": TMSID, "title": "Google Maps Compatible for the World", "uri": TMSURI, "crs": CRS3857,
			"links": []Link{{Href: base + "/tileMatrixSets/" + TMSID, Rel: RelTilingScheme, Type: web.MediaJSON, Title: TMSID}},
		}},
		"links": []Link{{Href: base + "/tileMatrixSets", Rel: "self", Type: web.MediaJSON, Title: "tile matrix sets"}},
	})
}

// TileMatrixSet: GET /tileMatrixSets/{tms}.
func (s *Service) TileMatrixSet(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	if e := knownTMS(r); e != nil {
		return e
	}
	tms := WebMercatorQuad(tiles.MaxZoom)
	tms.Links = []Link{{Href: web.BaseURL(r) + "/tileMatrixSets/" + TMSID, Rel: "self", Type: web.MediaJSON, Title: TMSID}}
	return web.WriteJSON(w, http.StatusOK, tms)
}

// knownTMS refuses a tile matrix set other than WebMercatorQuad.
func knownTMS(r *http.Request) *web.Error {
	if id := mux.Vars(r)["tms"]; id != TMSID {
		if len(id) > 100 {
			id = id[:100] + "…"
		}
		return web.NotFound("no tile matrix set %q (tile matrix sets: %s)", id, TMSID)
	}
	return nil
}

// DatasetTilesets: GET /tiles, the tilesets of the whole dataset.
func (s *Service) DatasetTilesets(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	base := web.BaseURL(r)
	return web.WriteJSON(w, http.StatusOK, tilesetList(base+"/tiles", "the public layers"))
}

// CollectionTilesets: GET /collections/{id}/tiles.
func (s *Service) CollectionTilesets(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	sc, e := s.collection(w, r)
	if e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, tilesetList(web.BaseURL(r)+"/collections/"+sc.ID+"/tiles", sc.Title))
}

// tilesetList is the tilesets list at path: the one tileset, vector tiles in
// WebMercatorQuad.
func tilesetList(path, title string) map[string]any {
	return map[string]any{
		"tilesets": []map[string]any{{
			"title": title, "dataType": "vector", "crs": CRS3857, "tileMatrixSetURI": TMSURI,
			"links": []Link{
				{Href: path + "/" + TMSID, Rel: "self", Type: web.MediaJSON, Title: title + ", " + TMSID},
				{Href: tileTemplate(path), Rel: "item", Type: MediaMVT, Title: "a tile", Templated: true},
			},
		}},
		"links": []Link{{Href: path, Rel: "self", Type: web.MediaJSON, Title: title + ": tilesets"}},
	}
}

// tileTemplate is the URL template of the tiles of the tileset at path.
func tileTemplate(path string) string {
	return path + "/" + TMSID + "/{tileMatrix}/{tileRow}/{tileCol}"
}

// DatasetTileset: GET /tiles/WebMercatorQuad, the metadata of the dataset's tileset.
func (s *Service) DatasetTileset(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, s.tileset(r, web.BaseURL(r)+"/tiles", "the public layers", tiles.Public))
}

// CollectionTileset: GET /collections/{id}/tiles/WebMercatorQuad.
func (s *Service) CollectionTileset(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	sc, e := s.collection(w, r)
	if e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, s.tileset(r, web.BaseURL(r)+"/collections/"+sc.ID+"/tiles", sc.Title, []string{sc.ID}))
}

// Limits is the range of tiles of one tile matrix that hold data.
type Limits struct {
	TileMatrix string `json:"tileMatrix"`
	MinTileRow int    `json:"minTileRow"`
	MaxTileRow int    `json:"maxTileRow"`
	MinTileCol int    `json:"minTileCol"`
	MaxTileCol int    `json:"maxTileCol"`
}

// Layer describes a layer of a tileset (2DTMS 2.0 tileset metadata).
type Layer struct {
	ID                string         `json:"id"`
	Title             string         `json:"title"`
	DataType          string         `json:"dataType"`
	GeometryDimension int            `json:"geometryDimension"`
	MinTileMatrix     string         `json:"minTileMatrix"`
	MaxTileMatrix     string         `json:"maxTileMatrix"`
	PropertiesSchema  map[string]any `json:"propertiesSchema"`
}

// tileset is the metadata of the tileset at path drawn from layers: its
// tile matrix set, the limits of the tiles holding data from zoom 0 to the
// data's real maximum (deeper tiles are served, but only magnify it), its
// layers with their fields, and the tile URL template.
func (s *Service) tileset(r *http.Request, path, title string, layers []string) map[string]any {
	snap := s.Index.Snapshot()
	maxZoom := 0
	var ls []Layer
	for _, id := range layers {
		l := snap.Layer(id)
		z := s.DetailZoom(l)
		maxZoom = max(maxZoom, z)
		ls = append(ls, Layer{
			ID: id, Title: l.Schema.Title, DataType: "vector", GeometryDimension: dimension(l.Schema.Geom),
			MinTileMatrix: "0", MaxTileMatrix: strconv.Itoa(z), PropertiesSchema: propertiesSchema(l.Schema),
		})
	}
	ts := map[string]any{
		"title": title, "dataType": "vector", "crs": CRS3857, "tileMatrixSetURI": TMSURI, "layers": ls,
		"links": []Link{
			{Href: path + "/" + TMSID, Rel: "self", Type: web.MediaJSON, Title: title + ", " + TMSID},
			{Href: web.BaseURL(r) + "/tileMatrixSets/" + TMSID, Rel: RelTilingScheme, Type: web.MediaJSON, Title: TMSID},
			{Href: tileTemplate(path), Rel: "item", Type: MediaMVT, Title: "a tile", Templated: true},
		},
	}
	if b, ok := tiles.LayersBound(snap, layers); ok {
		var limits []Limits
		for z := 0; z <= maxZoom; z++ {
			c := tiles.Covering(b, maptile.Zoom(z))
			limits = append(limits, Limits{TileMatrix: strconv.Itoa(z),
				MinTileRow: int(c.Lo.Y), MaxTileRow: int(c.Hi.Y), MinTileCol: int(c.Lo.X), MaxTileCol: int(c.Hi.X)})
		}
		ts["tileMatrixSetLimits"] = limits
		ts["boundingBox"] = map[string]any{"lowerLeft": [2]float64{b.Min[0], b.Min[1]}, "upperRight": [2]float64{b.Max[0], b.Max[1]}, "crs": CRS84}
		ts["centerPoint"] = map[string]any{"coordinates": [2]float64{b.Center()[0], b.Center()[1]}, "crs": CRS84, "tileMatrix": strconv.Itoa(min(14, maxZoom))}
	}
	return ts
}

// dimension is the geometry dimension of a layer's features: 0 points, 1
// lines, 2 polygons.
func dimension(g geo.GeomKind) int {
	switch g {
	case geo.Point:
		return 0
	case geo.MultiLineString:
		return 1
	}
	return 2
}

// propertiesSchema is the JSON schema of a layer's attributes in its tiles.
func propertiesSchema(sc *geo.Schema) map[string]any {
	props := map[string]any{}
	for _, f := range sc.Fields {
		typ := map[geo.FieldType]string{geo.Text: "string", geo.Int: "integer", geo.Real: "number", geo.Bool: "boolean"}[f.Type]
		props[f.Name] = map[string]any{"type": typ}
	}
	return map[string]any{"type": "object", "properties": props}
}

// DatasetTile: GET /tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.
func (s *Service) DatasetTile(w http.ResponseWriter, r *http.Request) *web.Error {
	return s.tile(w, r, dataset)
}

// CollectionTile: GET /collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.
func (s *Service) CollectionTile(w http.ResponseWriter, r *http.Request) *web.Error {
	id := mux.Vars(r)["id"]
	if geo.SchemaOf(id) == nil {
		return web.NotFound("no collection %q (collections: %s)", id, strings.Join(web.LayerIDs(), ", "))
	}
	return s.tile(w, r, id)
}

// tile hands a tile request to the tile route: row is y, column x.
func (s *Service) tile(w http.ResponseWriter, r *http.Request, layer string) *web.Error {
	if r.URL.RawQuery != "" {
		q := web.Query(r)
		if f := q.Get("f"); f != "" && f != "mvt" {
			return web.NotAcceptable("f=" + f + ": tiles are served as Mapbox Vector Tiles only (f=mvt)")
		}
		if e := web.OnlyParams(q, "f", "scenario"); e != nil {
			return e
		}
	}
	v := mux.Vars(r)
	return s.Tile(w, r, layer, v["tileMatrix"], v["tileCol"], v["tileRow"])
}

// collection resolves {id} to a layer the caller may read.
func (s *Service) collection(w http.ResponseWriter, r *http.Request) (*geo.Schema, *web.Error) {
	id := mux.Vars(r)["id"]
	sc := geo.SchemaOf(id)
	if sc == nil {
		return nil, web.NotFound("no collection %q (collections: %s)", id, strings.Join(web.LayerIDs(), ", "))
	}
	if e := web.CallerOf(r).Need(w, s.LayerRole(id), "layer "+id); e != nil {
		return nil, e
	}
	return sc, nil
}
