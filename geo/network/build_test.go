package network

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

// buildRef is Build's way to nodes and edges written plainly, one map of
// counts and one of nodes, each edge's vertices and distances apart.
func buildRef(feats []*geo.Feature) ([]orb.Point, []Edge) {
	var lines []orb.LineString
	var roads []int64
	for _, f := range feats {
		if f.Layer != geo.Roads || !f.Bool("walkable") {
			continue
		}
		var ls []orb.LineString
		switch g := f.Geom.(type) {
		case orb.LineString:
			ls = []orb.LineString{g}
		case orb.MultiLineString:
			ls = g
		}
		for _, l := range ls {
			if len(l) >= 2 {
				lines = append(lines, l)
				roads = append(roads, f.ID)
			}
		}
	}
	count := map[orb.Point]int{}
	for _, l := range lines {
		for _, p := range l {
			count[p]++
		}
	}
	var nodes []orb.Point
	nodeOf := map[orb.Point]int32{}
	node := func(p orb.Point) int32 {
		n, ok := nodeOf[p]
		if !ok {
			n = int32(len(nodes))
			nodes = append(nodes, p)
			nodeOf[p] = n
		}
		return n
	}
	var edges []Edge
	for i, l := range lines {
		start := 0
		for j := 1; j < len(l); j++ {
			if j < len(l)-1 && count[l[j]] < 2 {
				continue
			}
			part := l[start : j+1]
			start = j
			e := Edge{From: node(part[0]), To: node(part[len(part)-1]), Road: roads[i], Geom: append(orb.LineString(nil), part...)}
			e.cum = make([]float64, len(part))
			for k := 1; k < len(part); k++ {
				e.cum[k] = e.cum[k-1] + geo.Distance(part[k-1], part[k])
			}
			e.Length = e.cum[len(part)-1]
			if e.Length > 0 {
				edges = append(edges, e)
			}
		}
	}
	return nodes, edges
}

// TestBuildEqualsRef: the graphs of the small and city demo towns and of
// Chengdu have the same nodes and edges, in the same order, as buildRef's.
func TestBuildEqualsRef(t *testing.T) {
	sets := map[string][]*geo.Feature{}
	for _, size := range []string{"small", "city"} {
		demotown.Generate(demotown.Options{Seed: 1, Size: size}, func(fs []*geo.Feature) error {
			for _, f := range fs {
				if f.Layer == geo.Roads {
					sets[size] = append(sets[size], f)
				}
			}
			return nil
		})
	}
	var err error
	if sets["chengdu"], _, err = osm.ReadFile(context.Background(), storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{}); err != nil {
		t.Fatal(err)
	}
	for name, feats := range sets {
		g := Build(feats)
		nodes, edges := buildRef(feats)
		if len(g.Nodes) != len(nodes) || len(g.Edges) != len(edges) {
			t.Fatalf("%s: %d nodes, %d edges; want %d, %d", name, len(g.Nodes), len(g.Edges), len(nodes), len(edges))
		}
		for i := range nodes {
			if g.Nodes[i] != nodes[i] {
				t.Fatalf("%s: node %d at %v, want %v", name, i, g.Nodes[i], nodes[i])
			}
		}
		for i, w := range edges {
			e := g.Edges[i]
			if e.From != w.From || e.To != w.To || e.Road != w.Road || e.Length != w.Length || !orb.Equal(e.Geom, w.Geom) || len(e.cum) != len(w.cum) {
				t.Fatalf("%s: edge %d is %+v, want %+v", name, i, e, w)
			}
			for k := range w.cum {
				if e.cum[k] != w.cum[k] {
					t.Fatalf("%s: edge %d, vertex %d at %v m, want %v", name, i, k, e.cum[k], w.cum[k])
				}
			}
		}
		if len(edges) < 200 {
			t.Errorf("%s: %d edges, too few to tell", name, len(edges))
		}
	}
}

// TestBuildOddVertices: lines with vertices a map tells apart or not in
// its own way — -0 and 0, the same place as 180° and -180° (an edge
// of two distinct points 0 m long, dropped) and a line of one repeated
// point — give buildRef's nodes and edges, and every edge kept is found in
// the edges' tree by its own box, under its own number.
func TestBuildOddVertices(t *testing.T) {
	feats := []*geo.Feature{
		road(1, true, orb.Point{0, 1}, orb.Point{0.001, 1}, orb.Point{0.002, 1}),
		road(2, true, orb.Point{math.Copysign(0, -1), 1}, orb.Point{0, 1.001}),
		road(3, true, orb.Point{0.001, 1}, orb.Point{0.001, 1.001}, orb.Point{0.0015, 1}, orb.Point{0.002, 1.002}),
		road(4, true, orb.Point{180, 10}, orb.Point{-180, 10}),
		road(7, true, orb.Point{-180, 10}, orb.Point{-179.999, 10}),
		road(5, true, orb.Point{5, 5}, orb.Point{5, 5}, orb.Point{5, 5}),
		road(6, true, orb.Point{0.002, 1}, orb.Point{0.002, 1.002}, orb.Point{0, 1.001}),
	}
	g := Build(feats)
	nodes, edges := buildRef(feats)
	eq := func(a, b float64) bool { return a == b || a != a && b != b }
	if len(g.Nodes) != len(nodes) || len(g.Edges) != len(edges) {
		t.Fatalf("%d nodes, %d edges; want %d, %d", len(g.Nodes), len(g.Edges), len(nodes), len(edges))
	}
	for i := range nodes {
		if !eq(g.Nodes[i][0], nodes[i][0]) || !eq(g.Nodes[i][1], nodes[i][1]) {
			t.Errorf("node %d at %v, want %v", i, g.Nodes[i], nodes[i])
		}
	}
	for i, w := range edges {
		e := g.Edges[i]
		if e.From != w.From || e.To != w.To || e.Road != w.Road || !eq(e.Length, w.Length) || len(e.Geom) != len(w.Geom) {
			t.Errorf("edge %d is %+v, want %+v", i, e, w)
		}
		found := false
		b := e.Geom.Bound()
		g.tree.Search(b.Min, b.Max, func(_, _ [2]float64, j int32) bool {
			found = found || j == int32(i)
			return true
		})
		if !found && !math.IsNaN(e.Length) {
			t.Errorf("edge %d is not in the tree under its number", i)
		}
	}
	if len(g.Edges) >= 1+len(feats)*2 || g.Components() < 2 {
		t.Errorf("graph %s: the test's lines are not what it means", g)
	}
}
