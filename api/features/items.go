package features

import (
	"cmp"
	"context"
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
	fl, out, limit, offset, e := parseItemQuery(q, sc)
	if e != nil {
		return e
	}
	w.Header().Set("Content-Crs", contentCRS(out.crs))
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
	page, matched, err := selectItems(r.Context(), l, &fl, out.sort, offset, limit)
	if err != nil {
		return web.Unavailable("the filter did not finish in time", err)
	}
	feats, e := answerFeatures(r.Context(), sc.ID, page, out)
	if e != nil {
		return e
	}
	self := base + "/collections/" + sc.ID + "/items"
	pageURL := func(off int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs[:1] // repeats are equal (parseItemQuery)
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
	return web.WriteFeatures(w, len(page), feats, geojson.Properties{
		"numberMatched":  matched,
		"numberReturned": len(page),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
	})
}

// Item: GET /collections/{id}/items/{fid}.
func (s *Service) Item(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.JSONOnly(r, "crs"); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	out := itemOutput{}
	if out.crs, out.crsCode, e = parseCRS("crs", web.Query(r).Get("crs")); e != nil {
		return e
	}
	w.Header().Set("Content-Crs", contentCRS(out.crs))
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
	if out.crsCode != 0 {
		etag = fmt.Sprintf(`"%s-%d-v%d-epsg%d"`, sc.ID, f.ID, f.Version, out.crsCode)
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", f.Updated.UTC().Format(http.TimeFormat))
	if web.NotModified(w, r, etag) {
		return nil
	}
	base := web.BaseURL(r)
	feats, e := answerFeatures(r.Context(), sc.ID, []*geo.Feature{f}, out)
	if e != nil {
		return e
	}
	gf := feats(0)
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
// features in id order (or sorted by the keys), and how many match in
// all. A filter can be slow: the context is checked as it goes.
func selectItems(ctx context.Context, l *index.Layer, fl *itemFilter, keys []sortKey, offset, limit int) ([]*geo.Feature, int, error) {
	var page []*geo.Feature
	var err error
	n := 0
	alive := func() bool {
		n++
		if n%64 == 0 && ctx.Err() != nil {
			err = ctx.Err()
			return false
		}
		return true
	}
	if fl.boxes == nil && keys == nil {
		matched := 0
		l.Scan(func(f *geo.Feature) bool {
			if fl.match(f) {
				if matched >= offset && matched < offset+limit {
					page = append(page, f)
				}
				matched++
			}
			return alive()
		})
		return page, matched, err
	}
	var all []*geo.Feature
	if fl.boxes == nil {
		l.Scan(func(f *geo.Feature) bool {
			if fl.match(f) {
				all = append(all, f)
			}
			return alive()
		})
	}
	seen := map[int64]bool{}
	for _, b := range fl.boxes {
		l.Search(b, func(f *geo.Feature) bool {
			if !seen[f.ID] && fl.match(f) {
				seen[f.ID] = true
				all = append(all, f)
			}
			return alive()
		})
	}
	if err != nil {
		return nil, 0, err
	}
	if keys == nil {
		slices.SortFunc(all, func(a, b *geo.Feature) int { return cmp.Compare(a.ID, b.ID) })
	} else {
		sortFeatures(all, keys)
	}
	if offset < len(all) {
		page = all[offset:min(len(all), offset+limit)]
	}
	return page, len(all), nil
}

// answerFeatures makes the GeoJSON of the page: coordinates in the asked
// system (converted before anything is written, so that a feature PROJ
// cannot convert is an error rather than a cut answer), attributes limited
// to those asked.
func answerFeatures(ctx context.Context, layer string, page []*geo.Feature, out itemOutput) (func(i int) *geojson.Feature, *web.Error) {
	keep := func(gf *geojson.Feature) *geojson.Feature {
		if out.props != nil {
			for k := range gf.Properties {
				if k != "layer" && !slices.Contains(out.props, k) {
					delete(gf.Properties, k)
				}
			}
		}
		return gf
	}
	if out.crsCode == 0 {
		return func(i int) *geojson.Feature { return keep(web.FeatureJSON(layer, page[i])) }, nil
	}
	p, e := projector(out.crsCode)
	if e != nil {
		return nil, e
	}
	defer p.Close()
	gfs := make([]*geojson.Feature, len(page))
	for i, f := range page {
		if i%64 == 63 && ctx.Err() != nil {
			return nil, web.Unavailable("the coordinates were not converted in time", ctx.Err())
		}
		gf, err := featureIn(layer, f, p)
		if err != nil {
			return nil, web.BadRequest("crs=%s: feature %d cannot be given in it: %v", out.crs, f.ID, err)
		}
		gfs[i] = keep(gf)
	}
	return func(i int) *geojson.Feature { return gfs[i] }, nil
}
