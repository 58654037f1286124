package api

import (
	"context"
	"math"
	"sort"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
)

// ParkGap is how far (metres) a path may pass from a polygon's boundary
// and still reach it: a verge or a pavement's width.
const ParkGap = 20

// walkNet is the walking network of one version of the roads layer, with
// the access of features to it worked out as they are asked for.
type walkNet struct {
	roads  *index.Layer // the roads layer it was built from
	g      *network.Graph
	mu     sync.Mutex
	access map[accessKey][]network.Access
}

type accessKey struct {
	layer   string
	id      int64
	version int64
}

// walk returns the walking network of the snapshot's roads, building it
// when they are not the roads of the last one (an edit, or a scenario's
// snapshot: each has its own roads layer).
func (s *Server) walk(snap *index.Snapshot) *walkNet {
	roads := snap.Layer(geo.Roads)
	s.walkMu.Lock()
	defer s.walkMu.Unlock()
	if s.walkNet != nil && s.walkNet.roads == roads {
		return s.walkNet
	}
	var feats []*geo.Feature
	roads.Scan(func(f *geo.Feature) bool { feats = append(feats, f); return true })
	s.walkNet = &walkNet{roads: roads, g: network.Build(feats), access: map[accessKey][]network.Access{}}
	s.log.Info("walking network built", "roads_version", roads.Version, "graph", s.walkNet.g.String())
	return s.walkNet
}

// accessOf returns where walks reach a feature: for polygons the stretches
// of path entering or passing within ParkGap of them, for points the
// nearest path within 100 m; nil for lines.
func (w *walkNet) accessOf(layer string, f *geo.Feature) []network.Access {
	k := accessKey{layer, f.ID, f.Version}
	w.mu.Lock()
	a, ok := w.access[k]
	w.mu.Unlock()
	if ok {
		return a
	}
	switch g := f.Geom.(type) {
	case orb.Polygon, orb.MultiPolygon:
		a = w.g.AccessPoints(g, ParkGap, false)
	case orb.Point:
		if at, d, ok := w.g.Snap(g, 100); ok {
			a = []network.Access{{At: at, End: at.Offset, Gap: d}}
		}
	}
	w.mu.Lock()
	w.access[k] = a
	w.mu.Unlock()
	return a
}

// walkTo returns the walking distance of a reach to a feature: 0 when the
// reach starts inside it (a polygon), else the least over its accesses; ok
// is false when it is out of reach.
func (w *walkNet) walkTo(r *network.Reach, layer string, f *geo.Feature) (d float64, ok bool) {
	if geo.Contains(f.Geom, r.Origin) {
		return 0, true
	}
	d = math.Inf(1)
	for _, a := range w.accessOf(layer, f) {
		d = math.Min(d, r.To(a))
	}
	return d, d <= r.Meters
}

// holding returns the polygons of a layer that hold p, at distance 0: a
// walk from inside a park is at it already, with or without a path near.
func holding(l *index.Layer, p orb.Point) []index.Hit {
	var hits []index.Hit
	l.Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
		if geo.Contains(f.Geom, p) {
			hits = append(hits, index.Hit{Feature: f})
		}
		return true
	})
	return hits
}

// nearestByWalk returns the k features of a layer nearest p by walking,
// searching up to maxMeters: straight-line distance never exceeds the
// walk, so features farther than the walk limit in a straight line are
// never candidates. A polygon holding p is at 0. The walk limit grows
// fourfold until k are found. It stops with ctx's error once ctx is done.
func (w *walkNet) nearestByWalk(ctx context.Context, l *index.Layer, layer string, p orb.Point, k int, maxMeters float64) ([]index.Hit, bool, error) {
	for lim := math.Min(1000, maxMeters); ; lim = math.Min(lim*4, maxMeters) {
		r, ok, err := w.g.ReachContext(ctx, p, lim)
		if err != nil {
			return nil, false, err
		}
		var hits []index.Hit
		if ok {
			l.Search(geo.RadiusBound(p, lim), func(f *geo.Feature) bool {
				if d, ok := w.walkTo(r, layer, f); ok {
					hits = append(hits, index.Hit{Feature: f, Distance: d})
				}
				return true
			})
		} else {
			hits = holding(l, p)
		}
		if len(hits) >= k || lim >= maxMeters {
			sort.Slice(hits, func(i, j int) bool {
				if hits[i].Distance != hits[j].Distance {
					return hits[i].Distance < hits[j].Distance
				}
				return hits[i].Feature.ID < hits[j].Feature.ID
			})
			if len(hits) > k {
				hits = hits[:k]
			}
			return hits, ok || len(hits) > 0, nil
		}
	}
}
