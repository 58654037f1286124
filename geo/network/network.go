// Package network is the walking network: a graph built from the walkable
// roads, with nodes where lines share a vertex or end and edges measured in
// geodesic metres, plus what the coverage rules need of it — places snapped
// onto edges, multi-source shortest walking distances that interpolate
// along partly reached edges, and the reach of a single point.
package network

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Edge is a stretch of walkable road between two nodes.
type Edge struct {
	From, To int32
	Length   float64        // geodesic metres
	Geom     orb.LineString // From's point first
	cum      []float64      // metres from From to each vertex
	Road     int64          // the road feature it comes from
}

// Graph is an undirected walking graph.
type Graph struct {
	Nodes []orb.Point
	Edges []Edge
	// adjacency in compressed rows: the edges of node n are
	// adjEdge[adjStart[n]:adjStart[n+1]].
	adjStart []int32
	adjEdge  []int32
	// Component numbers per node, and each component's total length.
	Comp       []int32
	CompLength []float64
	tree       rtree.RTreeG[int32] // edge bounds
	// MinComponent is the shortest component (total metres) places are
	// snapped to: shorter fragments (a path inside a compound, a mapped
	// stub) would strand them.
	MinComponent float64
}

// DefaultMinComponent is Graph.MinComponent's default.
const DefaultMinComponent = 200

// Build makes the graph of the walkable roads among feats (others are
// ignored). Every line end and every vertex shared by two lines, or met
// twice by one, is a node.
func Build(feats []*geo.Feature) *Graph {
	var lines []orb.LineString
	var roads []int64
	for _, f := range feats {
		if f.Layer != geo.Roads || !f.Bool("walkable") {
			continue
		}
		add := func(l orb.LineString) {
			if len(l) >= 2 {
				lines = append(lines, l)
				roads = append(roads, f.ID)
			}
		}
		switch g := f.Geom.(type) {
		case orb.LineString:
			add(g)
		case orb.MultiLineString:
			for _, l := range g {
				add(l)
			}
		}
	}
	// Each vertex's count of appearances, until it is made a node: then
	// -1 less its node's number.
	nv := 0
	for _, l := range lines {
		nv += len(l)
	}
	seen := make(map[orb.Point]int32, nv)
	for _, l := range lines {
		for _, p := range l {
			seen[p]++
		}
	}
	g := &Graph{MinComponent: DefaultMinComponent}
	node := func(p orb.Point) int32 {
		if v := seen[p]; v < 0 {
			return -v - 1
		}
		n := int32(len(g.Nodes))
		g.Nodes = append(g.Nodes, p)
		seen[p] = -n - 1
		return n
	}
	// The edges' vertices and distances, in two blocks; the distances are
	// measured once every edge is laid out, shared among the processors.
	geom := make([]orb.Point, 0, nv+len(lines))
	edges := make([]Edge, 0, nv-len(lines)+1)
	var starts []int
	for i, l := range lines {
		start := 0
		for j := 1; j < len(l); j++ {
			if j < len(l)-1 && seen[l[j]] == 1 {
				continue
			}
			part := l[start : j+1]
			start = j
			starts = append(starts, len(geom))
			geom = append(geom, part...)
			edges = append(edges, Edge{From: node(part[0]), To: node(part[len(part)-1]), Road: roads[i]})
		}
	}
	starts = append(starts, len(geom))
	cum := make([]float64, len(geom))
	for i := range edges {
		k0, k1 := starts[i], starts[i+1]
		edges[i].Geom = geom[k0:k1:k1]
		edges[i].cum = cum[k0:k1:k1]
	}
	measure(edges)
	g.Edges = edges[:0]
	for _, e := range edges {
		if e.Length != 0 {
			g.Edges = append(g.Edges, e)
		}
	}
	g.Edges = slices.Clip(g.Edges)
	g.index()
	return g
}

// measureShare is the fewest edges measure gives a processor of its own.
const measureShare = 1024

// measure sets every edge's distances along it and its length, in
// geodesic metres, the edges shared out among the processors.
func measure(edges []Edge) {
	one := func(es []Edge) {
		for i := range es {
			e := &es[i]
			e.cum[0] = 0
			for k := 1; k < len(e.Geom); k++ {
				e.cum[k] = e.cum[k-1] + geo.Distance(e.Geom[k-1], e.Geom[k])
			}
			e.Length = e.cum[len(e.cum)-1]
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(edges)/measureShare)
	if workers <= 1 {
		one(edges)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(edges)*w/workers, len(edges)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			one(edges[lo:hi])
		}()
	}
	wg.Wait()
}

func (g *Graph) index() {
	deg := make([]int32, len(g.Nodes)+1)
	for _, e := range g.Edges {
		deg[e.From]++
		if e.To != e.From {
			deg[e.To]++
		}
	}
	g.adjStart = make([]int32, len(g.Nodes)+1)
	for n := range g.Nodes {
		g.adjStart[n+1] = g.adjStart[n] + deg[n]
	}
	g.adjEdge = make([]int32, g.adjStart[len(g.Nodes)])
	fill := append([]int32(nil), g.adjStart[:len(g.Nodes)]...)
	for i, e := range g.Edges {
		g.adjEdge[fill[e.From]] = int32(i)
		fill[e.From]++
		if e.To != e.From {
			g.adjEdge[fill[e.To]] = int32(i)
			fill[e.To]++
		}
	}
	// Components by union–find.
	parent := make([]int32, len(g.Nodes))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range g.Edges {
		a, b := find(e.From), find(e.To)
		if a != b {
			parent[a] = b
		}
	}
	g.Comp = make([]int32, len(g.Nodes))
	ids := map[int32]int32{}
	for n := range g.Nodes {
		r := find(int32(n))
		c, ok := ids[r]
		if !ok {
			c = int32(len(ids))
			ids[r] = c
		}
		g.Comp[n] = c
	}
	g.CompLength = make([]float64, len(ids))
	for i, e := range g.Edges {
		g.CompLength[g.Comp[e.From]] += e.Length
		b := e.Geom.Bound()
		g.tree.Insert(b.Min, b.Max, int32(i))
	}
}

// Edges of node n.
func (g *Graph) adjacent(n int32) []int32 { return g.adjEdge[g.adjStart[n]:g.adjStart[n+1]] }

// Components returns how many connected components the graph has.
func (g *Graph) Components() int { return len(g.CompLength) }

// Loc is a place on an edge: Offset metres from its From node.
type Loc struct {
	Edge   int32
	Offset float64
}

// Point returns the location's coordinates.
func (g *Graph) Point(l Loc) orb.Point {
	e := &g.Edges[l.Edge]
	i := sort.SearchFloat64s(e.cum, l.Offset)
	if i == 0 {
		return e.Geom[0]
	}
	if i >= len(e.cum) {
		return e.Geom[len(e.Geom)-1]
	}
	seg := e.cum[i] - e.cum[i-1]
	t := 0.0
	if seg > 0 {
		t = (l.Offset - e.cum[i-1]) / seg
	}
	a, b := e.Geom[i-1], e.Geom[i]
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// Snap finds the nearest point of an edge (of a component at least
// MinComponent long) to p, no farther than maxDist metres: the location and
// its geodesic distance from p. ok is false when there is none.
func (g *Graph) Snap(p orb.Point, maxDist float64) (loc Loc, dist float64, ok bool) {
	best := math.Inf(1)
	for r := math.Min(100, maxDist); ; r = math.Min(r*4, maxDist) {
		g.near(p, r, func(i int32, d float64, off float64) {
			if d < best {
				best, loc = d, Loc{i, off}
			}
		})
		if best <= r || r >= maxDist {
			break
		}
	}
	return loc, best, best <= maxDist
}

// near calls fn for every edge (of a long enough component) within r metres
// of p, with the distance and the offset of its nearest point.
func (g *Graph) near(p orb.Point, r float64, fn func(edge int32, dist, offset float64)) {
	b := geo.RadiusBound(p, r)
	g.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		e := &g.Edges[i]
		if g.CompLength[g.Comp[e.From]] < g.MinComponent {
			return true
		}
		q, off := closestOnLine(p, e)
		if d := geo.Distance(p, q); d <= r {
			fn(i, d, off)
		}
		return true
	})
}

// closestOnLine returns the point of e nearest p and its offset in metres
// from e.From.
func closestOnLine(p orb.Point, e *Edge) (orb.Point, float64) {
	q, i, t := geo.ClosestOnLine(p, e.Geom)
	return q, e.cum[i-1] + t*(e.cum[i]-e.cum[i-1])
}

// String summarises the graph.
func (g *Graph) String() string {
	total := 0.0
	for _, e := range g.Edges {
		total += e.Length
	}
	return fmt.Sprintf("%d nodes, %d edges, %.1f km, %d components", len(g.Nodes), len(g.Edges), total/1000, g.Components())
}
