package coverage

import (
	"fmt"
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
	"github.com/twpayne/go-geos"
)

// radiusGrid is the precision grid (degrees, about 0.1 mm) a cell's
// overlay is snapped to when GEOS's floating overlay fails on it.
const radiusGrid = 1e-9

// radiusRepairCrossings bounds the self-intersections of one land polygon
// that a cell's overlay repairs with MakeValid (its time grows with them).
const radiusRepairCrossings = 10000

// geosPanic is a panic of GEOS (go-geos panics on its exceptions).
type geosPanic struct{ v any }

func (p geosPanic) Error() string { return fmt.Sprint(p.v) }

// overlay runs a cell's unions and intersections: GEOS's floating ones,
// or, with prec > 0, snapped to that grid, the land made valid first.
type overlay struct {
	gc   *geos.Context
	prec float64
	cc   *cContext // the same goroutine's, for centroids (nil: go-geos's)
}

func (ov overlay) union(gs []*geos.Geom) *geos.Geom {
	if len(gs) == 1 {
		return gs[0]
	}
	c := ov.gc.NewCollection(geos.TypeIDGeometryCollection, gs)
	if ov.prec > 0 {
		return c.UnaryUnionPrec(ov.prec)
	}
	return c.UnaryUnion()
}

func (ov overlay) intersection(a, b *geos.Geom) *geos.Geom {
	if ov.prec > 0 {
		return a.IntersectionPrec(b, ov.prec)
	}
	return a.Intersection(b)
}

// valid returns g itself when it is valid or the overlay is the floating
// one (which trusts the store's polygons, validated on import), else the
// polygonal part of MakeValid — refused past radiusRepairCrossings.
func (ov overlay) valid(g *geos.Geom) (*geos.Geom, error) {
	if ov.prec == 0 || g.IsValid() {
		return g, nil
	}
	o, err := wkbGeometry(g)
	if err != nil {
		return nil, err
	}
	if n, ok := geo.Crossings(geo.Polygons(o), radiusRepairCrossings); !ok || n > radiusRepairCrossings {
		return nil, fmt.Errorf("a residential polygon crosses itself at more than %d points; repairing it is refused: simplify it", radiusRepairCrossings)
	}
	mv := g.MakeValid()
	if mv == nil {
		return nil, fmt.Errorf("MakeValid failed")
	}
	return mv, nil
}

// piece is one polygon of a cell's land or covered land (they are
// disjoint), with its bound, a vertex and its area (m²): in Go (o) when
// the land's own polygon, in GEOS (g) when made by it; geom makes the GEOS
// one when an overlay needs it.
type piece struct {
	o    orb.Polygon
	g    *geos.Geom
	b    orb.Bound
	at   orb.Point
	area float64
}

func orbPiece(poly orb.Polygon) piece {
	c, deg := planar.CentroidArea(poly)
	kx, ky := geo.DegreeScale(c[1])
	return piece{o: poly, b: poly.Bound(), at: poly[0][0], area: math.Abs(deg) * kx * ky}
}

func (p *piece) geom(gc *geos.Context) *geos.Geom {
	if p.g == nil {
		g, err := toGEOS(gc, p.o)
		if err != nil {
			panic(err) // a polygon of the store always encodes
		}
		p.g = g
	}
	return p.g
}

// pieces splits a polygonal GEOS geometry into its polygons.
func (ov overlay) pieces(g *geos.Geom) []piece {
	var out []piece
	var walk func(g *geos.Geom)
	walk = func(g *geos.Geom) {
		switch g.TypeID() {
		case geos.TypeIDPolygon:
			if g.IsEmpty() {
				return
			}
			bx := g.Bounds()
			cs := g.ExteriorRing().CoordSeq()
			out = append(out, piece{g: g, b: orb.Bound{Min: orb.Point{bx.MinX, bx.MinY}, Max: orb.Point{bx.MaxX, bx.MaxY}}, at: orb.Point{cs.X(0), cs.Y(0)}, area: ov.cellArea(g)})
		case geos.TypeIDMultiPolygon, geos.TypeIDGeometryCollection:
			for i := 0; i < g.NumGeometries(); i++ {
				walk(g.Geometry(i))
			}
		}
	}
	if g != nil {
		walk(g)
	}
	return out
}

func sumArea(ps []piece) float64 {
	s := 0.0
	for _, p := range ps {
		s += p.area
	}
	return s
}

// indexed is a polygon with its edges indexed: a piece that no edge's
// bound meets lies wholly inside or wholly outside it, and one vertex
// tells which; only the pieces its edges cross need GEOS.
type indexed struct {
	poly   orb.MultiPolygon
	b      orb.Bound
	edges  rtree.RTreeG[struct{}]
	convex orb.Ring // a what-if's radius: its ring when it is convex (convexRing)
}

func newIndexed(mp orb.MultiPolygon) *indexed {
	x := &indexed{poly: mp, b: mp.Bound()}
	for _, p := range mp {
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				e := orb.LineString{r[i-1], r[i]}.Bound()
				x.edges.Insert(e.Min, e.Max, struct{}{})
			}
		}
	}
	return x
}

// crosses reports whether an edge's bound meets b.
func (x *indexed) crosses(b orb.Bound) bool {
	hit := false
	x.edges.Search(b.Min, b.Max, func(_, _ [2]float64, _ struct{}) bool {
		hit = true
		return false
	})
	return hit
}

// unitPart is a unit clipped to a cell.
type unitPart struct {
	*indexed
	g *geos.Geom
}

func newUnitPart(g *geos.Geom) (*unitPart, error) {
	o, err := wkbGeometry(g)
	if err != nil {
		return nil, err
	}
	return &unitPart{indexed: newIndexed(geo.Polygons(o)), g: g}, nil
}

// area is the area of the pieces inside the unit.
func (u *unitPart) area(ov overlay, ps []piece) float64 {
	gc := ov.gc
	s := 0.0
	for _, p := range ps {
		if !p.b.Intersects(u.b) {
			continue
		}
		switch {
		case u.crosses(p.b):
			s += ov.clipMeetArea(p.geom(gc), u.g, p.b)
		case geo.Contains(u.poly, p.at):
			s += p.area
		}
	}
	return s
}

// disjointOrUnion returns the union of the polygons as disjoint pieces.
// Polygons inside another (a building in its block) are left out first;
// GEOS then unions only the groups whose bounds meet, each apart (parcels
// across streets from each other need none).
func disjointOrUnion(ov overlay, polys []piece) []piece {
	gc := ov.gc
	// Largest bounds first, each kept unless one kept holds it.
	sort.SliceStable(polys, func(i, j int) bool {
		bi, bj := polys[i].b, polys[j].b
		return (bi.Max[0]-bi.Min[0])*(bi.Max[1]-bi.Min[1]) > (bj.Max[0]-bj.Min[0])*(bj.Max[1]-bj.Min[1])
	})
	var kept []piece
	var tree rtree.RTreeG[int]
	for _, p := range polys {
		inside := false
		tree.Search(p.b.Min, p.b.Max, func(_, _ [2]float64, k int) bool {
			kb := kept[k].b
			if kb.Min[0] <= p.b.Min[0] && kb.Min[1] <= p.b.Min[1] && kb.Max[0] >= p.b.Max[0] && kb.Max[1] >= p.b.Max[1] && kept[k].geom(gc).Contains(p.geom(gc)) {
				inside = true
				return false
			}
			return true
		})
		if !inside {
			tree.Insert(p.b.Min, p.b.Max, len(kept))
			kept = append(kept, p)
		}
	}
	// Polygons whose bounds meet, in groups (union-find), each group
	// unioned on its own.
	up := make([]int, len(kept))
	for i := range up {
		up[i] = i
	}
	root := func(i int) int {
		for up[i] != i {
			up[i] = up[up[i]]
			i = up[i]
		}
		return i
	}
	order := make([]int, len(kept))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return kept[order[i]].b.Min[0] < kept[order[j]].b.Min[0] })
	for x, i := range order {
		for _, j := range order[x+1:] {
			if kept[j].b.Min[0] > kept[i].b.Max[0] {
				break
			}
			if kept[j].b.Min[1] <= kept[i].b.Max[1] && kept[i].b.Min[1] <= kept[j].b.Max[1] {
				up[root(j)] = root(i)
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range kept {
		r := root(i)
		if groups[r] == nil {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	var out []piece
	for _, r := range roots {
		g := groups[r]
		if len(g) == 1 {
			out = append(out, kept[g[0]])
			continue
		}
		gs := make([]*geos.Geom, len(g))
		for k, i := range g {
			gs[k] = kept[i].geom(gc)
		}
		out = append(out, ov.pieces(ov.union(gs))...)
	}
	return out
}

// cellArea is the area (m²) on the ellipsoid of the polygons of a lon/lat
// geometry no larger than a cell (0 for nil or empty): its area in square
// degrees times the ellipsoid's scales at its centroid's latitude, which
// over a cell differs from the geodesic area by a part in 10⁸.
func (ov overlay) cellArea(g *geos.Geom) float64 {
	if g == nil || g.IsEmpty() {
		return 0
	}
	deg := g.Area()
	if deg == 0 {
		return 0
	}
	var y float64
	if ov.cc != nil {
		y = ov.cc.centroidY(g)
	} else {
		y = g.Centroid().Y()
	}
	kx, ky := geo.DegreeScale(y)
	return deg * kx * ky
}

// clipMeetArea is the cellArea of p's intersection with u clipped to b.
func (ov overlay) clipMeetArea(p, u *geos.Geom, b orb.Bound) float64 {
	if ov.cc != nil {
		return ov.cc.clipMeetArea(p, u, b, ov.prec)
	}
	return ov.cellArea(ov.intersection(p, u.ClipByRect(b.Min[0], b.Min[1], b.Max[0], b.Max[1])))
}

// convexRing returns the polygonal g's only ring counter-clockwise when g
// is one convex polygon without holes (the ground buffer of a convex park
// is one), else nil.
func convexRing(g orb.MultiPolygon) orb.Ring {
	if len(g) != 1 || len(g[0]) != 1 || len(g[0][0]) < 4 {
		return nil
	}
	r := g[0][0]
	if !r.Closed() {
		return nil
	}
	sign := 0.0
	n := len(r) - 1
	for i := 0; i < n; i++ {
		a, b, c := r[i], r[(i+1)%n], r[(i+2)%n]
		x := (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0])
		switch {
		case x == 0:
		case sign == 0:
			sign = x
		case (x > 0) != (sign > 0):
			return nil
		}
	}
	if sign == 0 {
		return nil
	}
	if sign < 0 {
		rev := make(orb.Ring, len(r))
		for i := range r {
			rev[i] = r[len(r)-1-i]
		}
		return rev
	}
	return r
}

// convexClipArea is cellArea of polygon p's part within the convex ring c
// (counter-clockwise, closed), worked out in Go: each ring of p is clipped
// by c's edges in turn (Sutherland–Hodgman). A clipped ring may keep
// zero-width spurs along c's edges, which add no area, so its signed area
// and first moment are those of the ring's part within c. Coordinates are
// taken from c's first vertex, so that the products keep their precision.
func convexClipArea(p orb.Polygon, c orb.Ring) float64 {
	o := c[0]
	rel := func(q orb.Point) orb.Point { return orb.Point{q[0] - o[0], q[1] - o[1]} }
	cr := make([]orb.Point, len(c))
	for i, q := range c {
		cr[i] = rel(q)
	}
	var area, my float64 // square degrees and their first moment in y
	var buf, next []orb.Point
	for k, r := range p {
		if len(r) < 4 {
			continue
		}
		buf = buf[:0]
		for _, q := range r[:len(r)-1] {
			buf = append(buf, rel(q))
		}
		ra, _ := ringMoments(append(buf, buf[0]))
		buf = buf[:len(r)-1]
		if ra == 0 {
			continue
		}
		for i := 0; i+1 < len(cr) && len(buf) > 0; i++ {
			next = clipHalf(next[:0], buf, cr[i], cr[i+1])
			buf, next = next, buf
		}
		if len(buf) < 3 {
			continue
		}
		a, m := ringMoments(append(buf, buf[0]))
		// Outer rings count positive, holes negative, whichever way p's
		// rings run.
		s := 1.0
		if (ra < 0) != (k > 0) {
			s = -1
		}
		area += s * a
		my += s * m
	}
	if area <= 0 {
		return 0
	}
	kx, ky := geo.DegreeScale(o[1] + my/area)
	return area * kx * ky
}

// clipHalf appends to out the ring pts (open) clipped to the left of the
// directed line a→b.
func clipHalf(out, pts []orb.Point, a, b orb.Point) []orb.Point {
	side := func(p orb.Point) float64 { return (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0]) }
	prev := pts[len(pts)-1]
	sp := side(prev)
	for _, cur := range pts {
		sc := side(cur)
		if (sc >= 0) != (sp >= 0) {
			t := sp / (sp - sc)
			out = append(out, orb.Point{prev[0] + t*(cur[0]-prev[0]), prev[1] + t*(cur[1]-prev[1])})
		}
		if sc >= 0 {
			out = append(out, cur)
		}
		prev, sp = cur, sc
	}
	return out
}

// ringMoments returns a closed ring's signed area (counter-clockwise
// positive) and its first moment in y.
func ringMoments(r []orb.Point) (area, my float64) {
	for i := 1; i < len(r); i++ {
		p, q := r[i-1], r[i]
		x := p[0]*q[1] - q[0]*p[1]
		area += x
		my += (p[1] + q[1]) * x
	}
	return area / 2, my / 6
}
