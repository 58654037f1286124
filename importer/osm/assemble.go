package osm

import (
	"fmt"
	"slices"

	"github.com/greenreach/greenreach/geo/repair"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	posm "github.com/paulmach/osm"
)

// polygonRelation reports whether a relation type is assembled into
// polygons. "polygon" is not a standard type but is sometimes used for
// "multipolygon".
func polygonRelation(typ string) bool {
	switch typ {
	case "multipolygon", "boundary", "polygon":
		return true
	}
	return false
}

// relation builds a relation's element: a multipolygon assembled from its
// outer and inner way members, or why that cannot be done.
func (b *builder) relation(r relRec) *element {
	e := &element{sid: fmt.Sprintf("r%d", r.id), tags: r.tags, relTyp: r.tags.Find("type")}
	if e.relTyp == "" {
		e.relTyp = "(none)"
	}
	if !polygonRelation(e.relTyp) {
		e.kind = gLine // not a polygon: geometry() names the relation type
		return e
	}
	mp, reason := b.assemble(r)
	if reason != "" {
		e.kind, e.reason = gBroken, reason
		return e
	}
	e.kind, e.poly = gPolygon, mp
	return e
}

// assemble joins the outer and inner ways of a relation into rings and
// puts every inner ring into the smallest outer ring that contains it.
// A missing member way or node, or a ring that does not close, makes the
// relation incomplete: a cut-out extract keeps relations whose ways lie
// partly outside it — either listing members it does not hold, or (osmconvert
// style) dropping the references to what it cut away, which leaves rings
// open — and a polygon built from what is left would be wrong.
func (b *builder) assemble(r relRec) (orb.MultiPolygon, string) {
	var outer, inner [][]posm.NodeID
	for _, m := range r.members {
		if m.Type != posm.TypeWay {
			continue
		}
		var dst *[][]posm.NodeID
		switch m.Role {
		case "outer", "":
			dst = &outer
		case "inner":
			dst = &inner
		default:
			continue
		}
		w := b.d.ways[posm.WayID(m.Ref)]
		if w == nil {
			return nil, ReasonIncompleteRelation
		}
		for _, n := range w.nodes {
			if _, ok := b.d.coords[n]; !ok {
				return nil, ReasonIncompleteRelation
			}
		}
		if len(w.nodes) >= 2 {
			*dst = append(*dst, w.nodes)
		}
	}
	if len(outer) == 0 {
		return nil, ReasonNoOuter
	}
	outerRings, ok := joinRings(outer)
	if !ok {
		return nil, ReasonIncompleteRelation
	}
	innerRings, ok := joinRings(inner)
	if !ok {
		return nil, ReasonIncompleteRelation
	}
	type poly struct {
		p    orb.Polygon
		area float64
	}
	polys := make([]*poly, 0, len(outerRings))
	for _, ids := range outerRings {
		ring := b.ring(ids)
		polys = append(polys, &poly{p: orb.Polygon{ring}, area: planar.Area(ring)})
	}
	bySize := slices.Clone(polys)
	slices.SortStableFunc(bySize, func(x, y *poly) int {
		switch {
		case x.area < y.area:
			return -1
		case x.area > y.area:
			return 1
		}
		return 0
	})
	for _, ids := range innerRings {
		ring := b.ring(ids)
		for _, p := range bySize {
			if ringInside(ring, p.p[0]) {
				p.p = append(p.p, ring)
				break
			}
		}
		// an inner ring inside no outer ring is dropped
	}
	mp := make(orb.MultiPolygon, 0, len(polys))
	for _, p := range polys {
		repair.Orient(p.p)
		mp = append(mp, p.p)
	}
	return mp, ""
}

func (b *builder) ring(ids []posm.NodeID) orb.Ring {
	r := make(orb.Ring, len(ids))
	for i, id := range ids {
		r[i] = b.d.coords[id]
	}
	return r
}

// ringInside reports whether inner lies inside outer, judged by its
// vertices: inside if one is strictly inside (touching vertices are on the
// boundary and do not decide).
func ringInside(inner, outer orb.Ring) bool {
	if !outer.Bound().Contains(inner.Bound().Min) || !outer.Bound().Contains(inner.Bound().Max) {
		return false
	}
	for _, p := range inner {
		if onRing(p, outer) {
			continue
		}
		return planar.RingContains(outer, p)
	}
	// every vertex on the outer ring: test the centroid
	c, _ := planar.CentroidArea(inner)
	return planar.RingContains(outer, c)
}

func onRing(p orb.Point, r orb.Ring) bool {
	for _, q := range r {
		if p == q {
			return true
		}
	}
	return false
}

// joinRings joins way node lists into closed rings by their end nodes. It
// fails when a ring cannot be closed.
func joinRings(segs [][]posm.NodeID) ([][]posm.NodeID, bool) {
	var rings [][]posm.NodeID
	used := make([]bool, len(segs))
	ends := map[posm.NodeID][]int{}
	for i, s := range segs {
		if s[0] == s[len(s)-1] {
			rings = append(rings, slices.Clone(s))
			used[i] = true
			continue
		}
		ends[s[0]] = append(ends[s[0]], i)
		ends[s[len(s)-1]] = append(ends[s[len(s)-1]], i)
	}
	for i, s := range segs {
		if used[i] {
			continue
		}
		used[i] = true
		cur := slices.Clone(s)
		for cur[0] != cur[len(cur)-1] {
			last := cur[len(cur)-1]
			next := -1
			for _, j := range ends[last] {
				if !used[j] {
					next = j
					break
				}
			}
			if next < 0 {
				return nil, false
			}
			used[next] = true
			t := segs[next]
			if t[0] == last {
				cur = append(cur, t[1:]...)
			} else {
				for k := len(t) - 2; k >= 0; k-- {
					cur = append(cur, t[k])
				}
			}
		}
		rings = append(rings, cur)
	}
	return rings, true
}
