package api

import (
	"errors"
	"net/http"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/paulmach/orb/geojson"
)

// handleSuggest: GET /api/suggest?rule=park-500m-walk[&size_m2=5000][&count=3][&candidates=150][&mode=]
// — where new parks (or collection points) would newly cover the most
// residents, ranked by a greedy maximal covering; each site's gain counts
// only residents no better-ranked site already covers.
func (s *Server) handleSuggest(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "rule", "size_m2", "count", "candidates", "mode"); e != nil {
		return e
	}
	rule := q.Get("rule")
	if rule == "" {
		rule = "park-500m-walk"
	}
	size, e := floatParam(q, "size_m2", 5000, 100, 1e6)
	if e != nil {
		return e
	}
	count, e := intParam(q, "count", 3, 1, 20)
	if e != nil {
		return e
	}
	cands, e := intParam(q, "candidates", 150, 1, 1000)
	if e != nil {
		return e
	}
	mode, e := modeParam(q)
	if e != nil {
		return e
	}
	a, err := s.audit(r, mode)
	if err != nil {
		return errInternal(err)
	}
	sites, err := a.Suggest(r.Context(), rule, size, count, cands)
	if errors.Is(err, coverage.ErrRules) {
		return errBadRequest("%v", err)
	}
	if err != nil {
		return errInternal(err)
	}
	fc := geojson.NewFeatureCollection()
	for i, st := range sites {
		gf := geojson.NewFeature(st.Feature.Geom)
		gf.Properties = geojson.Properties{"rank": i + 1, "rule": rule, "gain_residents": st.Gain, "parcels": len(st.Parcels), "layer": st.Feature.Layer}
		for k, v := range st.Feature.Attrs() {
			gf.Properties[k] = v
		}
		fc.Append(gf)
	}
	return writeGeoJSON(w, fc)
}
