package api

import (
	"net/http"

	"github.com/greenreach/greenreach/geo"
)

// handleOpenAPI: GET /api — the OpenAPI 3.0 definition of the service,
// built from the layer schemas so that every collection's property
// filters are listed (GDAL's OAPIF driver reads the items limit from it).
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	return writeJSONAs(w, mediaOpenAPI, openAPI(baseURL(r)))
}

type obj = map[string]any

func param(name, in, doc string, schema obj, required bool) obj {
	return obj{"name": name, "in": in, "description": doc, "required": required, "schema": schema, "style": "form", "explode": false}
}

func okJSON(doc, media string) obj {
	return obj{
		"200":     obj{"description": doc, "content": obj{media: obj{"schema": obj{"type": "object"}}}},
		"400":     obj{"$ref": "#/components/responses/Problem"},
		"404":     obj{"$ref": "#/components/responses/Problem"},
		"default": obj{"$ref": "#/components/responses/Problem"},
	}
}

func apiGet(id, summary string, params []obj, resp obj) obj {
	if params == nil {
		params = []obj{}
	}
	return obj{"get": obj{"operationId": id, "summary": summary, "parameters": params, "responses": resp}}
}

func openAPI(base string) obj {
	num := obj{"type": "number"}
	lonLat := []obj{
		param("lon", "query", "longitude, WGS84 degrees", obj{"type": "number", "minimum": -180, "maximum": 180}, true),
		param("lat", "query", "latitude, WGS84 degrees", obj{"type": "number", "minimum": -90, "maximum": 90}, true),
	}
	layer := param("layer", "query", "layer id", obj{"type": "string", "enum": layerIDs()}, false)
	paths := obj{
		"/":            apiGet("getLandingPage", "Landing page (JSON; browsers get the public map)", nil, okJSON("links to the API", mediaJSON)),
		"/conformance": apiGet("getConformanceDeclaration", "OGC API conformance classes", nil, okJSON("conformsTo", mediaJSON)),
		"/collections": apiGet("getCollections", "The layers", nil, okJSON("collections", mediaJSON)),
		"/api":         apiGet("getAPI", "This document", nil, okJSON("OpenAPI 3.0", mediaOpenAPI)),
		"/api/layers":  apiGet("getLayers", "Layer summaries: count, bbox, version", nil, okJSON("layers", mediaJSON)),
		"/api/nearest": apiGet("nearest", "The k features nearest a point, in a straight line (geodesic) or by walking", append(append([]obj{}, lonLat...), layer,
			param("k", "query", "how many", obj{"type": "integer", "minimum": 1, "maximum": maxK, "default": 5}, false),
			param("meters", "query", "at most this far", num, false),
			param("by", "query", "line or walk", obj{"type": "string", "enum": []string{"line", "walk"}}, false)), okJSON("features with distance_m", mediaGeoJSON)),
		"/api/within": apiGet("within", "Features within a distance of a point", append(append([]obj{}, lonLat...), layer,
			param("meters", "query", "distance in metres", obj{"type": "number", "minimum": 0, "maximum": maxMeters}, true)), okJSON("features with distance_m", mediaGeoJSON)),
		"/api/at":     apiGet("at", "Polygons containing a point", append(append([]obj{}, lonLat...), layer), okJSON("features", mediaGeoJSON)),
		"/api/search": apiGet("search", "Features by name", []obj{param("q", "query", "text in the name", obj{"type": "string"}, true), layer}, okJSON("features", mediaGeoJSON)),
		"/api/audit":  apiGet("audit", "Every coverage rule for the city, its districts and communities", nil, okJSON("the audit", mediaJSON)),
		"/tiles/{layer}/{z}/{x}/{y}.mvt": apiGet("getTile", "A Mapbox Vector Tile of one layer, the public composite or the coverage layer", []obj{
			param("layer", "path", "layer id, public or coverage", obj{"type": "string"}, true),
			param("z", "path", "zoom 0–24", obj{"type": "integer", "minimum": 0, "maximum": 24}, true),
			param("x", "path", "column", obj{"type": "integer", "minimum": 0}, true),
			param("y", "path", "row", obj{"type": "integer", "minimum": 0}, true),
		}, okJSON("the tile", "application/vnd.mapbox-vector-tile")),
		"/tiles/{layer}.json": apiGet("getTileJSON", "TileJSON 3.0.0 of a tile layer", []obj{param("layer", "path", "layer id, public or coverage", obj{"type": "string"}, true)}, okJSON("TileJSON", mediaJSON)),
	}
	for _, sc := range geo.Schemas {
		c := "/collections/" + sc.ID
		paths[c] = apiGet("describe_"+sc.ID, sc.Title, nil, okJSON("the collection", mediaJSON))
		ps := []obj{
			param("limit", "query", "features per page", obj{"type": "integer", "minimum": 1, "maximum": ogcLimitMax, "default": ogcLimitDefault}, false),
			param("offset", "query", "features to skip (next links carry it)", obj{"type": "integer", "minimum": 0, "default": 0}, false),
			param("bbox", "query", "minLon,minLat,maxLon,maxLat (CRS84)", obj{"type": "array", "minItems": 4, "maxItems": 6, "items": num}, false),
			param("bbox-crs", "query", "only CRS84", obj{"type": "string", "enum": []string{crs84}}, false),
			param("datetime", "query", "last update: an RFC 3339 instant or interval (.. for open)", obj{"type": "string"}, false),
		}
		for _, f := range sc.Fields {
			t := map[geo.FieldType]string{geo.Text: "string", geo.Int: "integer", geo.Real: "number", geo.Bool: "boolean"}[f.Type]
			ps = append(ps, param(f.Name, "query", "equals: "+f.Doc, obj{"type": t}, false))
		}
		paths[c+"/items"] = apiGet("getFeatures_"+sc.ID, sc.Title+": features, paged", ps, okJSON("a page of features", mediaGeoJSON))
		paths[c+"/items/{featureId}"] = apiGet("getFeature_"+sc.ID, sc.Title+": one feature", []obj{
			param("featureId", "path", "feature id", obj{"type": "integer"}, true),
		}, okJSON("the feature", mediaGeoJSON))
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title": "greenreach", "version": "1",
			"description": "Parks, green belts, residential parcels, roads, waste points and administrative areas, served as OGC API – Features, vector tiles and spatial queries, with coverage audits.",
			"license":     obj{"name": "data: see attribution (OpenStreetMap data © OpenStreetMap contributors, ODbL)"},
		},
		"servers": []obj{{"url": base}},
		"paths":   paths,
		"components": obj{"responses": obj{"Problem": obj{
			"description": "an RFC 9457 problem",
			"content": obj{"application/problem+json": obj{"schema": obj{"type": "object", "properties": obj{
				"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"}, "detail": obj{"type": "string"}, "instance": obj{"type": "string"},
			}}}},
		}}},
	}
}
