package api

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The spatial queries. Distances are geodesic metres on WGS84, measured
// to the nearest point of each feature (0 inside a polygon).

// handleNearest: GET /api/nearest?lon=&lat=[&layer=green][&k=5][&meters=]
// [&by=line|walk] — the k features nearest to the point, in a straight line
// or by walking the network (then within meters, default and at most
// maxWalk).
func (s *Server) handleNearest(w http.ResponseWriter, r *http.Request) *appError {
	q, snap, p, e := s.pointQuery(r, "lon", "lat", "layer", "k", "meters", "by", "scenario")
	if e != nil {
		return e
	}
	k, e := intParam(q, "k", 5, 1, maxK)
	if e != nil {
		return e
	}
	m, e := floatParam(q, "meters", 0, 0, math.Inf(1))
	if e != nil {
		return e
	}
	l, name, e := s.queryLayer(w, r, snap, q, geo.Green)
	if e != nil {
		return e
	}
	switch q.Get("by") {
	case "", "line":
		return writeHits(w, name, l.Nearest(p, k, m))
	case "walk":
		if sc := geo.SchemaOf(name); sc.Geom == geo.MultiLineString {
			return errBadRequest("by=walk reaches polygons and points; %s holds lines", name)
		}
		if m == 0 || m > maxWalk {
			m = maxWalk
		}
		return s.costly(func(w http.ResponseWriter, r *http.Request) *appError {
			wn, err := s.walks.Walks(r.Context(), snap.Layer(geo.Roads))
			if err != nil {
				return errInternal(err) // past the deadline: 503
			}
			hits, _, err := wn.Nearest(r.Context(), l, name, p, k, m)
			if err != nil {
				return errInternal(err) // past the deadline: 503
			}
			return writeHits(w, name, hits)
		})(w, r)
	}
	return errBadRequest("by=%q: want line or walk", q.Get("by"))
}

// handleWithin: GET /api/within?lon=&lat=&meters=[&layer=green] — every
// feature within the distance, nearest first.
func (s *Server) handleWithin(w http.ResponseWriter, r *http.Request) *appError {
	q, snap, p, e := s.pointQuery(r, "lon", "lat", "layer", "meters", "scenario")
	if e != nil {
		return e
	}
	if q.Get("meters") == "" {
		return errBadRequest("meters is required (0–%d)", maxMeters)
	}
	m, e := floatParam(q, "meters", 0, 0, maxMeters)
	if e != nil {
		return e
	}
	l, name, e := s.queryLayer(w, r, snap, q, geo.Green)
	if e != nil {
		return e
	}
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	return writeHits(w, name, l.Within(p, m))
}

// handleAt: GET /api/at?lon=&lat=[&layer=] — the polygons containing the
// point, of one layer or of every polygon layer, smallest first.
func (s *Server) handleAt(w http.ResponseWriter, r *http.Request) *appError {
	q, snap, p, e := s.pointQuery(r, "lon", "lat", "layer", "scenario")
	if e != nil {
		return e
	}
	layers := []string{}
	if q.Has("layer") {
		_, name, e := s.queryLayer(w, r, snap, q, "")
		if e != nil {
			return e
		}
		layers = append(layers, name)
	} else {
		for _, sc := range geo.Schemas {
			if sc.Geom == geo.MultiPolygon && readable(r, sc.ID) {
				layers = append(layers, sc.ID)
			}
		}
	}
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	type found struct {
		layer string
		f     *geo.Feature
		area  float64
	}
	var out []found
	for _, name := range layers {
		snap.Layer(name).Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
			if geo.Contains(f.Geom, p) {
				out = append(out, found{name, f, f.Float("area_m2")})
			}
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].area != out[j].area {
			return out[i].area < out[j].area
		}
		return out[i].f.ID < out[j].f.ID
	})
	fc := geojson.NewFeatureCollection()
	for _, o := range out {
		fc.Append(featureJSON(o.layer, o.f))
	}
	return writeGeoJSON(w, fc)
}

// handleSearch: GET /api/search?q=[&layer=green][&limit=10] — features
// whose name contains q, case-insensitively: exact names first, then names
// starting with q, then the rest; larger features first within each.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "q", "layer", "limit", "scenario"); e != nil {
		return e
	}
	snap, _, e := s.snapshotFor(r)
	if e != nil {
		return e
	}
	text := strings.ToLower(strings.TrimSpace(q.Get("q")))
	if text == "" {
		return errBadRequest("q is required: the text to find in names")
	}
	if len(text) > 200 {
		return errBadRequest("q is longer than 200 bytes")
	}
	limit, e := intParam(q, "limit", defaultSearch, 1, maxSearch)
	if e != nil {
		return e
	}
	l, name, e := s.queryLayer(w, r, snap, q, geo.Green)
	if e != nil {
		return e
	}
	release, e := s.reads.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	type match struct {
		f    *geo.Feature
		rank int
		size float64
	}
	var ms []match
	l.Scan(func(f *geo.Feature) bool {
		n := strings.ToLower(f.Text("name"))
		if n == "" || !strings.Contains(n, text) {
			return true
		}
		rank := 2
		if n == text {
			rank = 0
		} else if strings.HasPrefix(n, text) {
			rank = 1
		}
		ms = append(ms, match{f, rank, f.Float("area_m2") + f.Float("length_m")})
		return true
	})
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.size != b.size {
			return a.size > b.size
		}
		return a.f.ID < b.f.ID
	})
	fc := geojson.NewFeatureCollection()
	for i, m := range ms {
		if i == limit {
			break
		}
		fc.Append(featureJSON(name, m.f))
	}
	return writeGeoJSON(w, fc)
}

// pointQuery reads the query string of a spatial query (refusing
// parameters not in known), the snapshot it asks about (?scenario=) and its
// point (?lon=&lat=).
func (s *Server) pointQuery(r *http.Request, known ...string) (url.Values, *index.Snapshot, orb.Point, *appError) {
	q := queryOf(r)
	if e := onlyParams(q, known...); e != nil {
		return nil, nil, orb.Point{}, e
	}
	snap, _, e := s.snapshotFor(r)
	if e != nil {
		return nil, nil, orb.Point{}, e
	}
	p, e := lonLat(q)
	return q, snap, p, e
}

// queryLayer resolves ?layer= (default def; "" means required).
func (s *Server) queryLayer(w http.ResponseWriter, r *http.Request, snap *index.Snapshot, q url.Values, def string) (*index.Layer, string, *appError) {
	name := q.Get("layer")
	if name == "" {
		name = def
	}
	if name == "" {
		return nil, "", errBadRequest("layer is required (%s)", strings.Join(layerIDs(), ", "))
	}
	l := snap.Layer(name)
	if l == nil || geo.SchemaOf(name) == nil {
		return nil, "", errNotFound("no layer %q (layers: %s)", name, strings.Join(layerIDs(), ", "))
	}
	if e := needLayers(w, r, name); e != nil {
		return nil, "", e
	}
	return l, name, nil
}
