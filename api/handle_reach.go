package api

import (
	"math"
	"net/http"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb/geojson"
)

// reachBuffer is how far either side of a walked path the reach polygon
// extends (metres): the frontage a walker reaches from the path.
const reachBuffer = 25

// handleReach: GET /api/reach?lon=&lat=&meters=500 — what a walk of that
// length from the point reaches: the walked paths buffered by 25 m as a
// polygon (kind "reach"), the paths themselves (kind "walked") and every
// green space reached, with its walking distance, nearest first.
func (s *Server) handleReach(w http.ResponseWriter, r *http.Request) *appError {
	q, snap, p, e := s.pointQuery(r, "lon", "lat", "meters", "scenario")
	if e != nil {
		return e
	}
	m, e := floatParam(q, "meters", 500, 1, maxWalk)
	if e != nil {
		return e
	}
	wn, err := s.walks.Walks(r.Context(), snap.Layer(geo.Roads))
	if err != nil {
		return errInternal(err) // past the deadline: 503
	}
	fc := geojson.NewFeatureCollection()
	reach, ok, err := wn.Graph.ReachContext(r.Context(), p, m)
	if err != nil {
		return errInternal(err) // past the deadline: 503
	}
	if !ok {
		return writeGeoJSON(w, fc) // no path within reach
	}
	if err := r.Context().Err(); err != nil {
		return errInternal(err) // past the deadline: 503, before GEOS buffers
	}
	poly, err := reach.Polygon(reachBuffer)
	if err != nil {
		return errInternal(err)
	}
	walked := 0.0
	for _, st := range reach.Stretches {
		walked += st.End - st.Start
	}
	pf := geojson.NewFeature(poly)
	pf.Properties = geojson.Properties{"kind": "reach", "meters": m, "access_m": round1(reach.Access), "walked_m": round1(walked), "area_m2": math.Round(geo.Area(poly)), "buffer_m": reachBuffer}
	fc.Append(pf)
	lf := geojson.NewFeature(reach.Lines())
	lf.Properties = geojson.Properties{"kind": "walked"}
	fc.Append(lf)
	for _, h := range wn.Reached(reach, snap.Layer(geo.Green), geo.Green) {
		gf := featureJSON(geo.Green, h.Feature)
		gf.Properties["distance_m"] = round1(h.Distance)
		fc.Append(gf)
	}
	return writeGeoJSON(w, fc)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
