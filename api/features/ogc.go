// Package features serves OGC API – Features, Part 1 Core (OGC 17-069r4),
// with GeoJSON and an OpenAPI 3.0 definition: the routes QGIS and GDAL's
// OAPIF driver read; Part 2, coordinate systems by reference (crs.go); and
// Part 3, queryables and CQL2 filters (cql.go, on geo/cql2). Collections are the layers; items are served from the
// in-memory index in id order, so paging is stable while the data is
// unchanged. The api package mounts the handlers and writes the definition.
package features

import (
	"context"
	"net/http"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/index"
)

// Limits of a page of items, and the media type of the API definition.
const (
	LimitDefault = 100
	LimitMax     = 10000
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// CRS84 is the coordinate system the data is stored in, and served in
// unless crs asks for another (CRSList): longitude, latitude.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	// Part 2: coordinate systems by reference (crs.go).
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	// Part 3 and CQL2: queryables and filters (cql.go, geo/cql2).
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	// OGC API – Tiles (api/ogctiles)
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
	"http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
	"http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
	"http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata",
	"http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata",
}

// Link is a link of a landing page, collection or page of items.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Service answers the OGC API routes from the index's snapshots.
type Service struct {
	// Index gives the current snapshot of the layers.
	Index interface{ Snapshot() *index.Snapshot }
	// Reads waits for a turn among the heavy reads (a page of items can
	// hold a whole layer); the caller releases it when done.
	Reads func(ctx context.Context) (release func(), e *web.Error)
	// LayerRole is the least role that may read a layer.
	LayerRole func(layer string) string
}

// Landing: GET / for JSON clients. A crs is checked, not used (see
// Collection).
func (s *Service) Landing(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r, "crs"); e != nil {
		return e
	}
	if _, _, e := parseCRS("crs", web.Query(r).Get("crs")); e != nil {
		return e
	}
	base := web.BaseURL(r)
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"title":       "greenreach",
		"description": "Parks, green belts, residential parcels, roads, waste points and administrative areas, with coverage rules (OGC API – Features)",
		"links": []Link{
			{base + "/?f=json", "self", web.MediaJSON, "this document"},
			{base + "/?f=html", "alternate", "text/html", "the public map"},
			{base + "/api", "service-desc", MediaOpenAPI, "the API definition"},
			{base + "/conformance", "conformance", web.MediaJSON, "OGC API conformance classes implemented"},
			{base + "/collections", "data", web.MediaJSON, "the layers"},
			{base + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", web.MediaJSON, "vector tiles of the public layers (OGC API – Tiles)"},
			{base + "/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", web.MediaJSON, "tile matrix sets"},
		},
	})
}

// ConformanceDoc: GET /conformance.
func (s *Service) ConformanceDoc(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"conformsTo": conformance})
}
