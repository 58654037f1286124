package network

import "sort"

// PgEdge is an edge of the graph as pgRouting takes it (a negative
// ReverseCost: one way).
type PgEdge struct {
	ID, Source, Target int64
	Cost, ReverseCost  float64
}

// PgRouting returns the graph for pgRouting with every edge split where a
// source stretch begins or ends or a place lies, and a start vertex 0 with
// a one-way edge, as long as the metres already walked there (Init, or
// along the stretch's Rise), to every vertex of every source stretch: a
// single-source pgr_drivingDistance from vertex 0 is then this package's
// multi-source walk, partly walked edges included. vertex
// gives the pgRouting vertex of a place; node n is vertex n+1. It exists to
// check and benchmark Multi against pgRouting.
func (g *Graph) PgRouting(srcs []Source, places []Loc) (edges []PgEdge, vertex func(Loc) int64) {
	type pos struct {
		edge int32
		off  float64
	}
	next := int64(len(g.Nodes)) + 1
	at := map[pos]int64{}
	offsets := map[int32][]float64{}
	mark := func(l Loc) {
		if l.Offset <= 0 || l.Offset >= g.Edges[l.Edge].Length {
			return
		}
		p := pos{l.Edge, l.Offset}
		if _, ok := at[p]; !ok {
			at[p] = next
			next++
			offsets[l.Edge] = append(offsets[l.Edge], l.Offset)
		}
	}
	vertex = func(l Loc) int64 {
		e := g.Edges[l.Edge]
		switch {
		case l.Offset <= 0:
			return int64(e.From) + 1
		case l.Offset >= e.Length:
			return int64(e.To) + 1
		}
		return at[pos{l.Edge, l.Offset}]
	}
	for _, s := range srcs {
		mark(s.At)
		mark(Loc{s.At.Edge, s.end()})
	}
	for _, l := range places {
		mark(l)
	}
	add := func(a, b int64, cost, rev float64) {
		edges = append(edges, PgEdge{int64(len(edges) + 1), a, b, cost, rev})
	}
	for i, e := range g.Edges {
		offs := offsets[int32(i)]
		sort.Float64s(offs)
		prev, prevOff := int64(e.From)+1, 0.0
		for _, o := range offs {
			v := at[pos{int32(i), o}]
			add(prev, v, o-prevOff, o-prevOff)
			prev, prevOff = v, o
		}
		add(prev, int64(e.To)+1, e.Length-prevOff, e.Length-prevOff)
	}
	for _, s := range srcs {
		add(0, vertex(s.At), s.Init, -1)
		if s.end() > s.At.Offset {
			add(0, vertex(Loc{s.At.Edge, s.end()}), s.Init+s.Rise, -1)
		}
		for _, o := range offsets[s.At.Edge] {
			if o > s.At.Offset && o < s.end() {
				add(0, at[pos{s.At.Edge, o}], s.initAt(o), -1)
			}
		}
	}
	return edges, vertex
}
