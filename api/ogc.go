package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
)

// OGC API – Features, Part 1 Core (OGC 17-069r4), with GeoJSON and an
// OpenAPI 3.0 definition: the routes QGIS and GDAL's OAPIF driver read.
// Collections are the layers; items are served from the in-memory index
// in id order, so paging is stable while the data is unchanged.

const (
	ogcLimitDefault = 100
	ogcLimitMax     = 10000
	mediaGeoJSON    = "application/geo+json"
	mediaJSON       = "application/json"
	mediaOpenAPI    = "application/vnd.oai.openapi+json;version=3.0"
)

var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// routesOGC mounts OGC API – Features; "/" itself is handleLanding's.
func (s *Server) routesOGC(r *mux.Router) {
	r.Handle("/conformance", s.wrap(s.handleConformance)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/collections", s.wrap(s.handleCollections)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/collections/{id}", s.wrap(s.handleCollection)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/collections/{id}/items", s.wrap(s.handleItems)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/collections/{id}/items/{fid}", s.wrap(s.handleItem)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api", s.wrap(s.handleOpenAPI)).Methods(http.MethodGet, http.MethodHead)
}

// jsonOnly rejects ?f= other than json (HTML is the map at /, not these
// pages) and any parameter not in known.
func jsonOnly(r *http.Request, known ...string) *appError {
	q := queryOf(r)
	if f := q.Get("f"); f != "" && f != "json" {
		return &appError{Status: http.StatusNotAcceptable, Title: "Not acceptable", Detail: "f=" + f + ": this resource is served as JSON only (f=json)"}
	}
	return onlyParams(q, append(known, "f")...)
}

// handleOGCLanding: GET / for JSON clients.
func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	base := baseURL(r)
	return writeJSON(w, http.StatusOK, map[string]any{
		"title":       "greenreach",
		"description": "Parks, green belts, residential parcels, roads, waste points and administrative areas, with coverage rules (OGC API – Features)",
		"links": []link{
			{base + "/?f=json", "self", mediaJSON, "this document"},
			{base + "/?f=html", "alternate", "text/html", "the public map"},
			{base + "/api", "service-desc", mediaOpenAPI, "the API definition"},
			{base + "/conformance", "conformance", mediaJSON, "OGC API conformance classes implemented"},
			{base + "/collections", "data", mediaJSON, "the layers"},
		},
	})
}

// handleConformance: GET /conformance.
func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	return writeJSON(w, http.StatusOK, map[string]any{"conformsTo": conformance})
}

// collectionJSON describes one layer as an OGC collection.
type collectionJSON struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent,omitempty"`
	Links       []link         `json:"links"`
}

func collectionOf(base string, sc *geo.Schema, l *index.Layer) collectionJSON {
	fields := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		fields[i] = f.Name
	}
	c := collectionJSON{
		ID: sc.ID, Title: sc.Title, ItemType: "feature", CRS: []string{crs84},
		Description: sc.Title + " (" + strings.ToLower(string(sc.Geom)) + "; attributes: " + strings.Join(fields, ", ") + ")",
		Links: []link{
			{base + "/collections/" + sc.ID, "self", mediaJSON, sc.Title},
			{base + "/collections/" + sc.ID + "/items", "items", mediaGeoJSON, sc.Title + " as GeoJSON"},
			{base + "/tiles/" + sc.ID + ".json", "describedby", mediaJSON, "vector tiles (TileJSON)"},
		},
	}
	if b, ok := l.Bound(); ok {
		c.Extent = map[string]any{"spatial": map[string]any{"bbox": [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": crs84}}
	}
	return c
}

// handleCollections: GET /collections.
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	base := baseURL(r)
	snap := s.index.Snapshot()
	cs := make([]collectionJSON, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		if readable(r, sc.ID) {
			cs = append(cs, collectionOf(base, sc, snap.Layer(sc.ID)))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"links":       []link{{base + "/collections", "self", mediaJSON, "the layers"}},
		"collections": cs,
	})
}

// handleCollection: GET /collections/{id}.
func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	return writeJSON(w, http.StatusOK, collectionOf(baseURL(r), sc, l))
}

// collection resolves {id} to a layer the caller may read.
func (s *Server) collection(w http.ResponseWriter, r *http.Request) (*geo.Schema, *index.Layer, *appError) {
	id := mux.Vars(r)["id"]
	sc := geo.SchemaOf(id)
	if sc == nil {
		return nil, nil, errNotFound("no collection %q (collections: %s)", id, strings.Join(layerIDs(), ", "))
	}
	if e := needLayers(w, r, id); e != nil {
		return nil, nil, e
	}
	return sc, s.index.Snapshot().Layer(id), nil
}
