package features

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/cql2"
)

// Filtering (OGC API – Features Part 3): filter holds a CQL2 expression in
// filter-lang (cql2-text, the default, or cql2-json) over the layer's
// queryables, its geometries in filter-crs; sortby orders the matches and
// properties picks the attributes answered.

// MediaSchema is the media type of a queryables document.
const MediaSchema = "application/schema+json"

// The filter languages.
const (
	LangText = "cql2-text"
	LangJSON = "cql2-json"
)

// parseFilter reads filter, filter-lang and filter-crs into a filter on
// the layer's queryables, its geometry literals in CRS84.
func parseFilter(src, lang, fcrs string, sc *geo.Schema) (*cql2.Filter, *web.Error) {
	if lang != "" && lang != LangText && lang != LangJSON {
		return nil, web.BadRequest("filter-lang=%q: not a filter language served (%s, %s)", lang, LangText, LangJSON)
	}
	_, code, we := parseCRS("filter-crs", fcrs)
	if we != nil || src == "" {
		return nil, we
	}
	var e *cql2.Expr
	var err error
	if lang == LangJSON {
		e, err = cql2.ParseJSON(src, cql2.Defaults())
	} else {
		e, err = cql2.ParseText(src, cql2.Defaults())
	}
	if err != nil {
		return nil, web.BadRequest("filter (%s): %v", cmp.Or(lang, LangText), err)
	}
	if code != 0 {
		p, we := projector(code)
		if we != nil {
			return nil, we
		}
		err := e.MapGeometries(p.InverseGeometry)
		p.Close()
		if err != nil {
			return nil, web.BadRequest("filter in EPSG:%d: %v", code, err)
		}
	}
	f, err := cql2.Compile(e, cql2.QueryablesOf(sc))
	if err != nil {
		return nil, web.BadRequest("filter: %v", err)
	}
	return f, nil
}

// sortKey orders by one queryable, descending when desc.
type sortKey struct {
	name string
	desc bool
}

// parseSortBy reads sortby: queryables separated by commas, each with an
// optional + (ascending, the default) or - (descending).
func parseSortBy(v string, sc *geo.Schema) ([]sortKey, *web.Error) {
	if v == "" {
		return nil, nil
	}
	var keys []sortKey
	for _, part := range strings.Split(v, ",") {
		k := sortKey{name: strings.TrimSpace(part)}
		if n, ok := strings.CutPrefix(k.name, "-"); ok {
			k.name, k.desc = n, true
		} else {
			k.name = strings.TrimPrefix(k.name, "+")
		}
		if _, ok := sc.Field(k.name); !ok && k.name != "id" && k.name != cql2.UpdatedName {
			return nil, web.BadRequest("sortby=%q: %q is not a sortable property of %s (id, updated or one of its attributes)", v, k.name, sc.ID)
		}
		keys = append(keys, k)
		if len(keys) > 8 {
			return nil, web.BadRequest("sortby=%q: more than 8 keys", v)
		}
	}
	return keys, nil
}

// sortValue compares a and b by key: missing values last (as NULLS LAST
// ascending), then numbers, strings, booleans and times in their order.
func sortValue(a, b *geo.Feature, key string) int {
	switch key {
	case "id":
		return cmp.Compare(a.ID, b.ID)
	case cql2.UpdatedName:
		return a.Updated.Compare(b.Updated)
	}
	x, y := a.Value(key), b.Value(key)
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return 1
	case y == nil:
		return -1
	}
	switch u := x.(type) {
	case string:
		return strings.Compare(u, y.(string))
	case int64:
		return cmp.Compare(u, y.(int64))
	case float64:
		return cmp.Compare(u, y.(float64))
	case bool:
		v := y.(bool)
		if u == v {
			return 0
		} else if !u {
			return -1
		}
		return 1
	case time.Time:
		return u.Compare(y.(time.Time))
	}
	return 0
}

// sortFeatures orders fs by the keys, then by id.
func sortFeatures(fs []*geo.Feature, keys []sortKey) {
	slices.SortStableFunc(fs, func(a, b *geo.Feature) int {
		for _, k := range keys {
			c := sortValue(a, b, k.name)
			if k.desc {
				// Descending: missing values still last.
				if a.Value(k.name) != nil && b.Value(k.name) != nil || k.name == "id" || k.name == cql2.UpdatedName {
					c = -c
				}
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// parseProperties reads properties: the attributes to answer, comma
// separated; nil means all.
func parseProperties(v string, sc *geo.Schema) ([]string, *web.Error) {
	if v == "" {
		return nil, nil
	}
	var names []string
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if _, ok := sc.Field(n); !ok {
			return nil, web.BadRequest("properties=%q: %s has no attribute %q", v, sc.ID, n)
		}
		names = append(names, n)
	}
	return names, nil
}

// Queryables: GET /collections/{id}/queryables — the JSON Schema of what a
// filter may name.
func (s *Service) Queryables(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	sc, _, e := s.collection(w, r)
	if e != nil {
		return e
	}
	props := map[string]any{}
	for _, q := range cql2.QueryablesOf(sc) {
		var p map[string]any
		switch q.Type {
		case cql2.Geom:
			kind := map[geo.GeomKind]string{geo.MultiPolygon: "multipolygon", geo.MultiLineString: "multilinestring", geo.Point: "point"}[q.Geom]
			p = map[string]any{"format": "geometry-" + kind}
		case cql2.Timestamp:
			p = map[string]any{"type": "string", "format": "date-time"}
		default:
			p = map[string]any{"type": string(q.Type)}
		}
		p["title"] = q.Title
		props[q.Name] = p
	}
	base := web.BaseURL(r)
	return web.WriteJSONAs(w, MediaSchema, map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  base + "/collections/" + sc.ID + "/queryables",
		"type":                 "object",
		"title":                sc.Title,
		"properties":           props,
		"additionalProperties": false,
	})
}
