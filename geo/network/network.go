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
	lines, roads := walkableLines(feats)
	// Each distinct vertex's count of appearances (vertices: each line
	// vertex's entry in it), until it is made a node: then -1 less its
	// node's number.
	nv := 0
	for _, l := range lines {
		nv += len(l)
	}
	seen, vertices := countVertices(lines, nv)
	g := &Graph{MinComponent: DefaultMinComponent}
	node := func(k int, p orb.Point) int32 {
		s := vertices[k]
		if s >= 0 && seen[s] < 0 {
			return -seen[s] - 1
		}
		n := int32(len(g.Nodes))
		g.Nodes = append(g.Nodes, p)
		if s >= 0 {
			seen[s] = -n - 1
		}
		return n
	}
	// A line is cut at every inner vertex met more than once (one without
	// an entry, NaN, is never met again but is cut at, as a map would).
	cut := func(k int) bool { s := vertices[k]; return s < 0 || seen[s] != 1 }
	nparts, ngeom := 0, 0
	for k, l := range vertexRuns(lines) {
		parts := 1
		for j := 1; j < len(l)-1; j++ {
			if cut(k + j) {
				parts++
			}
		}
		nparts += parts
		ngeom += len(l) + parts - 1
	}
	// The edges' vertices and distances, in two blocks; the distances are
	// measured once every edge is laid out, shared among the processors.
	geom := make([]orb.Point, 0, ngeom)
	cum := make([]float64, ngeom)
	edges := make([]Edge, 0, nparts)
	k := 0
	for i, l := range lines {
		start := 0
		for j := 1; j < len(l); j++ {
			if j < len(l)-1 && !cut(k+j) {
				continue
			}
			part := l[start : j+1]
			k0 := len(geom)
			geom = append(geom, part...)
			edges = append(edges, Edge{From: node(k+start, part[0]), To: node(k+j, part[len(part)-1]), Road: roads[i],
				Geom: geom[k0:len(geom):len(geom)], cum: cum[k0:len(geom):len(geom)]})
			start = j
		}
		k += len(l)
	}
	g.measureEdges(edges)
	g.index()
	return g
}

// walkableLines returns the lines (of two points or more) of the walkable
// roads among feats, each with its road's id.
func walkableLines(feats []*geo.Feature) (lines []orb.LineString, roads []int64) {
	lines = make([]orb.LineString, 0, len(feats))
	roads = make([]int64, 0, len(feats))
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
	return lines, roads
}

// measureEdges measures edges and keeps those of some length as g's edges, in
// g's tree. The tree is filled while they are measured, without the
// edges whose vertices are all one point (of length 0, dropped); should
// the lengths drop others, it is filled again.
func (g *Graph) measureEdges(edges []Edge) {
	var treed sync.WaitGroup
	treed.Add(1)
	go func() {
		defer treed.Done()
		n := int32(0)
		for i := range edges {
			if !samePoint(edges[i].Geom) {
				b := edges[i].Geom.Bound()
				g.tree.Insert(b.Min, b.Max, n)
				n++
			}
		}
	}()
	measure(edges)
	treed.Wait()
	g.Edges = edges[:0]
	again := false
	for _, e := range edges {
		again = again || (e.Length == 0) != samePoint(e.Geom)
		if e.Length != 0 {
			g.Edges = append(g.Edges, e)
		}
	}
	g.Edges = slices.Clip(g.Edges)
	if again {
		g.tree.Clear()
		for i, e := range g.Edges {
			b := e.Geom.Bound()
			g.tree.Insert(b.Min, b.Max, int32(i))
		}
	}
}

// vertexRuns yields each line with the index of its first vertex among
// all the lines' vertices.
func vertexRuns(lines []orb.LineString) func(func(int, orb.LineString) bool) {
	return func(yield func(int, orb.LineString) bool) {
		k := 0
		for _, l := range lines {
			if !yield(k, l) {
				return
			}
			k += len(l)
		}
	}
}

// samePoint reports whether every vertex of l is its first.
func samePoint(l orb.LineString) bool {
	for _, p := range l[1:] {
		if p != l[0] {
			return false
		}
	}
	return true
}

// countVertices counts the appearances of each distinct vertex of the
// lines (nv vertices in all), in an open-addressing table keyed as a map
// keys points (-0 is 0; NaN is never found again: such a vertex has no
// entry, -1): counts by entry, and each vertex's entry in line order.
func countVertices(lines []orb.LineString, nv int) (counts []int32, vertices []int32) {
	size := 16
	for size < 2*nv {
		size *= 2
	}
	mask := uint64(size - 1)
	table := make([]int32, size) // entry+1; 0: empty
	keys := make([]orb.Point, 0, nv)
	counts = make([]int32, 0, nv)
	vertices = make([]int32, 0, nv)
	for _, l := range lines {
		for _, p := range l {
			x, y := p[0]+0, p[1]+0 // -0 as 0
			if x != x || y != y {
				vertices = append(vertices, -1)
				continue
			}
			h := math.Float64bits(x)*0x9E3779B97F4A7C15 ^ math.Float64bits(y)*0xC2B2AE3D27D4EB4F
			h ^= h >> 29
			i := h & mask
			for {
				e := table[i]
				if e == 0 {
					table[i] = int32(len(keys)) + 1
					vertices = append(vertices, int32(len(keys)))
					keys = append(keys, orb.Point{x, y})
					counts = append(counts, 1)
					break
				}
				if keys[e-1] == (orb.Point{x, y}) {
					vertices = append(vertices, e-1)
					counts[e-1]++
					break
				}
				i = (i + 1) & mask
			}
		}
	}
	return counts, vertices
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
	// Components numbered in the order of their first node; ids holds a
	// root's number+1 (0: not numbered yet).
	g.Comp = make([]int32, len(g.Nodes))
	ids := make([]int32, len(g.Nodes))
	nc := int32(0)
	for n := range g.Nodes {
		r := find(int32(n))
		if ids[r] == 0 {
			nc++
			ids[r] = nc
		}
		g.Comp[n] = ids[r] - 1
	}
	g.CompLength = make([]float64, nc)
	for _, e := range g.Edges {
		g.CompLength[g.Comp[e.From]] += e.Length
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
