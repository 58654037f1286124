package api

import (
	"context"
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

// coverageAudit returns the walk-mode audit of snap (base: the baseline
// it was taken with) for coverage tiles: the kept one, or one built in a
// turn of the work queue, shared by every tile waiting for it. Tiles are
// public and cheap once the audit is kept, so they do not queue; the audit
// they need does, once, however many tiles ask (503 when the queue is
// full, as for other expensive requests).
func (s *Server) coverageAudit(ctx context.Context, base, snap *index.Snapshot) (*coverage.Audit, *appError) {
	if a, ok := s.audits.Cached(snap, base, coverage.Walk); ok {
		return a, nil
	}
	return s.coverageBuilds.get(ctx, coverageKey{snap, coverage.Walk}, func(ctx context.Context) (*coverage.Audit, error) {
		return s.audits.Audit(ctx, snap, base, coverage.Walk)
	})
}

// cutCoverageTile cuts a coverage tile from the walk-mode audit of snap
// (the baseline base, or a scenario's snapshot on it): the first
// walk_access rule on green gives each parcel its distance. The tile goes
// with any edit to parcels, roads or green.
func (s *Server) cutCoverageTile(r *http.Request, bufs *tileBuf, base, snap *index.Snapshot, key tiles.Key) (*tiles.Entry, *appError) {
	a, e := s.coverageAudit(r.Context(), base, snap)
	if e != nil {
		return nil, e
	}
	var res *coverage.Result
	for _, x := range a.Results {
		if x.Rule.Type == coverage.WalkAccess && x.Rule.Target.Layer == geo.Green {
			res = x
			break
		}
	}
	props := func(f *geo.Feature) map[string]any {
		p := map[string]any{"name": f.Value("name"), "population": f.Value("population")}
		if res == nil {
			return p
		}
		p["rule"], p["meters"] = res.Rule.ID, res.Rule.Meters
		d, ok := res.Distance.Get(f.ID)
		if ok && !math.IsInf(d, 1) {
			p["distance_m"] = math.Round(d*10) / 10
		}
		p["covered"] = ok && d <= res.Rule.Meters
		return p
	}
	views := []tiles.View{{Name: coverageLayer, From: geo.Parcels, Schema: coverageSchema, Props: props}}
	t, err := s.cut(bufs, base, snap, key, views, []string{geo.Parcels, geo.Roads, geo.Green}, true)
	if err != nil {
		return nil, errInternal(err)
	}
	return t, nil
}
