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

// RadiusBound returns a lon/lat box that holds every point within metres of
// p (geodesically), erring on the large side: a degree of latitude is at
// least 110,574 m, and a degree of longitude at least a·π/180·cos φ
// (111,319.49 m × cos φ) at the band's largest latitude φ.
func RadiusBound(p orb.Point, metres float64) orb.Bound {
	dLat := metres / 110574
	maxLat := math.Min(90, math.Abs(p[1])+dLat)
	c := math.Cos(maxLat * math.Pi / 180)
	dLon := 360.0
	if c > 1e-9 {
		dLon = math.Min(360, metres/(111319*c))
	}
	b := orb.Bound{Min: orb.Point{p[0] - dLon, math.Max(-90, p[1]-dLat)}, Max: orb.Point{p[0] + dLon, math.Min(90, p[1]+dLat)}}
	if dLon >= 180 {
		b.Min[0], b.Max[0] = -180, 180
	}
	return b
}

// Within returns the features of l within metres of p, nearest first (ties
// by id).
func (l *Layer) Within(p orb.Point, metres float64) []Hit {
	var hits []Hit
	l.Search(RadiusBound(p, metres), func(f *geo.Feature) bool {
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
