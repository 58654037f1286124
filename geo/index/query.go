package index

import (
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Hit is a feature found by a distance query, with its geodesic distance in
// metres from the query point (0 inside a polygon).
type Hit struct {
	Feature  *geo.Feature
	Distance float64
}

// Within returns the features of l within metres of p, nearest first (ties
// by id).
func (l *Layer) Within(p orb.Point, metres float64) []Hit {
	var hits []Hit
	l.Search(geo.RadiusBound(p, metres), func(f *geo.Feature) bool {
		if d := geo.DistanceTo(p, f.Geom); d <= metres {
			hits = append(hits, Hit{f, d})
		}
		return true
	})
	sortHits(hits)
	return hits
}

// Nearest returns the k features of l nearest to p, nearest first, none
// farther than maxMetres (0: no limit). It searches a growing radius, so it
// costs a few window queries rather than a scan.
func (l *Layer) Nearest(p orb.Point, k int, maxMetres float64) []Hit {
	if k <= 0 || l.Len() == 0 {
		return nil
	}
	lb, _ := l.Bound()
	// Farthest any feature can be: to the far corner of the layer's bound.
	far := 0.0
	for _, c := range []orb.Point{lb.Min, lb.Max, {lb.Min[0], lb.Max[1]}, {lb.Max[0], lb.Min[1]}} {
		far = math.Max(far, geo.Distance(p, c))
	}
	if maxMetres <= 0 || maxMetres > far {
		maxMetres = far
	}
	r := 250.0
	for {
		if r > maxMetres {
			r = maxMetres
		}
		hits := l.Within(p, r)
		// Every feature within r is in hits; if k of them are found, no
		// feature outside r can be nearer.
		if len(hits) >= k || r >= maxMetres {
			if len(hits) > k {
				hits = hits[:k]
			}
			return hits
		}
		r *= 4
	}
}

func sortHits(h []Hit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].Distance != h[j].Distance {
			return h[i].Distance < h[j].Distance
		}
		return h[i].Feature.ID < h[j].Feature.ID
	})
}
