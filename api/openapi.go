package api

import (
	"maps"
	"net/http"
	"strings"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/store"
)

// handleOpenAPI: GET /api — the OpenAPI 3.0 definition of the service,
// built from the layer schemas so that every collection's property
// filters are listed (GDAL's OAPIF driver reads the items limit from it).
// TestOpenAPIRoutes keeps it in step with the router.
func handleOpenAPI() handlerFunc {
	// The document is the same for every request but its server URL: made
	// once, the rest shared, read only.
	shared := openAPI("")
	return func(w http.ResponseWriter, r *http.Request) *appError {
		// A crs is checked, not used (see features.Collection).
		if e := jsonOnly(r, "crs"); e != nil {
			return e
		}
		if v := queryOf(r).Get("crs"); v != "" {
			if _, _, ok := crs.ParseOGC(v); !ok {
				return web.BadRequest("crs=%q: not a served coordinate system (served: %s)", v, strings.Join(features.CRSList(), ", "))
			}
		}
		doc := maps.Clone(shared)
		doc["servers"] = []obj{{"url": web.BaseURL(r)}}
		return writeJSONAs(w, mediaOpenAPI, doc)
	}
}

// openAPI is the definition with base as its server URL.
func openAPI(base string) obj {
	paths := obj{}
	for _, group := range []obj{oaServicePaths(), oaQueryPaths(), oaCoveragePaths(), oaScenarioPaths(), oaMapPaths(), oaCollectionPaths(), oaOpen311Paths(), oaCasePaths(), oaCaseTilePaths(), oaCaseImportPaths(), oaAssessmentPaths(), oaSurveyPaths(), oaTilesPaths()} {
		maps.Copy(paths, group)
	}
	schemas := oaSchemas()
	maps.Copy(schemas, oaCaseSchemas())
	maps.Copy(schemas, oaCaseImportSchemas())
	maps.Copy(schemas, oaSurveySchemas())
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title": "greenreach", "version": "1",
			"description": "Parks, green belts, residential parcels, roads, waste points and administrative areas, served as OGC API – Features, vector tiles and spatial queries, with coverage audits, what-if analysis and planners' scenarios. Without a token a request has the anonymous role (public unless the deployment raises it); send Authorization: Bearer <token> for more.",
			"license":     obj{"name": "data: see attribution (OpenStreetMap data © OpenStreetMap contributors, ODbL)"},
		},
		"servers":  []obj{{"url": base}},
		"security": []obj{{}, {"bearer": []string{}}},
		"paths":    paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "description": "a token from `greenreach token create`; its role (planner, auditor, admin; inspector, dispatcher, unit for cases) decides what it may read and write"}},
			"responses": obj{"Problem": obj{
				"description": "an RFC 9457 problem",
				"content":     oaContent("application/problem+json", oaRef("Problem")),
			}},
			"schemas": schemas,
		},
	}
}

// oaServicePaths: the paths of the service's own documents: landing,
// conformance, collections, this definition, layers, rules, health and
// metrics.
func oaServicePaths() obj {
	return obj{
		"/": oaGet(oaOp("getLandingPage", "Landing page: JSON for ?f=json or Accept: application/json, else the public map", "",
			[]obj{param("f", "json or html", obj{"type": "string", "enum": []string{"json", "html"}}, false), oaCRSChecked()},
			oaResponses("200", "links to the API, or the map page", obj{mediaJSON: obj{"schema": oaRef("Landing")}, "text/html": obj{"schema": obj{"type": "string"}}}))),
		"/conformance": oaGet(oaOp("getConformanceDeclaration", "OGC API conformance classes", "", nil, oaOkJSON("conformsTo", "Conformance"))),
		"/collections": oaGet(oaOp("getCollections", "The layers as OGC API collections", "", nil, oaOkJSON("collections", "Collections"))),
		"/api":         oaGet(oaOp("getAPI", "This document", "", []obj{oaCRSChecked()}, oaResponses("200", "OpenAPI 3.0", oaContent(mediaOpenAPI, obj{"type": "object"})))),
		"/api/layers":  oaGet(oaOp("getLayers", "Layer summaries: count, bbox, version", "", nil, oaResponses("200", "layers", oaContent(mediaJSON, oaArrayOf(oaRef("Layer")))))),
		"/api/rules":   oaGet(oaOp("getRules", "The coverage rules the audit applies", "", []obj{oaLangParam()}, oaOkJSON("the rule set", "Rules"))),
		"/healthz":     oaGet(oaOp("healthz", "Liveness: the process answers", "", nil, oaOkJSON("ok", "Health"))),
		"/readyz":      oaGet(oaOp("readyz", "Readiness: the store answers and the index is loaded; 503 while it loads, with how far it has come", "", nil, oaReadyResponses())),
		"/metrics":     oaGet(oaOp("metrics", "Prometheus metrics", store.RoleAdmin, nil, oaText("text/plain", "the Prometheus text format"))),
	}
}

// oaQueryPaths: the paths of the spatial queries and the walk.
func oaQueryPaths() obj {
	num := obj{"type": "number"}
	lonLat := []obj{
		param("lon", "longitude, WGS84 degrees", obj{"type": "number", "minimum": -180, "maximum": 180}, true),
		param("lat", "latitude, WGS84 degrees", obj{"type": "number", "minimum": -90, "maximum": 90}, true),
	}
	layer := param("layer", "layer id", obj{"type": "string", "enum": layerIDs()}, false)
	withPoint := func(ps ...obj) []obj { return append(append([]obj{}, lonLat...), ps...) }
	return obj{
		"/api/nearest": oaGet(oaOp("nearest", "The k features nearest a point, in a straight line (geodesic) or by walking", "", withPoint(layer,
			param("k", "how many", obj{"type": "integer", "minimum": 1, "maximum": maxK, "default": 5}, false),
			param("meters", "at most this far", num, false),
			param("by", "line or walk", obj{"type": "string", "enum": []string{"line", "walk"}, "default": "line"}, false),
			oaScenarioParam()), oaOkGeo("features with distance_m, nearest first", "FeatureCollection"))),
		"/api/within": oaGet(oaOp("within", "Features within a distance of a point", "", withPoint(layer,
			param("meters", "distance in metres", obj{"type": "number", "minimum": 0, "maximum": maxMeters}, true),
			oaScenarioParam()), oaOkGeo("features with distance_m", "FeatureCollection"))),
		"/api/at": oaGet(oaOp("at", "Polygons containing a point", "", withPoint(layer, oaScenarioParam()), oaOkGeo("features", "FeatureCollection"))),
		"/api/search": oaGet(oaOp("search", "Features by name", "", []obj{
			param("q", "text in the name", obj{"type": "string"}, true), layer,
			param("limit", "how many", obj{"type": "integer", "minimum": 1, "maximum": maxSearch, "default": defaultSearch}, false),
			oaScenarioParam()}, oaOkGeo("features", "FeatureCollection"))),
		"/api/reach": oaGet(oaOp("reach", "What a walk from a point reaches: the reach polygon, the walked paths and the green spaces reached, nearest first", "", withPoint(
			param("meters", "length of the walk", obj{"type": "number", "minimum": 1, "maximum": maxWalk, "default": 500}, false),
			oaScenarioParam()), oaResponses("200", "the reach (kind reach), the paths (kind walked) and green spaces with distance_m", oaGeoJSONBody("FeatureCollection"), "429"))),
	}
}

// oaCoveragePaths: the paths of the audit, suggestions, what-if and imports.
func oaCoveragePaths() obj {
	return obj{
		"/api/audit": oaGet(oaOp("audit", "Every coverage rule for the city, its districts and communities", store.RoleAuditor, []obj{oaMode(),
			param("format", "the report's format", obj{"type": "string", "enum": report.Formats, "default": "json"}, false), oaLangParam(),
			param("bom", "start a CSV with a UTF-8 byte-order mark (for spreadsheet programs)", obj{"type": "boolean", "default": true}, false)},
			oaResponses("200", "the audit", obj{
				mediaJSON:    obj{"schema": oaRef("Audit")},
				mediaGeoJSON: obj{"schema": oaRef("FeatureCollection")},
				"text/csv":   obj{"schema": obj{"type": "string"}},
				"text/html":  obj{"schema": obj{"type": "string"}},
				"text/plain": obj{"schema": obj{"type": "string"}},
			}, "429"))),
		"/api/suggest": oaGet(oaOp("suggest", "Where new parks or collection points would newly cover the most residents (greedy maximal covering)", store.RolePlanner, []obj{
			param("rule", "the rule to serve", obj{"type": "string", "default": "park-500m-walk"}, false),
			param("size_m2", "area of each new park", obj{"type": "number", "minimum": 100, "maximum": 1e6, "default": 5000}, false),
			param("count", "how many sites", obj{"type": "integer", "minimum": 1, "maximum": 20, "default": 3}, false),
			param("candidates", "candidate sites tried", obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 150}, false),
			oaMode()}, oaResponses("200", "sites ranked, each with gain_residents", oaGeoJSONBody("FeatureCollection"), "429"))),
		"/api/whatif": obj{"post": oaWithBody(oaOp("whatIf", "Each rule's figures before and after new green spaces (polygons), belts (lines, width_m) or collection points (points)", store.RolePlanner,
			[]obj{oaMode(), oaScenarioParam(), oaLangParam()}, oaResponses("200", "figures before and after, residents newly covered", oaJSONBody("WhatIf"), "413", "422", "429")),
			"a GeoJSON FeatureCollection, Feature or geometry (not needed with ?scenario=)", false, obj{mediaGeoJSON: obj{"schema": obj{"type": "object"}}, mediaJSON: obj{"schema": obj{"type": "object"}}})},
		"/api/import": obj{"post": oaWithBody(oaOp("import", "Import a file into the store, all or nothing; never deletes unless replace=true", store.RoleAdmin, []obj{
			param("format", "the file's format", obj{"type": "string", "enum": []string{"osm", "pbf", "osm.gz", "geojson", "gpkg", "shp"}}, true),
			param("layer", "the layer (every format but OpenStreetMap's)", obj{"type": "string", "enum": layerIDs()}, false),
			param("source", "the name of the import; a re-import of the same source updates its features", obj{"type": "string"}, false),
			param("replace", "delete the source's features the file no longer has", obj{"type": "boolean", "default": false}, false),
		}, oaResponses("200", "what was read, imported, replaced, deleted and skipped", oaJSONBody("ImportSummary"), "408", "413", "422")),
			"the file's bytes (a Shapefile as a zip)", true, obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}})},
	}
}

// oaScenarioPaths: the paths of the planners' scenarios.
func oaScenarioPaths() obj {
	return obj{
		"/api/scenarios": obj{
			"get": oaOp("listScenarios", "The scenarios (drafts and committed)", store.RolePlanner, nil, oaResponses("200", "scenarios", oaContent(mediaJSON, oaArrayOf(oaRef("Scenario"))))),
			"post": oaWithBody(oaOp("createScenario", "Create a scenario", store.RolePlanner, nil,
				oaWithHeaders(oaResponses("201", "the scenario", oaJSONBody("Scenario"), "413", "422"), "201", "ETag", "Location")),
				"name and edits", true, oaJSONBody("ScenarioBody")),
		},
		"/api/scenarios/{id}": obj{
			"get": oaOp("getScenario", "A scenario with its edits", store.RolePlanner, []obj{oaScenarioID()},
				oaWithHeaders(oaResponses("200", "the scenario", oaJSONBody("Scenario"), "404"), "200", "ETag")),
			"put": oaWithBody(oaOp("replaceScenario", "Replace a scenario's name and edits", store.RolePlanner, []obj{oaScenarioID(), oaIfMatchHeader()},
				oaWithHeaders(oaResponses("200", "the scenario", oaJSONBody("Scenario"), "404", "409", "412", "413", "422", "428"), "200", "ETag")),
				"name and edits", true, oaJSONBody("ScenarioBody")),
			"patch": oaWithBody(oaOp("updateScenario", "Replace a scenario's name and edits (as PUT)", store.RolePlanner, []obj{oaScenarioID(), oaIfMatchHeader()},
				oaWithHeaders(oaResponses("200", "the scenario", oaJSONBody("Scenario"), "404", "409", "412", "413", "422", "428"), "200", "ETag")),
				"name and edits", true, oaJSONBody("ScenarioBody")),
			"delete": oaOp("deleteScenario", "Delete a draft scenario", store.RolePlanner, []obj{oaScenarioID(), oaIfMatchHeader()},
				oaResponses("204", "deleted", nil, "404", "409", "412", "428")),
		},
		"/api/scenarios/{id}/commit": obj{"post": oaOp("commitScenario", "Commit a scenario's edits into the baseline, in one transaction", store.RoleAdmin, []obj{oaScenarioID(), oaIfMatchHeader()},
			oaWithHeaders(oaResponses("200", "the committed scenario", oaJSONBody("Scenario"), "404", "409", "412", "422", "428"), "200", "ETag"))},
	}
}

// oaMapPaths: the paths of tiles, TileJSON and the web pages with their
// assets.
func oaMapPaths() obj {
	return obj{
		tileRoute: oaGet(oaOp("getTile", "A Mapbox Vector Tile of one layer, the public composite or the coverage layer", "", []obj{
			oaPathParam("layer", "layer id, public or coverage (auditor)", obj{"type": "string"}),
			oaPathParam("z", "zoom", obj{"type": "integer", "minimum": 0, "maximum": 24}),
			oaPathParam("x", "column", obj{"type": "integer", "minimum": 0}),
			oaPathParam("y", "row", obj{"type": "integer", "minimum": 0}),
			oaScenarioParam(),
		}, oaWithHeaders(oaResponses("200", "the tile (gzip when accepted)", oaContent("application/vnd.mapbox-vector-tile", obj{"type": "string", "format": "binary"}), "304", "404"), "200", "ETag", "Cache-Control"))),
		"/tiles/{layer}.json": oaGet(oaOp("getTileJSON", "TileJSON 3.0.0 of a tile layer", "", []obj{oaPathParam("layer", "layer id, public or coverage", obj{"type": "string"})}, oaOkJSON("TileJSON", "TileJSON"))),
		"/planner":            oaGet(oaOp("plannerPage", "The planner's page (scenarios, what-if)", "", nil, oaText("text/html", "an HTML page"))),
		"/auditor":            oaGet(oaOp("auditorPage", "The auditor's page (the audit on the map)", "", nil, oaText("text/html", "an HTML page"))),
		"/inspect":            oaGet(oaOp("inspectPage", "The inspector's phone page (report a case; kept while offline)", "", nil, oaText("text/html", "an HTML page"))),
		"/cases":              oaGet(oaOp("casesPage", "The dispatcher's case board (map, list, the workflow's steps)", "", nil, oaText("text/html", "an HTML page"))),
		"/unit":               oaGet(oaOp("unitPage", "A responsible unit's page (its cases, 处置 with a photo, its month's assessment)", "", nil, oaText("text/html", "an HTML page"))),
		"/static/{asset}": oaGet(oaOp("staticAsset", "The pages' scripts, styles and map libraries (asset may hold slashes)", "",
			[]obj{oaPathParam("asset", "the file under static/", obj{"type": "string"})}, oaResponses("200", "the file", obj{"*/*": obj{"schema": obj{"type": "string", "format": "binary"}}}, "404"))),
		"/fonts/{stack}/{range}.pbf": oaGet(oaOp("glyphs", "Map label glyphs (a range of 256 code points)", "", []obj{
			oaPathParam("stack", "font stack", obj{"type": "string"}),
			oaPathParam("range", "first-last code point, e.g. 0-255", obj{"type": "string"}),
		}, oaResponses("200", "glyph protobuf", oaContent("application/x-protobuf", obj{"type": "string", "format": "binary"}), "404"))),
	}
}

// oaCollectionPaths: the paths of each collection of OGC API – Features:
// its description, its items with a filter per attribute, one item.
func oaCollectionPaths() obj {
	num := obj{"type": "number"}
	paths := obj{}
	for _, sc := range geo.Schemas {
		c := "/collections/" + sc.ID
		paths[c] = oaGet(oaOp("describe_"+sc.ID, sc.Title, "", []obj{oaCRSChecked()}, oaOkJSON("the collection", "Collection")))
		ps := []obj{
			param("limit", "features per page", obj{"type": "integer", "minimum": 1, "maximum": features.LimitMax, "default": features.LimitDefault}, false),
			param("offset", "features to skip (next links carry it)", obj{"type": "integer", "minimum": 0, "default": 0}, false),
			param("bbox", "minLon,minLat,maxLon,maxLat in CRS84, or the corners in bbox-crs's axis order", obj{"type": "array", "minItems": 4, "maxItems": 6, "items": num}, false),
			param("bbox-crs", "the coordinate system of bbox (default CRS84)", oaCRS(), false),
			param("datetime", "last update: an RFC 3339 instant or interval (.. for open)", obj{"type": "string"}, false),
			param("f", "json or geojson", obj{"type": "string", "enum": []string{"json", "geojson"}}, false),
		}
		ps = append(ps, oaFilterParams()...)
		for _, f := range sc.Fields {
			t := map[geo.FieldType]string{geo.Text: "string", geo.Int: "integer", geo.Real: "number", geo.Bool: "boolean"}[f.Type]
			ps = append(ps, param(f.Name, "equals: "+f.Doc, obj{"type": t}, false))
		}
		role := layerRole(sc.ID)
		if role == store.RolePublic {
			role = ""
		}
		paths[c+"/items"] = oaGet(oaOp("getFeatures_"+sc.ID, sc.Title+": features, paged", role, ps,
			oaWithHeaders(oaOkGeo("a page of features", "FeatureCollection"), "200", "Content-Crs", "ETag")))
		paths[c+"/items/{featureId}"] = oaGet(oaOp("getFeature_"+sc.ID, sc.Title+": one feature", role, []obj{
			oaPathParam("featureId", "feature id", obj{"type": "integer"}),
			param("crs", "the coordinate system of the answer (default CRS84), in its axis order", oaCRS(), false),
		}, oaWithHeaders(oaResponses("200", "the feature", oaGeoJSONBody("Feature"), "404"), "200", "Content-Crs", "ETag", "Last-Modified")))
		paths[c+"/queryables"] = oaGet(oaOp("getQueryables_"+sc.ID, sc.Title+": what a filter may name (JSON Schema)", role, nil,
			oaResponses("200", "the queryables", oaContent(features.MediaSchema, oaRef("Queryables")), "404")))
	}
	return paths
}

// oaCRS is a coordinate system served by reference (OGC API – Features
// Part 2): its URI (EPSG:n and [EPSG:n] are read too).
func oaCRS() obj {
	return obj{"type": "string", "enum": features.CRSList(), "default": features.CRS84}
}

// oaCRSChecked is a crs checked but not used: clients that open a
// collection by URL send its query with every request.
func oaCRSChecked() obj {
	return param("crs", "checked, not used (clients that open a collection by URL send its crs to every route)", oaCRS(), false)
}

// oaFilterParams are the items' parameters of Parts 2 and 3 and of
// sorting and property selection.
func oaFilterParams() []obj {
	return []obj{
		param("crs", "the coordinate system of the answer (default CRS84), in its axis order: EPSG:4326 and 4490 latitude first, the CGCS2000 Gauss-Krüger zones northing first", oaCRS(), false),
		param("filter", "a CQL2 expression on the queryables (Basic CQL2, LIKE, BETWEEN, IN, S_INTERSECTS, S_WITHIN, S_CONTAINS, S_DISJOINT); at most 8192 bytes, nesting 20, 200 terms, literals of 1024 bytes, 2000 vertices", obj{"type": "string", "maxLength": 8192}, false),
		param("filter-lang", "the filter's encoding", obj{"type": "string", "enum": []string{features.LangText, features.LangJSON}, "default": features.LangText}, false),
		param("filter-crs", "the coordinate system of the filter's geometries (default CRS84)", oaCRS(), false),
		param("sortby", "queryables to order by, each + (ascending, the default) or - (descending); missing values last", obj{"type": "array", "maxItems": 8, "items": obj{"type": "string"}}, false),
		param("properties", "the attributes to answer (default all)", obj{"type": "array", "items": obj{"type": "string"}}, false),
	}
}

// schemas are the JSON answers' shapes. Objects admit properties beyond
// those listed (features' properties vary by layer).
func oaSchemas() obj {
	str, num, integer, boolean := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "boolean"}
	dateTime := obj{"type": "string", "format": "date-time"}
	object := func(required []string, props obj) obj {
		o := obj{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	bbox := obj{"type": "array", "items": num, "minItems": 4, "maxItems": 6}
	return obj{
		"Problem": object([]string{"title", "status"}, obj{"type": str, "title": str, "status": integer, "detail": str, "instance": str}),
		"Link":    object([]string{"href", "rel"}, obj{"href": str, "rel": str, "type": str, "title": str}),
		"Geometry": object([]string{"type"}, obj{
			"type":        obj{"type": "string", "enum": []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}},
			"coordinates": obj{"type": "array", "items": obj{}},
			"geometries":  obj{"type": "array", "items": oaRef("Geometry")},
		}),
		"Feature": object([]string{"type", "geometry", "properties"}, obj{
			"type":       obj{"type": "string", "enum": []string{"Feature"}},
			"id":         obj{"description": "the feature id (an integer; absent for computed features)"},
			"bbox":       bbox,
			"geometry":   obj{"allOf": []obj{oaRef("Geometry")}, "nullable": true},
			"properties": obj{"type": "object", "nullable": true},
		}),
		"FeatureCollection": object([]string{"type", "features"}, obj{
			"type":           obj{"type": "string", "enum": []string{"FeatureCollection"}},
			"features":       oaArrayOf(oaRef("Feature")),
			"links":          oaArrayOf(oaRef("Link")),
			"numberMatched":  integer,
			"numberReturned": integer,
			"timeStamp":      dateTime,
		}),
		"Landing":     object([]string{"links"}, obj{"title": str, "description": str, "links": oaArrayOf(oaRef("Link"))}),
		"Conformance": object([]string{"conformsTo"}, obj{"conformsTo": oaArrayOf(str)}),
		"Collection": object([]string{"id", "links"}, obj{
			"id": str, "title": str, "description": str, "itemType": str, "crs": oaArrayOf(str), "storageCrs": str,
			"extent": object(nil, obj{"spatial": object(nil, obj{"bbox": oaArrayOf(bbox), "crs": str})}),
			"links":  oaArrayOf(oaRef("Link")),
		}),
		"Queryables": object([]string{"type", "properties"}, obj{
			"$schema": str, "$id": str, "type": str, "title": str, "additionalProperties": boolean,
			"properties": obj{"type": "object", "additionalProperties": obj{"type": "object"}},
		}),
		"Collections": object([]string{"collections"}, obj{"collections": oaArrayOf(oaRef("Collection")), "links": oaArrayOf(oaRef("Link"))}),
		"Layer": object([]string{"id", "title", "count", "bbox", "version"}, obj{
			"id": str, "title": str, "count": integer, "version": integer,
			"bbox": obj{"type": "array", "items": num, "minItems": 4, "maxItems": 4, "nullable": true, "description": "west, south, east, north; null when empty"},
		}),
		"Rule":  object([]string{"id", "title", "type", "measure"}, obj{"id": str, "title": str, "description": str, "type": str, "measure": str, "level": str, "meters": num, "source": str}),
		"Rules": object([]string{"name", "rules"}, obj{"name": str, "rules": oaArrayOf(oaRef("Rule"))}),
		"Audit": object([]string{"rules", "mode", "results"}, obj{
			"rules": str, "mode": str, "generated": dateTime, "network": str, "parcels": integer, "residents": integer,
			"results": oaArrayOf(object([]string{"id", "units"}, obj{
				"id": str, "title": str, "description": str, "type": str, "measure": str, "source": str,
				"units": oaArrayOf(object([]string{"unit", "level"}, obj{
					"unit": str, "unit_id": integer, "level": str, "value": obj{"type": "number", "nullable": true},
					"threshold": num, "pass": boolean, "failing_parcels": oaArrayOf(integer),
				})),
			})),
		}),
		"WhatIfFigure": object([]string{"value", "pass"}, obj{"value": obj{"type": "number", "nullable": true}, "pass": boolean}),
		"WhatIfUnit": object([]string{"unit", "unit_id", "level", "before", "after"}, obj{
			"unit": str, "unit_id": integer, "level": str, "before": oaRef("WhatIfFigure"), "after": oaRef("WhatIfFigure"), "residents_newly_covered": integer,
		}),
		"WhatIf": object([]string{"mode", "added", "rules"}, obj{
			"mode": str, "elapsed_ms": num, "added": oaRef("FeatureCollection"),
			"rules": oaArrayOf(object([]string{"id", "city", "units_changed"}, obj{
				"id": str, "title": str, "type": str, "measure": str, "residents_newly_covered": integer,
				"parcels_newly_covered": obj{"type": "array", "items": integer, "nullable": true},
				"city":                  oaRef("WhatIfUnit"), "units_changed": obj{"type": "array", "items": oaRef("WhatIfUnit"), "nullable": true},
			})),
		}),
		"Scenario": object([]string{"id", "name", "version", "created", "updated"}, obj{
			"id": integer, "name": str, "author": str, "owner": str, "version": integer, "created": dateTime, "updated": dateTime,
			"committed": dateTime, "committed_by": str, "edits": oaRef("FeatureCollection"),
		}),
		"ScenarioBody": object([]string{"name", "edits"}, obj{"name": str, "edits": oaRef("FeatureCollection")}),
		"ImportSummary": object([]string{"source", "layers"}, obj{
			"format": str, "source": str, "replace": boolean, "objects": integer, "read_seconds": num, "load_seconds": num,
			"layers": obj{"type": "object", "additionalProperties": object(nil, obj{
				"read": integer, "imported": integer, "repaired": integer, "replaced": integer, "deleted": integer,
				"deleted_ids": oaArrayOf(integer), "skipped": obj{"type": "object", "additionalProperties": integer},
			})},
			"classes": obj{"type": "object", "additionalProperties": obj{"type": "object"}},
		}),
		"TileJSON": object([]string{"tilejson", "tiles"}, obj{
			"tilejson": str, "name": str, "tiles": oaArrayOf(str), "version": str,
			"vector_layers": oaArrayOf(object([]string{"id", "fields"}, obj{"id": str, "description": str, "fields": obj{"type": "object", "additionalProperties": str}, "minzoom": integer, "maxzoom": integer})),
			"bounds":        obj{"type": "array", "items": num, "minItems": 4, "maxItems": 4}, "center": obj{"type": "array", "items": num, "minItems": 3, "maxItems": 3},
			"minzoom": integer, "maxzoom": integer,
		}),
		"Health":  object([]string{"status"}, obj{"status": str}),
		"Ready":   object([]string{"status", "store", "features"}, obj{"status": str, "store": str, "features": integer}),
		"Loading": obj{"allOf": []obj{oaRef("Problem"), object(nil, oaLoadingProps())}},
	}
}

// oaLoadingProps: what /readyz's 503 adds to a problem while the index loads.
func oaLoadingProps() obj {
	return obj{
		"layer":  obj{"type": "string", "description": "the layer being read"},
		"loaded": obj{"type": "integer", "description": "features read so far (while loading)"},
		"total":  obj{"type": "integer", "description": "features in the store when the load began (0 before it knows)"},
	}
}

// oaReadyResponses: /readyz's answers, its 503 while the index loads with
// the load's progress (the other routes' 503 then is a plain Problem).
func oaReadyResponses() obj {
	rs := oaOkJSON("ready", "Ready")
	rs["503"] = obj{"description": "loading (title Loading, Retry-After), or the store does not answer", "content": oaContent("application/problem+json", oaRef("Loading"))}
	return rs
}
