package api

import (
	"github.com/greenreach/greenreach/api/ogctiles"
	"github.com/greenreach/greenreach/tiles"
)

// oaTilesPaths: the paths of OGC API – Tiles (api/ogctiles): tile matrix
// sets, the tilesets of the dataset and of each collection, their tiles;
// and the map's style and sprite (api/mapstyle).
func oaTilesPaths() obj {
	str, integer := obj{"type": "string"}, obj{"type": "integer"}
	object := func(required []string, props obj) obj {
		return obj{"type": "object", "required": required, "properties": props}
	}
	link := object([]string{"href", "rel"}, obj{"href": str, "rel": str, "type": str, "title": str, "templated": obj{"type": "boolean"}})
	links := oaArrayOf(link)
	tms := oaPathParam("tms", "tile matrix set", obj{"type": "string", "enum": []string{ogctiles.TMSID}})
	id := oaPathParam("id", "collection (layer) id", str)
	tilesetList := oaResponses("200", "the tilesets", oaContent(mediaJSON, object([]string{"tilesets", "links"}, obj{
		"links": links,
		"tilesets": oaArrayOf(object([]string{"dataType", "crs", "links"}, obj{
			"title": str, "dataType": str, "crs": str, "tileMatrixSetURI": str, "links": links,
		})),
	})), "404")
	tileset := oaResponses("200", "the tileset: tile matrix set, limits, layers, tile URL template", oaContent(mediaJSON, object([]string{"dataType", "crs", "links"}, obj{
		"title": str, "dataType": str, "crs": str, "tileMatrixSetURI": str, "links": links,
		"tileMatrixSetLimits": oaArrayOf(object([]string{"tileMatrix", "minTileRow", "maxTileRow", "minTileCol", "maxTileCol"}, obj{
			"tileMatrix": str, "minTileRow": integer, "maxTileRow": integer, "minTileCol": integer, "maxTileCol": integer,
		})),
		"layers":      oaArrayOf(object([]string{"id", "dataType"}, obj{"id": str, "title": str, "dataType": str, "geometryDimension": integer, "minTileMatrix": str, "maxTileMatrix": str, "propertiesSchema": obj{"type": "object"}})),
		"boundingBox": obj{"type": "object"}, "centerPoint": obj{"type": "object"},
	})), "404")
	tileParams := func(first ...obj) []obj {
		return append(first,
			oaPathParam("tileMatrix", "zoom", obj{"type": "integer", "minimum": 0, "maximum": tiles.MaxZoom}),
			oaPathParam("tileRow", "row (y)", obj{"type": "integer", "minimum": 0}),
			oaPathParam("tileCol", "column (x)", obj{"type": "integer", "minimum": 0}),
			param("f", "mvt", obj{"type": "string", "enum": []string{"mvt"}}, false),
			oaScenarioParam())
	}
	tile := oaWithHeaders(oaResponses("200", "the tile (gzip when accepted): the tile route's bytes", oaContent(ogctiles.MediaMVT, obj{"type": "string", "format": "binary"}), "304", "404"), "200", "ETag", "Cache-Control")
	return obj{
		"/tileMatrixSets": oaGet(oaOp("getTileMatrixSetsList", "The tile matrix sets: WebMercatorQuad", "", nil,
			oaResponses("200", "the tile matrix sets", oaContent(mediaJSON, object([]string{"tileMatrixSets"}, obj{"tileMatrixSets": oaArrayOf(object([]string{"id", "links"}, obj{"id": str, "title": str, "uri": str, "crs": str, "links": links})), "links": links}))))),
		"/tileMatrixSets/{tms}": oaGet(oaOp("getTileMatrixSet", "A tile matrix set's definition (OGC 2D TMS 2.0)", "", []obj{tms},
			oaResponses("200", "the definition", oaContent(mediaJSON, object([]string{"id", "crs", "tileMatrices"}, obj{"id": str, "uri": str, "crs": str, "tileMatrices": oaArrayOf(obj{"type": "object"})})), "404"))),
		"/tiles":                   oaGet(oaOp("getDatasetTilesets", "The vector tilesets of the public layers", "", nil, tilesetList)),
		"/tiles/" + ogctiles.TMSID: oaGet(oaOp("getDatasetTileset", "The public layers' tileset", "", nil, tileset)),
		"/tiles/" + ogctiles.TMSID + "/{tileMatrix}/{tileRow}/{tileCol}": oaGet(oaOp("getDatasetTile", "A tile of the public layers (Mapbox Vector Tile)", "", tileParams(), tile)),
		"/collections/{id}/tiles":                   oaGet(oaOp("getCollectionTilesets", "A collection's vector tilesets", "", []obj{id}, tilesetList)),
		"/collections/{id}/tiles/" + ogctiles.TMSID: oaGet(oaOp("getCollectionTileset", "A collection's tileset", "", []obj{id}, tileset)),
		"/style.json": oaGet(oaOp("getStyle", "The map's style (MapLibre style spec v8) over the public tiles, glyphs and sprite", "", nil,
			oaResponses("200", "the style", oaContent(mediaJSON, object([]string{"version", "sources", "layers"}, obj{"version": integer, "name": str, "sources": obj{"type": "object"}, "layers": oaArrayOf(obj{"type": "object"}), "glyphs": str, "sprite": str}))))),
		"/sprite.json":    oaGet(oaOp("getSprite", "The sprite's index: each icon's place in /sprite.png", "", nil, oaResponses("200", "the index", oaContent(mediaJSON, obj{"type": "object"}), "304"))),
		"/sprite.png":     oaGet(oaOp("getSpriteImage", "The sprite's icons", "", nil, oaResponses("200", "the image", oaContent("image/png", obj{"type": "string", "format": "binary"}), "304"))),
		"/sprite@2x.json": oaGet(oaOp("getSprite2x", "The sprite's index for screens of pixel ratio 2", "", nil, oaResponses("200", "the index", oaContent(mediaJSON, obj{"type": "object"}), "304"))),
		"/sprite@2x.png":  oaGet(oaOp("getSpriteImage2x", "The sprite's icons at pixel ratio 2", "", nil, oaResponses("200", "the image", oaContent("image/png", obj{"type": "string", "format": "binary"}), "304"))),
		"/collections/{id}/tiles/" + ogctiles.TMSID + "/{tileMatrix}/{tileRow}/{tileCol}": oaGet(oaOp("getCollectionTile", "A tile of a collection (Mapbox Vector Tile; parcels: planner)", "", tileParams(id), tile)),
	}
}
