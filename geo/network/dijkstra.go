package network

import (
	"context"
	"math"
)

// Source is where walks start: a stretch of an edge (At to End metres
// from its From node; a point when End ≤ At.Offset), the metres already
// walked to reach each point of it (from a park's boundary to the path,
// say) — Init at At, Init+Rise at End, Along(offset) in between (linear
// when Along is nil), changing by at most a metre a metre — and a label
// naming what it belongs to.
type Source struct {
	At    Loc
	End   float64
	Init  float64
	Rise  float64
	Along func(offset float64) float64
	Label int32
}

// end is the offset where the stretch ends.
func (s Source) end() float64 { return math.Max(s.End, s.At.Offset) }

// initAt is the metres already walked at offset x of the stretch.
func (s Source) initAt(x float64) float64 {
	b := s.end()
	switch {
	case b <= s.At.Offset || x <= s.At.Offset:
		return s.Init
	case x >= b:
		return s.Init + s.Rise
	case s.Along != nil:
		return s.Along(x)
	}
	return s.Init + s.Rise*(x-s.At.Offset)/(b-s.At.Offset)
}

// cost is the least walk from the source to offset x of its edge: the
// minimum over the stretch's points of the walk along the edge to x plus
// the metres already walked there. The walk changes by a metre a metre
// and the metres already walked by at most that, so the sum never falls
// walking away from x, and the minimum lies at x (when on the stretch) or
// at one of the stretch's ends.
func (s Source) cost(x float64) float64 {
	a, b := s.At.Offset, s.end()
	c := math.Abs(x-a) + s.Init
	if b > a {
		c = math.Min(c, math.Abs(x-b)+s.Init+s.Rise)
		if x > a && x < b {
			c = math.Min(c, s.initAt(x))
		}
	}
	return c
}

// Distances holds the walking distance from the nearest of a set of
// sources to every node, and which source's label it is.
type Distances struct {
	g      *Graph
	Node   []float64 // +Inf where not reached within the limit
	Label  []int32   // -1 where not reached
	Limit  float64
	onEdge map[int32][]Source
}

// Multi runs one Dijkstra from all sources at once, settling nodes up to
// limit metres (0: no limit).
func (g *Graph) Multi(sources []Source, limit float64) *Distances {
	d, _ := g.MultiContext(context.Background(), sources, limit)
	return d
}

// checkEvery is how many steps of a long loop pass between looks at its
// context's deadline: often enough to stop within a millisecond or so,
// rarely enough to cost nothing.
const checkEvery = 4096

// MultiContext is Multi stopping with ctx's error once ctx is done.
func (g *Graph) MultiContext(ctx context.Context, sources []Source, limit float64) (*Distances, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = math.Inf(1)
	}
	d := &Distances{g: g, Node: make([]float64, len(g.Nodes)), Label: make([]int32, len(g.Nodes)), Limit: limit, onEdge: map[int32][]Source{}}
	for i := range d.Node {
		d.Node[i] = math.Inf(1)
		d.Label[i] = -1
	}
	h := &heap{}
	relax := func(n int32, dist float64, label int32) {
		if dist < d.Node[n] || (dist == d.Node[n] && label < d.Label[n]) {
			d.Node[n], d.Label[n] = dist, label
			if dist <= limit {
				h.push(item{dist, n})
			}
		}
	}
	for _, s := range sources {
		e := &g.Edges[s.At.Edge]
		d.onEdge[s.At.Edge] = append(d.onEdge[s.At.Edge], s)
		relax(e.From, s.cost(0), s.Label)
		relax(e.To, s.cost(e.Length), s.Label)
	}
	for steps := 1; h.len() > 0; steps++ {
		if steps%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it := h.pop()
		if it.dist > d.Node[it.node] {
			continue // stale
		}
		for _, ei := range g.adjacent(it.node) {
			e := &g.Edges[ei]
			other := e.To
			if other == it.node {
				other = e.From
			}
			relax(other, it.dist+e.Length, d.Label[it.node])
		}
	}
	return d, nil
}

// To returns the walking distance from the nearest source to l and that
// source's label, walking along l's edge from either end or straight from
// a source on the same edge; +Inf and -1 when none is within the limit.
func (d *Distances) To(l Loc) (float64, int32) {
	e := &d.g.Edges[l.Edge]
	best, label := math.Inf(1), int32(-1)
	try := func(dist float64, lb int32) {
		if lb >= 0 && (dist < best || (dist == best && lb < label)) {
			best, label = dist, lb
		}
	}
	try(d.Node[e.From]+l.Offset, d.Label[e.From])
	try(d.Node[e.To]+e.Length-l.Offset, d.Label[e.To])
	for _, s := range d.onEdge[l.Edge] {
		try(s.cost(l.Offset), s.Label)
	}
	if best > d.Limit {
		return math.Inf(1), -1
	}
	return best, label
}

type item struct {
	dist float64
	node int32
}

// heap is a binary min-heap of items (container/heap without the
// interface calls).
type heap struct{ a []item }

func (h *heap) len() int { return len(h.a) }

func (h *heap) push(x item) {
	h.a = append(h.a, x)
	i := len(h.a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.a[p].dist <= h.a[i].dist {
			break
		}
		h.a[p], h.a[i] = h.a[i], h.a[p]
		i = p
	}
}

func (h *heap) pop() item {
	top := h.a[0]
	n := len(h.a) - 1
	h.a[0] = h.a[n]
	h.a = h.a[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.a[l].dist < h.a[m].dist {
			m = l
		}
		if r < n && h.a[r].dist < h.a[m].dist {
			m = r
		}
		if m == i {
			break
		}
		h.a[m], h.a[i] = h.a[i], h.a[m]
		i = m
	}
	return top
}
