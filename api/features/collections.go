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
	StorageCRS  string         `json:"storageCrs"`
	Extent      map[string]any `json:"extent,omitempty"`
	Links       []Link         `json:"links"`
}

func collectionOf(base string, sc *geo.Schema, l *index.Layer) CollectionJSON {
	fields := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		fields[i] = f.Name
	}
	c := CollectionJSON{
		ID: sc.ID, Title: sc.Title, ItemType: "feature", CRS: CRSList(), StorageCRS: CRS84,
		Description: sc.Title + " (" + strings.ToLower(string(sc.Geom)) + "; attributes: " + strings.Join(fields, ", ") + ")",
		Links: []Link{
			{base + "/collections/" + sc.ID, "self", web.MediaJSON, sc.Title},
			{base + "/collections/" + sc.ID + "/items", "items", web.MediaGeoJSON, sc.Title + " as GeoJSON"},
			{base + "/tiles/" + sc.ID + ".json", "describedby", web.MediaJSON, "vector tiles (TileJSON)"},
			{base + "/collections/" + sc.ID + "/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", MediaSchema, "what a filter may name"},
			// Untyped (a link's type is optional): GDAL 3.6's OGCAPI driver
			// takes a tilesets link only when its type is application/json,
			// and then reads nothing, its vector-tile code being left out of
			// its CMake builds until 3.7.1; without one its default opens the
			// items. GDAL 3.7.2 and later follow an untyped link to the tiles.
			{base + "/collections/" + sc.ID + "/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "", "vector tiles (OGC API – Tiles)"},
		},
	}
	if b, ok := l.Bound(); ok {
		c.Extent = map[string]any{"spatial": map[string]any{"bbox": [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": CRS84}}
	}
	return c
}

// Collections: GET /collections, the layers the caller may read, titled
// in the reader's language (lang, else Accept-Language, else Chinese).
func (s *Service) Collections(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r, "lang"); e != nil {
		return e
	}
	lang, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	base := web.BaseURL(r)
	snap := s.Index.Snapshot()
	cs := make([]CollectionJSON, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		if web.CallerOf(r).Allowed(s.LayerRole(sc.ID)) {
			c := collectionOf(base, sc, snap.Layer(sc.ID))
			inLang(&c, sc, lang)
			cs = append(cs, c)
		}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"links":       []Link{{base + "/collections", "self", web.MediaJSON, "the layers"}},
		"collections": cs,
	})
}

// Collection: GET /collections/{id}, titled as in Collections. A crs is checked, not used: clients
// that open a collection by URL (GDAL's OAPIF driver before 3.7) send the
// URL's query with every request, the items' crs among it.
func (s *Service) Collection(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r, "crs", "lang"); e != nil {
		return e
	}
	if _, _, e := parseCRS("crs", web.Query(r).Get("crs")); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	lang, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	c := collectionOf(web.BaseURL(r), sc, l)
	inLang(&c, sc, lang)
	return web.WriteJSON(w, http.StatusOK, c)
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
