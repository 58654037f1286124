package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// itemFilter is what /collections/{id}/items selects: features meeting
// any of the boxes (two when the bbox crosses the antimeridian), every
// property filter and the datetime interval.
type itemFilter struct {
	boxes    []orb.Bound
	props    []propFilter
	from, to *time.Time // on the feature's last update; nil: open
}

type propFilter struct {
	field geo.Field
	text  string
	num   float64
	flag  bool
}

func (p propFilter) match(f *geo.Feature) bool {
	v, ok := f.Props[p.field.Name]
	if !ok || v == nil {
		return false
	}
	switch p.field.Type {
	case geo.Int, geo.Real:
		return f.Float(p.field.Name) == p.num
	case geo.Bool:
		return f.Bool(p.field.Name) == p.flag
	}
	return f.String(p.field.Name) == p.text
}

func (fl *itemFilter) match(f *geo.Feature) bool {
	if fl.boxes != nil {
		hit := false
		for _, b := range fl.boxes {
			hit = hit || geo.IntersectsBound(f.Geom, b)
		}
		if !hit {
			return false
		}
	}
	for _, p := range fl.props {
		if !p.match(f) {
			return false
		}
	}
	if fl.from != nil && f.Updated.Before(*fl.from) {
		return false
	}
	if fl.to != nil && f.Updated.After(*fl.to) {
		return false
	}
	return true
}

// parseItemQuery reads limit, offset, bbox, bbox-crs, datetime and the
// property filters (one per attribute of the layer, equality).
func parseItemQuery(q url.Values, sc *geo.Schema) (fl itemFilter, limit, offset int, e *appError) {
	known := []string{"f", "limit", "offset", "bbox", "bbox-crs", "datetime"}
	for _, f := range sc.Fields {
		known = append(known, f.Name)
	}
	if e = onlyParams(q, known...); e != nil {
		return
	}
	for _, k := range known {
		if n := len(q[k]); n > 1 {
			e = errBadRequest("%s is given %d times; give each parameter once", k, n)
			return
		}
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		e = &appError{Status: http.StatusNotAcceptable, Title: "Not acceptable", Detail: "f=" + f + ": items are served as GeoJSON only (f=json)"}
		return
	}
	if limit, e = intParam(q, "limit", ogcLimitDefault, 1, ogcLimitMax); e != nil {
		return
	}
	if offset, e = intParam(q, "offset", 0, 0, 1<<31-1); e != nil {
		return
	}
	if c := q.Get("bbox-crs"); c != "" && c != crs84 {
		e = errBadRequest("bbox-crs=%q: only %s (longitude, latitude) is supported", c, crs84)
		return
	}
	if v := q.Get("bbox"); v != "" {
		if fl.boxes, e = parseBBox(v); e != nil {
			return
		}
	}
	if v := q.Get("datetime"); v != "" {
		if fl.from, fl.to, e = parseDatetime(v); e != nil {
			return
		}
	}
	for _, f := range sc.Fields {
		v, ok := q[f.Name]
		if !ok {
			continue
		}
		p := propFilter{field: f, text: v[0]}
		var err error
		switch f.Type {
		case geo.Int, geo.Real:
			p.num, err = strconv.ParseFloat(v[0], 64)
		case geo.Bool:
			p.flag, err = strconv.ParseBool(v[0])
		}
		if err != nil {
			e = errBadRequest("%s=%q: %s is %s", f.Name, v[0], f.Name, f.Type)
			return
		}
		fl.props = append(fl.props, p)
	}
	return
}

// parseBBox reads minLon,minLat,maxLon,maxLat (or the six-number form with
// heights, which are ignored). A box with minLon > maxLon crosses the
// antimeridian and becomes two.
func parseBBox(v string) ([]orb.Bound, *appError) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, errBadRequest("bbox=%q: want minLon,minLat,maxLon,maxLat", v)
	}
	n := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f != f || f > 1e300 || f < -1e300 {
			return nil, errBadRequest("bbox=%q: %q is not a number", v, p)
		}
		n[i] = f
	}
	if len(n) == 6 {
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	for i, c := range n {
		lim := 180.0
		if i%2 == 1 {
			lim = 90
		}
		if c < -lim || c > lim {
			return nil, errBadRequest("bbox=%q: %g is outside ±%g (bbox is in longitude, latitude degrees)", v, c, lim)
		}
	}
	if n[1] > n[3] {
		return nil, errBadRequest("bbox=%q: its south edge %g is north of its north edge %g", v, n[1], n[3])
	}
	if n[0] > n[2] {
		return []orb.Bound{
			{Min: orb.Point{n[0], n[1]}, Max: orb.Point{180, n[3]}},
			{Min: orb.Point{-180, n[1]}, Max: orb.Point{n[2], n[3]}},
		}, nil
	}
	return []orb.Bound{{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}}, nil
}

// parseDatetime reads an RFC 3339 instant or interval (start/end, either
// open as ".." or empty).
func parseDatetime(v string) (from, to *time.Time, e *appError) {
	one := func(s string) (*time.Time, *appError) {
		if s == "" || s == ".." {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, errBadRequest("datetime=%q: %q is not an RFC 3339 date-time", v, s)
		}
		return &t, nil
	}
	a, b, interval := strings.Cut(v, "/")
	if !interval {
		if a == ".." || a == "" {
			return nil, nil, errBadRequest("datetime=%q: an instant cannot be open", v)
		}
		t, e := one(a)
		return t, t, e
	}
	if from, e = one(a); e != nil {
		return
	}
	if to, e = one(b); e != nil {
		return
	}
	if from != nil && to != nil && to.Before(*from) {
		e = errBadRequest("datetime=%q: the interval ends before it starts", v)
	}
	return
}

// handleItems: GET /collections/{id}/items — GeoJSON, in id order, with
// numberMatched, numberReturned and next/prev links.
func (s *Server) handleItems(w http.ResponseWriter, r *http.Request) *appError {
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	q := queryOf(r)
	fl, limit, offset, e := parseItemQuery(q, sc)
	if e != nil {
		return e
	}
	base := baseURL(r)
	etag := fmt.Sprintf(`W/"%s"`, shortHash(sc.ID, strconv.FormatInt(l.Version, 10), base, r.URL.RawQuery))
	w.Header().Set("ETag", etag)
	if notModified(w, r, etag) {
		return nil
	}
	release, e := s.reads.acquire(r.Context())
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
	links := []link{
		{pageURL(offset), "self", mediaGeoJSON, "this page"},
		{base + "/collections/" + sc.ID, "collection", mediaJSON, sc.Title},
	}
	if offset+len(page) < matched {
		links = append(links, link{pageURL(offset + limit), "next", mediaGeoJSON, "next page"})
	}
	if offset > 0 {
		links = append(links, link{pageURL(max(0, offset-limit)), "prev", mediaGeoJSON, "previous page"})
	}
	return writeFeatures(w, len(page), func(i int) *geojson.Feature { return featureJSON(sc.ID, page[i]) }, geojson.Properties{
		"numberMatched":  matched,
		"numberReturned": len(page),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
	})
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

// handleItem: GET /collections/{id}/items/{fid}.
func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) *appError {
	if e := jsonOnly(r); e != nil {
		return e
	}
	sc, l, e := s.collection(w, r)
	if e != nil {
		return e
	}
	v := mux.Vars(r)["fid"]
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return errNotFound("no feature %q in %s: feature ids are whole numbers", v, sc.ID)
	}
	f, ok := l.Get(id)
	if !ok {
		return errNotFound("no feature %d in %s", id, sc.ID)
	}
	etag := fmt.Sprintf(`"%s-%d-v%d"`, sc.ID, f.ID, f.Version)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", f.Updated.UTC().Format(http.TimeFormat))
	if notModified(w, r, etag) {
		return nil
	}
	base := baseURL(r)
	gf := featureJSON(sc.ID, f)
	gf.ExtraMembers = geojson.Properties{"links": []link{
		{fmt.Sprintf("%s/collections/%s/items/%d", base, sc.ID, f.ID), "self", mediaGeoJSON, ""},
		{base + "/collections/" + sc.ID, "collection", mediaJSON, sc.Title},
	}}
	return writeGeoJSON(w, gf)
}

// notModified answers 304 when If-None-Match names etag (weakly).
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	m := r.Header.Get("If-None-Match")
	if m == "" {
		return false
	}
	bare := strings.TrimPrefix(etag, "W/")
	for _, c := range strings.Split(m, ",") {
		c = strings.TrimPrefix(strings.TrimSpace(c), "W/")
		if c == "*" || c == bare {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
