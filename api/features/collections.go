package features

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
)

// CollectionJSON describes one layer as an OGC collection.
type CollectionJSON struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent,omitempty"`
	Links       []Link         `json:"links"`
}

func collectionOf(base string, sc *geo.Schema, l *index.Layer) CollectionJSON {
	fields := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		fields[i] = f.Name
	}
	c := CollectionJSON{
		ID: sc.ID, Title: sc.Title, ItemType: "feature", CRS: []string{CRS84},
		Description: sc.Title + " (" + strings.ToLower(string(sc.Geom)) + "; attributes: " + strings.Join(fields, ", ") + ")",
		Links: []Link{
			{base + "/collections/" + sc.ID, "self", web.MediaJSON, sc.Title},
			{base + "/collections/" + sc.ID + "/items", "items", web.MediaGeoJSON, sc.Title + " as GeoJSON"},
			{base + "/tiles/" + sc.ID + ".json", "describedby", web.MediaJSON, "vector tiles (TileJSON)"},
			{base + "/collections/" + sc.ID + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", web.MediaJSON, "vector tiles (OGC API – Tiles)"},
		},
	}
	if b, ok := l.Bound(); ok {
		c.Extent = map[string]any{"spatial": map[string]any{"bbox": [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": CRS84}}
	}
	return c
}

// Collections: GET /collections, the layers the caller may read.
func (s *Service) Collections(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	base := web.BaseURL(r)
	snap := s.Index.Snapshot()
	cs := make([]CollectionJSON, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		if web.CallerOf(r).Allowed(s.LayerRole(sc.ID)) {
			cs = append(cs, collectionOf(base, sc, snap.Layer(sc.ID)))
		}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"links":       []Link{{base + "/collections", "self", web.MediaJSON, "the layers"}},
		"collections": cs,
	})
}

// Collection: GET /collections/{id}.
func (s *Service) Collection(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	return web.WriteJSON(w, http.StatusOK, collectionOf(web.BaseURL(r), sc, l))
}

// collection resolves {id} to a layer the caller may read.
func (s *Service) collection(w http.ResponseWriter, r *http.Request) (*geo.Schema, *index.Layer, *web.Error) {
	id := mux.Vars(r)["id"]
	sc := geo.SchemaOf(id)
	if sc == nil {
		return nil, nil, web.NotFound("no collection %q (collections: %s)", id, strings.Join(web.LayerIDs(), ", "))
	}
	if e := web.CallerOf(r).Need(w, s.LayerRole(id), "layer "+id); e != nil {
		return nil, nil, e
	}
	return sc, s.Index.Snapshot().Layer(id), nil
}
