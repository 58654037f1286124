package cql2

import (
	"github.com/paulmach/orb"
)

// The spatial predicates are computed in the plane of the coordinates (as
// PostGIS does on geometry columns), in pure Go: a cgo GEOS call cannot be
// cancelled, and these loops are bounded by the vertices of the literal
// (Limits.Vertices) times those of one feature.

// parts splits g into its points, lines (as point paths) and polygons.
func parts(g orb.Geometry) (pts []orb.Point, lines [][]orb.Point, polys []orb.Polygon) {
	var walk func(orb.Geometry)
	walk = func(g orb.Geometry) {
		switch x := g.(type) {
		case orb.Point:
			pts = append(pts, x)
		case orb.MultiPoint:
			pts = append(pts, x...)
		case orb.LineString:
			lines = append(lines, x)
		case orb.MultiLineString:
			for _, l := range x {
				lines = append(lines, l)
			}
		case orb.Ring:
			polys = append(polys, orb.Polygon{x})
		case orb.Polygon:
			polys = append(polys, x)
		case orb.MultiPolygon:
			polys = append(polys, x...)
		case orb.Bound:
			polys = append(polys, x.ToPolygon())
		case orb.Collection:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(g)
	return
}

// paths are every line and ring of g as point paths, and every vertex.
func paths(lines [][]orb.Point, polys []orb.Polygon) [][]orb.Point {
	out := append([][]orb.Point(nil), lines...)
	for _, p := range polys {
		for _, r := range p {
			out = append(out, r)
		}
	}
	return out
}

// Intersects reports whether a and b share a point (closed sets: touching
// counts).
func Intersects(a, b orb.Geometry) bool {
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	apts, alines, apolys := parts(a)
	bpts, blines, bpolys := parts(b)
	ap, bp := paths(alines, apolys), paths(blines, bpolys)
	// Boundaries (or lines) that meet.
	for _, s := range ap {
		sb := pathBound(s)
		for _, t := range bp {
			if sb.Intersects(pathBound(t)) && pathsMeet(s, t) {
				return true
			}
		}
	}
	// Points on lines or boundaries, or equal points.
	for _, p := range apts {
		if onAny(p, bp) || containsPt(bpts, p) || inAnyPolygon(p, bpolys) {
			return true
		}
	}
	for _, p := range bpts {
		if onAny(p, ap) || inAnyPolygon(p, apolys) {
			return true
		}
	}
	// With no boundary crossing, a part lies wholly inside a polygon of
	// the other if any one of its vertices does.
	for _, s := range ap {
		if len(s) > 0 && inAnyPolygon(s[0], bpolys) {
			return true
		}
	}
	for _, t := range bp {
		if len(t) > 0 && inAnyPolygon(t[0], apolys) {
			return true
		}
	}
	return false
}

// Within reports whether a lies inside the polygons of b: every vertex and
// segment midpoint of a in b (boundary included), no edge of a crossing
// b's boundary, and no hole of b inside a. It is exact in general
// position; b must be polygonal (Compile checks).
func Within(a, b orb.Geometry) bool {
	ab, bb := a.Bound(), b.Bound()
	if !bb.Contains(ab.Min) || !bb.Contains(ab.Max) {
		return false
	}
	apts, alines, apolys := parts(a)
	_, _, bpolys := parts(b)
	if len(bpolys) == 0 {
		return false
	}
	bp := paths(nil, bpolys)
	bpBounds := make([]orb.Bound, len(bp))
	for i, t := range bp {
		bpBounds[i] = pathBound(t)
	}
	for _, p := range apts {
		if !inAnyPolygon(p, bpolys) {
			return false
		}
	}
	for _, s := range paths(alines, apolys) {
		for i, p := range s {
			if !inAnyPolygon(p, bpolys) {
				return false
			}
			if i == 0 {
				continue
			}
			q := s[i-1]
			if !inAnyPolygon(orb.Point{(p[0] + q[0]) / 2, (p[1] + q[1]) / 2}, bpolys) {
				return false
			}
			sb := orb.Bound{Min: q, Max: q}.Extend(p)
			for k, t := range bp {
				if !sb.Intersects(bpBounds[k]) {
					continue
				}
				for j := 1; j < len(t); j++ {
					c, d := t[j-1], t[j]
					if sb.Intersects(orb.Bound{Min: c, Max: c}.Extend(d)) && properCross(q, p, c, d) {
						return false
					}
				}
			}
		}
	}
	// A hole (or a separate part) of b inside a polygon of a: a covers
	// ground b does not.
	for _, pg := range bpolys {
		for _, h := range pg[1:] {
			for _, p := range h {
				if inAnyPolygonStrict(p, apolys) {
					return false
				}
			}
		}
	}
	return true
}

func pathBound(s []orb.Point) orb.Bound {
	b := orb.Bound{Min: s[0], Max: s[0]}
	for _, p := range s[1:] {
		b = b.Extend(p)
	}
	return b
}

func pathsMeet(s, t []orb.Point) bool {
	if len(s) == 1 || len(t) == 1 {
		return false
	}
	for i := 1; i < len(s); i++ {
		a, b := s[i-1], s[i]
		sb := orb.Bound{Min: a, Max: a}.Extend(b)
		for j := 1; j < len(t); j++ {
			c, d := t[j-1], t[j]
			if !sb.Intersects(orb.Bound{Min: c, Max: c}.Extend(d)) {
				continue
			}
			if segmentsMeet(a, b, c, d) {
				return true
			}
		}
	}
	return false
}

func containsPt(ps []orb.Point, p orb.Point) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func onAny(p orb.Point, ps [][]orb.Point) bool {
	for _, s := range ps {
		for i := 1; i < len(s); i++ {
			if orient(s[i-1], s[i], p) == 0 && onSegment(s[i-1], s[i], p) {
				return true
			}
		}
	}
	return false
}

// inAnyPolygon: p inside or on the boundary of one of the polygons.
func inAnyPolygon(p orb.Point, polys []orb.Polygon) bool {
	for _, pg := range polys {
		if inPolygon(p, pg, true) {
			return true
		}
	}
	return false
}

// inAnyPolygonStrict: p in the interior of one of the polygons.
func inAnyPolygonStrict(p orb.Point, polys []orb.Polygon) bool {
	for _, pg := range polys {
		if inPolygon(p, pg, false) {
			return true
		}
	}
	return false
}

// inPolygon: p inside the outer ring and outside the holes; boundary
// points count when closed.
func inPolygon(p orb.Point, pg orb.Polygon, closed bool) bool {
	if len(pg) == 0 {
		return false
	}
	for i, r := range pg {
		if onAny(p, [][]orb.Point{r}) {
			return closed
		}
		in := inRing(p, r)
		if i == 0 && !in || i > 0 && in {
			return false
		}
	}
	return true
}

// inRing is the even-odd rule (p not on the ring).
func inRing(p orb.Point, r orb.Ring) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// segmentsMeet: segments ab and cd share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	d1, d2 := sign(orient(c, d, a)), sign(orient(c, d, b))
	d3, d4 := sign(orient(a, b, c)), sign(orient(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSegment(c, d, a) || d2 == 0 && onSegment(c, d, b) ||
		d3 == 0 && onSegment(a, b, c) || d4 == 0 && onSegment(a, b, d)
}

// properCross: ab and cd cross at one point interior to both.
func properCross(a, b, c, d orb.Point) bool {
	d1, d2 := sign(orient(c, d, a)), sign(orient(c, d, b))
	d3, d4 := sign(orient(a, b, c)), sign(orient(a, b, d))
	return d1*d2 < 0 && d3*d4 < 0
}
