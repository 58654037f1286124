package network

import (
	"context"
	"math"
	"sort"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// AccessGap is how far (m) a path may pass from a polygon's boundary and
// still reach it: a verge or a pavement's width.
const AccessGap = 20

// PointSnap is how far (m) a point feature may lie from the nearest path
// for walks to reach it.
const PointSnap = 100

// Walks is the walking network of one version of the roads layer, with
// where features join it worked out as they are asked for. It is safe
// for concurrent use.
type Walks struct {
	Graph *Graph
	Roads *index.Layer // the roads layer it was built from

	mu     sync.Mutex
	access map[accessKey][]Access
}

type accessKey struct {
	layer   string
	id      int64
	version int64
}

// NewWalks builds the walking network of a roads layer.
func NewWalks(roads *index.Layer) *Walks {
	var feats []*geo.Feature
	roads.Scan(func(f *geo.Feature) bool { feats = append(feats, f); return true })
	return &Walks{Graph: Build(feats), Roads: roads, access: map[accessKey][]Access{}}
}

// AccessOf returns where walks reach a feature: for polygons the stretches
// of path entering or passing within AccessGap of them, for points the
// nearest path within PointSnap; nil for lines.
func (w *Walks) AccessOf(layer string, f *geo.Feature) []Access {
	k := accessKey{layer, f.ID, f.Version}
	w.mu.Lock()
	a, ok := w.access[k]
	w.mu.Unlock()
	if ok {
		return a
	}
	switch g := f.Geom.(type) {
	case orb.Polygon, orb.MultiPolygon:
		a = w.Graph.AccessPoints(g, AccessGap, false)
	case orb.Point:
		if at, d, ok := w.Graph.Snap(g, PointSnap); ok {
			a = []Access{{At: at, End: at.Offset, Gap: d}}
		}
	}
	w.mu.Lock()
	w.access[k] = a
	w.mu.Unlock()
	return a
}

// WalkTo returns the walking distance of a reach to a feature: 0 when the
// reach starts inside it (a polygon), else the least over its accesses; ok
// is false when it is out of reach.
func (w *Walks) WalkTo(r *Reach, layer string, f *geo.Feature) (d float64, ok bool) {
	if geo.Contains(f.Geom, r.Origin) {
		return 0, true
	}
	d = math.Inf(1)
	for _, a := range w.AccessOf(layer, f) {
		d = math.Min(d, r.To(a))
	}
	return d, d <= r.Meters
}

// Holding returns the polygons of a layer that hold p, at distance 0: a
// walk from inside a park is at it already, with or without a path near.
func Holding(l *index.Layer, p orb.Point) []index.Hit {
	var hits []index.Hit
	l.Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
		if geo.Contains(f.Geom, p) {
			hits = append(hits, index.Hit{Feature: f})
		}
		return true
	})
	return hits
}

// Nearest returns the k features of a layer nearest p by walking,
// searching up to maxMeters: straight-line distance never exceeds the
// walk, so features farther than the walk limit in a straight line are
// never candidates. A polygon holding p is at 0. The walk limit grows
// fourfold until k are found; ok is false when no path is near and no
// polygon holds p. It stops with ctx's error once ctx is done.
func (w *Walks) Nearest(ctx context.Context, l *index.Layer, layer string, p orb.Point, k int, maxMeters float64) (hits []index.Hit, ok bool, err error) {
	for lim := math.Min(1000, maxMeters); ; lim = math.Min(lim*4, maxMeters) {
		r, ok, err := w.Graph.ReachContext(ctx, p, lim)
		if err != nil {
			return nil, false, err
		}
		if ok {
			hits = w.reached(r, l, layer)
		} else {
			hits = Holding(l, p)
		}
		if len(hits) >= k || lim >= maxMeters {
			sortHits(hits)
			if len(hits) > k {
				hits = hits[:k]
			}
			return hits, ok || len(hits) > 0, nil
		}
	}
}

// Reached returns the features of a layer that a reach gets to, with
// their walking distances, nearest first.
func (w *Walks) Reached(r *Reach, l *index.Layer, layer string) []index.Hit {
	hits := w.reached(r, l, layer)
	sortHits(hits)
	return hits
}

func (w *Walks) reached(r *Reach, l *index.Layer, layer string) []index.Hit {
	var hits []index.Hit
	l.Search(geo.RadiusBound(r.Origin, r.Meters), func(f *geo.Feature) bool {
		if d, ok := w.WalkTo(r, layer, f); ok {
			hits = append(hits, index.Hit{Feature: f, Distance: d})
		}
		return true
	})
	return hits
}

// sortHits orders hits nearest first, ties by id.
func sortHits(hits []index.Hit) {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Distance != hits[j].Distance {
			return hits[i].Distance < hits[j].Distance
		}
		return hits[i].Feature.ID < hits[j].Feature.ID
	})
}
