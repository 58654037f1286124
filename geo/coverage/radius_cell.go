package coverage

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
	"github.com/twpayne/go-geos"
)

// RadiusCell is the side, in degrees, of the grid cells the radius rule's
// overlay is cut into: each cell unions only the land and the radii that
// reach it, so no GEOS call sees more than a cell's worth of geometry.
const RadiusCell = 0.01

// radiusWorkers bounds the goroutines (each with its own GEOS context) an
// audit's radius overlay runs on.
const radiusWorkers = 4

// radiusCells is what a radius rule's cells are overlaid from: the
// residential land, the radii and the units reported on.
type radiusCells struct {
	units []*Unit // the units reported on, the city first
	land  rtree.RTreeG[orb.Geometry]
	bufs  []*indexed // the radii, with their edges indexed
	btree rtree.RTreeG[int]
}

// radiusCellArea is one cell's land and covered land (m²), in total and
// per unit (indexes into radiusCells.units; the city, 0, is the total).
type radiusCellArea struct {
	ix, iy         int
	prec           float64 // the overlay's grid (0: floating)
	land, covered  float64
	unit           []int
	uland, ucovers []float64
}

func (c *radiusCellArea) bound() orb.Bound {
	return orb.Bound{Min: orb.Point{float64(c.ix) * RadiusCell, float64(c.iy) * RadiusCell}, Max: orb.Point{float64(c.ix+1) * RadiusCell, float64(c.iy+1) * RadiusCell}}
}

// cellsOf lists the grid cells a bound touches.
func cellsOf(b orb.Bound) [][2]int {
	x0, y0 := int(math.Floor(b.Min[0]/RadiusCell)), int(math.Floor(b.Min[1]/RadiusCell))
	x1, y1 := int(math.Floor(b.Max[0]/RadiusCell)), int(math.Floor(b.Max[1]/RadiusCell))
	var out [][2]int
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			out = append(out, [2]int{x, y})
		}
	}
	return out
}

// measure fills cells[which] with their land and covered land, the radii
// being rc.bufs and extra. With prev (the audit's cells, a what-if's
// extra radii adding only coverage), each unit's land in a cell is taken
// from prev[i] when overlaid the same way rather than overlaid again. The
// cells are handed to the workers one at a time and the context looked at
// before each (by this goroutine only, so the deadline is seen once and in
// order).
func (rc *radiusCells) measure(ctx context.Context, cells []radiusCellArea, which []int, extra []*indexed, prev []radiusCellArea) error {
	var etree rtree.RTreeG[int]
	for i, x := range extra {
		etree.Insert(x.b.Min, x.b.Max, i)
	}
	workers := min(radiusWorkers, runtime.GOMAXPROCS(0), len(which))
	jobs := make(chan int)
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			gc := geos.NewContext()
			var first error
			for i := range jobs {
				if first != nil {
					continue
				}
				var p *radiusCellArea
				if prev != nil {
					p = &prev[i]
				}
				first = rc.measureCell(gc, &cells[i], extra, &etree, p)
			}
			errs <- first
		}()
	}
	var err error
	for _, i := range which {
		if err = ctx.Err(); err != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	for w := 0; w < workers; w++ {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return err
}

// measureCell overlays one cell (overlayCell). Should GEOS's floating
// overlay throw (TopologyException on land whose rings cross or touch
// themselves, or on near-coincident edges), the cell is overlaid again with
// its land made valid and every union and intersection snapped to
// radiusGrid, which GEOS's OverlayNG carries out robustly.
func (rc *radiusCells) measureCell(gc *geos.Context, c *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int], prev *radiusCellArea) error {
	at := *c
	if prev != nil && prev.prec == 0 && prev.ix == c.ix && prev.iy == c.iy {
		if rc.deltaCell(overlay{gc: gc}, c, prev, extra, etree) == nil {
			return nil
		}
		*c = at
	}
	err := rc.overlayCell(overlay{gc: gc}, c, extra, etree, prev)
	if _, ok := err.(geosPanic); ok {
		*c = at
		err = rc.overlayCell(overlay{gc: gc, prec: radiusGrid}, c, extra, etree, prev)
	}
	if err != nil {
		return fmt.Errorf("GEOS overlay of the cell at %.2f,%.2f: %w", float64(c.ix)*RadiusCell, float64(c.iy)*RadiusCell, err)
	}
	return nil
}

// deltaCell measures a cell a what-if's extra radii reach from the
// audit's measure of it (prev): the land is the same, and the covered land
// grows by the land inside the extra radii and outside the old ones, which
// only the land reaching the extra radii's bounds is overlaid for. Any
// error (a GEOS exception) leaves the cell to overlayCell.
func (rc *radiusCells) deltaCell(ov overlay, c *radiusCellArea, prev *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	cb := c.bound()
	lands := rc.deltaLand(cb, extra, etree)
	*c = *prev
	if len(lands) == 0 {
		return nil
	}
	clips := radiusClips{gc: ov.gc, made: map[*indexed]*geos.Geom{}}
	var add []piece
	var oldX, newX []*indexed
	for _, p := range disjointOrUnion(ov, lands) {
		var inOld, inNew bool
		if oldX, inOld = sortRadii(&rc.btree, rc.bufs, p.b, p.at, oldX[:0]); inOld {
			continue
		}
		if newX, inNew = sortRadii(etree, extra, p.b, p.at, newX[:0]); !inNew && len(newX) == 0 {
			continue
		}
		g, err := clips.newLand(ov, &p, cb, inNew, newX)
		if err != nil {
			return err
		}
		if g == nil {
			continue
		}
		if g, err = clips.withoutOld(g, oldX); err != nil {
			return err
		}
		if g != nil {
			add = append(add, pieces(g)...)
		}
	}
	if len(add) == 0 {
		return nil
	}
	return rc.addCovered(ov, c, prev, add)
}

// deltaLand lists the land's polygons within the cell (cb) and the extra
// radii's bounds that an extra radius's bound reaches. They stay whole;
// each piece's overlay is cut to the cell later.
func (rc *radiusCells) deltaLand(cb orb.Bound, extra []*indexed, etree *rtree.RTreeG[int]) []piece {
	sb := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, x := range extra {
		sb = sb.Union(x.b)
	}
	sb = boundIn(sb, cb)
	var lands []piece
	rc.land.Search(sb.Min, sb.Max, func(_, _ [2]float64, g orb.Geometry) bool {
		for _, poly := range geo.Polygons(g) {
			if len(poly) == 0 || len(poly[0]) < 4 {
				continue
			}
			if pb := poly.Bound(); pb.Intersects(sb) && meetsAny(etree, pb) {
				lands = append(lands, piece{o: poly, b: pb, at: poly[0][0]})
			}
		}
		return true
	})
	return lands
}

// meetsAny reports whether a bound in tree meets b.
func meetsAny(tree *rtree.RTreeG[int], b orb.Bound) bool {
	hit := false
	tree.Search(b.Min, b.Max, func(_, _ [2]float64, _ int) bool {
		hit = true
		return false
	})
	return hit
}

// boundIn is the part of bound b within the cell's bound cb.
func boundIn(b, cb orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{math.Max(b.Min[0], cb.Min[0]), math.Max(b.Min[1], cb.Min[1])}, Max: orb.Point{math.Min(b.Max[0], cb.Max[0]), math.Min(b.Max[1], cb.Max[1])}}
}

// geomBound is a GEOS geometry's bound.
func geomBound(g *geos.Geom) orb.Bound {
	x := g.Bounds()
	return orb.Bound{Min: orb.Point{x.MinX, x.MinY}, Max: orb.Point{x.MaxX, x.MaxY}}
}

// sortRadii sorts the radii that tree (indexes into radii) finds over a
// piece's bound b: it appends to crossing those whose edges cross b, and
// reports inside (stopping there) when one holds the piece wholly, which
// the piece's vertex at tells when no edge crosses b.
func sortRadii(tree *rtree.RTreeG[int], radii []*indexed, b orb.Bound, at orb.Point, crossing []*indexed) ([]*indexed, bool) {
	inside := false
	tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int) bool {
		x := radii[i]
		switch {
		case x.crosses(b):
			crossing = append(crossing, x)
		case geo.Contains(x.poly, at):
			inside = true
			return false
		}
		return true
	})
	return crossing, inside
}

// radiusClips makes each radius's GEOS geometry once per cell (the same
// radii cross many of its land pieces), clipped to the cell when cell is
// set, and cuts it to a piece's bound.
type radiusClips struct {
	gc   *geos.Context
	cell *orb.Bound
	made map[*indexed]*geos.Geom
}

func (cl *radiusClips) clipTo(x *indexed, b orb.Bound) (*geos.Geom, error) {
	g, ok := cl.made[x]
	if !ok {
		var err error
		if cl.cell != nil {
			g, err = clipToCell(cl.gc, x.poly, *cl.cell)
		} else {
			g, err = toGEOS(cl.gc, x.poly)
		}
		if err != nil {
			return nil, err
		}
		cl.made[x] = g
	}
	return g.ClipByRect(b.Min[0], b.Min[1], b.Max[0], b.Max[1]), nil
}

// newLand is the part of piece p within the cell (cb) that the extra radii
// cover: all of it when one holds it (inNew), else its overlay with those
// crossing it (newX); nil when none.
func (cl *radiusClips) newLand(ov overlay, p *piece, cb orb.Bound, inNew bool, newX []*indexed) (*geos.Geom, error) {
	r := boundIn(p.b, cb)
	g := p.geom(cl.gc)
	if inNew {
		if r != p.b {
			if g = g.ClipByRect(r.Min[0], r.Min[1], r.Max[0], r.Max[1]); g == nil || g.IsEmpty() {
				return nil, nil
			}
		}
		return g, nil
	}
	var bs []*geos.Geom
	for _, x := range newX {
		b, err := cl.clipTo(x, r)
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	if g = ov.intersection(g, ov.union(bs)); g == nil || g.IsEmpty() {
		return nil, nil
	}
	return g, nil
}

// withoutOld takes the old radii that cross a piece (oldX) off g, the land
// the extra radii cover there; nil when an old radius holds all of it.
// They are tested again against g's own bound, and then, one at a time,
// against what is left (most land is gone after the first).
func (cl *radiusClips) withoutOld(g *geos.Geom, oldX []*indexed) (*geos.Geom, error) {
	gb := geomBound(g)
	at := gb.Center() // no radius crossing gb: all of it on one side
	cut := oldX[:0]
	for _, x := range oldX {
		switch {
		case x.crosses(gb):
			cut = append(cut, x)
		case geo.Contains(x.poly, at):
			return nil, nil
		}
	}
	for i, x := range cut {
		if i > 0 {
			gb = geomBound(g)
			if !x.crosses(gb) {
				if geo.Contains(x.poly, gb.Center()) {
					return nil, nil
				}
				continue
			}
		}
		b, err := cl.clipTo(x, gb)
		if err != nil {
			return nil, err
		}
		if g = g.Difference(b); g == nil || g.IsEmpty() {
			return nil, nil
		}
	}
	return g, nil
}

// addCovered adds the newly covered pieces (add) to the cell's covered
// land (c, a copy of prev), in total and within each unit they reach.
func (rc *radiusCells) addCovered(ov overlay, c, prev *radiusCellArea, add []piece) error {
	cb := c.bound()
	c.covered += sumArea(add)
	c.ucovers = append([]float64(nil), prev.ucovers...)
	cellDeg := (cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1])
	ab := add[0].b
	for _, p := range add[1:] {
		ab = ab.Union(p.b)
	}
	for k, ui := range c.unit {
		u := rc.units[ui]
		if !u.Geom.Bound().Intersects(ab) {
			continue // none of the new covered land is in the unit
		}
		ug, err := toGEOS(ov.gc, u.Geom)
		if err != nil {
			return err
		}
		ug = ug.ClipByRect(cb.Min[0], cb.Min[1], cb.Max[0], cb.Max[1])
		if ug.Area() >= cellDeg*(1-1e-12) {
			c.ucovers[k] += sumArea(add)
			continue
		}
		in, err := newUnitPart(ug)
		if err != nil {
			return err
		}
		c.ucovers[k] += in.area(ov, add)
	}
	return nil
}

// overlayCell overlays one cell: the union of the land clipped to it, and
// of each of its polygons the part inside the radii (whole when inside
// one, nothing when outside all, else overlaid with the radii crossing
// it); then both land and covered land within each unit reaching the cell.
// The overlay is in lon/lat, as PostGIS's on geometry(4326); areas on the
// ellipsoid. A unit's land is prev's when prev (the same cell, the same
// land) was overlaid on the same grid: the same GEOS calls on the same
// pieces would give it again.
func (rc *radiusCells) overlayCell(ov overlay, c *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int], prev *radiusCellArea) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	cb := c.bound()
	lands, err := rc.cellLand(ov, cb)
	if err != nil {
		return err
	}
	*c = radiusCellArea{ix: c.ix, iy: c.iy, prec: ov.prec}
	if prev != nil && (prev.prec != ov.prec || prev.ix != c.ix || prev.iy != c.iy) {
		prev = nil
	}
	if len(lands) == 0 {
		return nil
	}
	landP := disjointOrUnion(ov, lands)
	c.land = sumArea(landP)
	covP, err := rc.coveredLand(ov, cb, landP, extra, etree)
	if err != nil {
		return err
	}
	c.covered = sumArea(covP)
	return rc.unitLand(ov, c, prev, landP, covP)
}

// clipToCell is g in GEOS, clipped to the cell's bound cb unless within it.
func clipToCell(gc *geos.Context, g orb.Geometry, cb orb.Bound) (*geos.Geom, error) {
	x, err := toGEOS(gc, g)
	if err != nil {
		return nil, err
	}
	gb := g.Bound()
	if gb.Min[0] >= cb.Min[0] && gb.Min[1] >= cb.Min[1] && gb.Max[0] <= cb.Max[0] && gb.Max[1] <= cb.Max[1] {
		return x, nil
	}
	return x.ClipByRect(cb.Min[0], cb.Min[1], cb.Max[0], cb.Max[1]), nil
}

// cellLand lists the land's polygons in the cell (cb): whole ones stay in
// Go; those the cell's edges cut are clipped by GEOS (and all of them made
// valid on a snapped overlay).
func (rc *radiusCells) cellLand(ov overlay, cb orb.Bound) ([]piece, error) {
	var lands []piece
	var err error
	rc.land.Search(cb.Min, cb.Max, func(_, _ [2]float64, g orb.Geometry) bool {
		for _, poly := range geo.Polygons(g) {
			pb := poly.Bound()
			if len(poly) == 0 || len(poly[0]) < 4 || !pb.Intersects(cb) {
				continue
			}
			whole := pb.Min[0] >= cb.Min[0] && pb.Min[1] >= cb.Min[1] && pb.Max[0] <= cb.Max[0] && pb.Max[1] <= cb.Max[1]
			if whole && ov.prec == 0 {
				lands = append(lands, orbPiece(poly))
				continue
			}
			var ps []piece
			if ps, err = cutLand(ov, poly, cb, whole); err != nil {
				return false
			}
			lands = append(lands, ps...)
		}
		return true
	})
	return lands, err
}

// cutLand is a land polygon in GEOS, made valid, and clipped to the cell
// (cb) unless whole within it.
func cutLand(ov overlay, poly orb.Polygon, cb orb.Bound, whole bool) ([]piece, error) {
	x, err := toGEOS(ov.gc, poly)
	if err != nil {
		return nil, err
	}
	if x, err = ov.valid(x); err != nil {
		return nil, err
	}
	if !whole {
		// ClipByRect's result may be invalid: checked again.
		if x, err = ov.valid(x.ClipByRect(cb.Min[0], cb.Min[1], cb.Max[0], cb.Max[1])); err != nil {
			return nil, err
		}
	}
	return pieces(x), nil
}

// coveredLand is the land (landP) inside the radii: each piece inside a
// radius, outside all, or crossed by some — only those crossing it are
// overlaid with it.
func (rc *radiusCells) coveredLand(ov overlay, cb orb.Bound, landP []piece, extra []*indexed, etree *rtree.RTreeG[int]) ([]piece, error) {
	var covP []piece
	var crossing []*indexed
	clips := radiusClips{gc: ov.gc, cell: &cb, made: map[*indexed]*geos.Geom{}}
	for _, p := range landP {
		var inside bool
		crossing, inside = sortRadii(&rc.btree, rc.bufs, p.b, p.at, crossing[:0])
		if !inside {
			crossing, inside = sortRadii(etree, extra, p.b, p.at, crossing)
		}
		switch {
		case inside:
			covP = append(covP, p)
		case len(crossing) > 0:
			var bs []*geos.Geom
			for _, x := range crossing {
				g, err := clips.clipTo(x, p.b)
				if err != nil {
					return nil, err
				}
				bs = append(bs, g)
			}
			covP = append(covP, pieces(ov.intersection(p.geom(ov.gc), ov.union(bs)))...)
		}
	}
	return covP, nil
}

// unitLand fills the cell's land and covered land within each unit
// reaching it (the city, unit 0, is the cell's total).
func (rc *radiusCells) unitLand(ov overlay, c, prev *radiusCellArea, landP, covP []piece) error {
	cb := c.bound()
	cellDeg := (cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1])
	for ui, u := range rc.units {
		if ui == 0 || !u.Geom.Bound().Intersects(cb) {
			continue
		}
		ug, err := clipToCell(ov.gc, u.Geom, cb)
		if err != nil {
			return err
		}
		if ug.IsEmpty() {
			continue
		}
		ul, uc := c.land, c.covered
		if ug.Area() < cellDeg*(1-1e-12) { // the unit does not hold the whole cell
			in, err := newUnitPart(ug)
			if err != nil {
				return err
			}
			if k := len(c.unit); prev != nil && k < len(prev.unit) && prev.unit[k] == ui {
				ul = prev.uland[k]
			} else {
				ul = in.area(ov, landP)
			}
			switch {
			case c.covered == 0 || ul == 0:
				uc = 0
			case c.covered == c.land:
				uc = ul
			default:
				uc = in.area(ov, covP)
			}
		}
		c.unit = append(c.unit, ui)
		c.uland = append(c.uland, ul)
		c.ucovers = append(c.ucovers, uc)
	}
	return nil
}
