package api

import (
	"math"
	"net/http"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles"
)

// coverageSchema is its fields.
var coverageSchema = &geo.Schema{ID: coverageLayer, Title: "Parcels by walking distance to the nearest qualifying green space", Fields: []geo.Field{
	{Name: "name", Type: geo.Text},
	{Name: "population", Type: geo.Int},
	{Name: "distance_m", Type: geo.Real}, // absent: no qualifying green reachable within the rule's distance
	{Name: "meters", Type: geo.Real},     // the rule's distance
	{Name: "covered", Type: geo.Bool},
	{Name: "rule", Type: geo.Text},
}}

// cutCoverageTile cuts a coverage tile from the walk-mode audit of the
// current snapshot: the first walk_access rule on green gives each parcel
// its distance. The tile goes with any edit to parcels, roads or green.
func (s *Server) cutCoverageTile(r *http.Request, base, snap *index.Snapshot, key tiles.Key) (*tiles.Entry, error) {
	a, err := s.auditOf(r, snap, coverage.Walk)
	if err != nil {
		return nil, err
	}
	var res *coverage.Result
	for _, x := range a.Results {
		if x.Rule.Type == coverage.WalkAccess && x.Rule.Target.Layer == geo.Green {
			res = x
			break
		}
	}
	props := func(f *geo.Feature) map[string]any {
		p := map[string]any{"name": f.Props["name"], "population": f.Props["population"]}
		if res == nil {
			return p
		}
		p["rule"], p["meters"] = res.Rule.ID, res.Rule.Meters
		d, ok := res.Distance[f.ID]
		if ok && !math.IsInf(d, 1) {
			p["distance_m"] = math.Round(d*10) / 10
		}
		p["covered"] = ok && d <= res.Rule.Meters
		return p
	}
	views := []tiles.View{{Name: coverageLayer, From: geo.Parcels, Schema: coverageSchema, Props: props}}
	return s.cut(base, snap, key, views, []string{geo.Parcels, geo.Roads, geo.Green}, true)
}
