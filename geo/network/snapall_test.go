package network

import (
	"context"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestSnapAllEqualsSnap: on the small demo town, 20,000 random points
// (some far from any path) snap to the same place at the same distance
// one by one and all at once.
func TestSnapAllEqualsSnap(t *testing.T) {
	var roads []*geo.Feature
	var b orb.Bound
	first := true
	demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(fs []*geo.Feature) error {
		for _, f := range fs {
			if f.Layer == geo.Roads {
				roads = append(roads, f)
				if first {
					b, first = f.Geom.Bound(), false
				}
				b = b.Union(f.Geom.Bound())
			}
		}
		return nil
	})
	g := Build(roads)
	rng := rand.New(rand.NewSource(1))
	pts := make([]orb.Point, 20000)
	for i := range pts {
		// The town's box and a margin of about 2 km around it.
		pts[i] = orb.Point{b.Min[0] - 0.02 + rng.Float64()*(b.Max[0]-b.Min[0]+0.04), b.Min[1] - 0.02 + rng.Float64()*(b.Max[1]-b.Min[1]+0.04)}
	}
	at := make([]Loc, len(pts))
	dist := make([]float64, len(pts))
	if err := g.SnapAll(context.Background(), pts, 1000, at, dist); err != nil {
		t.Fatal(err)
	}
	none := 0
	for i, p := range pts {
		l, d, ok := g.Snap(p, 1000)
		if !ok {
			none++
			if dist[i] <= 1000 {
				t.Errorf("point %d: Snap finds none, SnapAll %v at %.3f m", i, at[i], dist[i])
			}
			continue
		}
		if l != at[i] || d != dist[i] {
			t.Errorf("point %d: Snap %v at %.6f m, SnapAll %v at %.6f m", i, l, d, at[i], dist[i])
		}
	}
	if none == 0 || none == len(pts) {
		t.Errorf("%d of %d points without a path: the test needs both kinds", none, len(pts))
	}
}
