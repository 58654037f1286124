package network

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	orbproject "github.com/paulmach/orb/project"
)

// TestSnapAllEqualsSnap: on the small demo town, where it is generated and
// moved to the equator, the far south and the far north, 20,000 random
// points (some far from any path) snap to the same place at the same
// distance one by one and all at once.
func TestSnapAllEqualsSnap(t *testing.T) {
	var roads []*geo.Feature
	demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(fs []*geo.Feature) error {
		for _, f := range fs {
			if f.Layer == geo.Roads {
				roads = append(roads, f)
			}
		}
		return nil
	})
	home := roads[0].Geom.Bound().Min[1]
	for _, lat := range []float64{home, 0.2, -52, 64} {
		t.Run(fmt.Sprintf("lat%.0f", lat), func(t *testing.T) {
			moved := make([]*geo.Feature, len(roads))
			var b orb.Bound
			for i, f := range roads {
				m := *f
				m.Geom = orb.Clone(f.Geom)
				m.Geom = orbproject.Geometry(m.Geom, func(p orb.Point) orb.Point { return orb.Point{p[0], p[1] - home + lat} })
				moved[i] = &m
				if i == 0 {
					b = m.Geom.Bound()
				}
				b = b.Union(m.Geom.Bound())
			}
			snapAllEqualsSnap(t, Build(moved), b)
		})
	}
}

func snapAllEqualsSnap(t *testing.T, g *Graph, b orb.Bound) {
	rng := rand.New(rand.NewSource(1))
	pts := make([]orb.Point, 20000)
	for i := range pts {
		// The town's box and a margin of about 2 km around it; every other
		// point a few tens of metres from the one before, as a parcel's
		// residents are, every fourth at the latitude of the one before.
		pts[i] = orb.Point{b.Min[0] - 0.02 + rng.Float64()*(b.Max[0]-b.Min[0]+0.04), b.Min[1] - 0.02 + rng.Float64()*(b.Max[1]-b.Min[1]+0.04)}
		if i%2 == 1 {
			pts[i] = orb.Point{pts[i-1][0] + (rng.Float64()-0.5)*0.0008, pts[i-1][1] + (rng.Float64()-0.5)*0.0008}
		}
		if i%4 == 3 {
			// In a row with the one before, as a parcel's points are laid out.
			pts[i][1] = pts[i-1][1]
		}
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

// TestEdgeCacheEqualsTree: searches of boxes along a random walk through
// the small town, some sharing edges' sides exactly, find the same edges
// in the same order from the cache as from the tree.
func TestEdgeCacheEqualsTree(t *testing.T) {
	var roads []*geo.Feature
	demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(fs []*geo.Feature) error {
		for _, f := range fs {
			if f.Layer == geo.Roads {
				roads = append(roads, f)
			}
		}
		return nil
	})
	g := Build(roads)
	rng := rand.New(rand.NewSource(2))
	c := edgeCache{tree: &g.tree}
	p := g.Nodes[0]
	hits, fills := 0, 0
	for i := 0; i < 20000; i++ {
		p = orb.Point{p[0] + (rng.Float64()-0.5)*0.001, p[1] + (rng.Float64()-0.5)*0.001}
		if i%500 == 0 {
			p = g.Nodes[rng.Intn(len(g.Nodes))]
		}
		b := geo.RadiusBound(p, 100*rng.Float64())
		if i%7 == 0 {
			// A box whose side is an edge's.
			e := g.Edges[rng.Intn(len(g.Edges))].Geom.Bound()
			w := b.Max[0] - b.Min[0]
			b.Min[0], b.Max[0] = e.Max[0], e.Max[0]+w
		}
		var want, got []int32
		g.tree.Search(b.Min, b.Max, func(_, _ [2]float64, e int32) bool { want = append(want, e); return true })
		box := c.box
		c.search(b.Min, b.Max, func(_, _ [2]float64, e int32) bool { got = append(got, e); return true })
		if c.box == box {
			hits++
		} else {
			fills++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("search %d, %v: the cache finds %v, the tree %v", i, b, got, want)
		}
	}
	if hits < 1000 || fills < 1000 {
		t.Errorf("%d searches from the cache, %d filled it: the test needs both", hits, fills)
	}
}
