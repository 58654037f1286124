package features

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb/geojson"
)

// Items: GET /collections/{id}/items — GeoJSON, in id order, with
// numberMatched, numberReturned and next/prev links.
func (s *Service) Items(w http.ResponseWriter, r *http.Request) *web.Error {
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	q := web.Query(r)
	fl, limit, offset, e := parseItemQuery(q, sc)
	if e != nil {
		return e
	}
	base := web.BaseURL(r)
	etag := fmt.Sprintf(`W/"%s"`, shortHash(sc.ID, strconv.FormatInt(l.Version, 10), base, r.URL.RawQuery))
	w.Header().Set("ETag", etag)
	if web.NotModified(w, r, etag) {
		return nil
	}
	release, e := s.Reads(r.Context())
	if e != nil {
		return e
	}
	defer release()
	page, matched := selectItems(l, &fl, offset, limit)
	self := base + "/collections/" + sc.ID + "/items"
	pageURL := func(off int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("limit", strconv.Itoa(limit))
		v.Set("offset", strconv.Itoa(off))
		return self + "?" + v.Encode()
	}
	links := []Link{
		{pageURL(offset), "self", web.MediaGeoJSON, "this page"},
		{base + "/collections/" + sc.ID, "collection", web.MediaJSON, sc.Title},
	}
	if offset+len(page) < matched {
		links = append(links, Link{pageURL(offset + limit), "next", web.MediaGeoJSON, "next page"})
	}
	if offset > 0 {
		links = append(links, Link{pageURL(max(0, offset-limit)), "prev", web.MediaGeoJSON, "previous page"})
	}
	return web.WriteFeatures(w, len(page), func(i int) *geojson.Feature { return web.FeatureJSON(sc.ID, page[i]) }, geojson.Properties{
		"numberMatched":  matched,
		"numberReturned": len(page),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
	})
}

// Item: GET /collections/{id}/items/{fid}.
func (s *Service) Item(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	v := mux.Vars(r)["fid"]
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return web.NotFound("no feature %q in %s: feature ids are whole numbers", v, sc.ID)
	}
	f, ok := l.Get(id)
	if !ok {
		return web.NotFound("no feature %d in %s", id, sc.ID)
	}
	etag := fmt.Sprintf(`"%s-%d-v%d"`, sc.ID, f.ID, f.Version)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", f.Updated.UTC().Format(http.TimeFormat))
	if web.NotModified(w, r, etag) {
		return nil
	}
	base := web.BaseURL(r)
	gf := web.FeatureJSON(sc.ID, f)
	gf.ExtraMembers = geojson.Properties{"links": []Link{
		{fmt.Sprintf("%s/collections/%s/items/%d", base, sc.ID, f.ID), "self", web.MediaGeoJSON, ""},
		{base + "/collections/" + sc.ID, "collection", web.MediaJSON, sc.Title},
	}}
	return web.WriteGeoJSON(w, gf)
}

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// selectItems returns the page [offset, offset+limit) of the matching
// features in id order, and how many match in all.
func selectItems(l *index.Layer, fl *itemFilter, offset, limit int) ([]*geo.Feature, int) {
	var page []*geo.Feature
	if fl.boxes == nil {
		matched := 0
		l.Scan(func(f *geo.Feature) bool {
			if fl.match(f) {
				if matched >= offset && matched < offset+limit {
					page = append(page, f)
				}
				matched++
			}
			return true
		})
		return page, matched
	}
	var all []*geo.Feature
	seen := map[int64]bool{}
	for _, b := range fl.boxes {
		l.Search(b, func(f *geo.Feature) bool {
			if !seen[f.ID] && fl.match(f) {
				seen[f.ID] = true
				all = append(all, f)
			}
			return true
		})
	}
	slices.SortFunc(all, func(a, b *geo.Feature) int { return int(a.ID - b.ID) })
	if offset < len(all) {
		page = all[offset:min(len(all), offset+limit)]
	}
	return page, len(all)
}
