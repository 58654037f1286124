package coverage

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
	"github.com/tidwall/rtree"
	"github.com/twpayne/go-geos"
)

// RadiusCell is the side, in degrees, of the grid cells the radius rule's
// overlay is cut into: each cell unions only the land and the radii that
// reach it, so no GEOS call sees more than a cell's worth of geometry.
const RadiusCell = 0.01

// radiusQuadSegs is the segments per quarter circle of a radius's buffer,
// as PostGIS ST_Buffer's default.
const radiusQuadSegs = 8

// radiusGrid is the precision grid (degrees, about 0.1 mm) a cell's
// overlay is snapped to when GEOS's floating overlay fails on it.
const radiusGrid = 1e-9

// radiusRepairCrossings bounds the self-intersections of one land polygon
// that a cell's overlay repairs with MakeValid (its time grows with them).
const radiusRepairCrossings = 10000

// radiusWorkers bounds the goroutines (each with its own GEOS context) an
// audit's radius overlay runs on.
const radiusWorkers = 4

// radiusCoverage is GB/T 50563's method: the share of residential land
// (residentialLand) lying inside the union of the targets' service radii
// (each target buffered on the ground by the radius of the largest tier its
// area reaches), per unit on the land clipped to the unit. Each parcel's
// Distance is still the straight line from its inside point to the nearest
// radius it lies in (+Inf: none), for maps and the failing list.
func (a *Audit) radiusCoverage(ctx context.Context, snap *index.Snapshot, r *Rule) (*Result, error) {
	maxR := maxTierRadius(r)
	dist, err := a.straightNearest(ctx, snap, r.Target.Layer, func(f *geo.Feature) (float64, bool) { return tierRadius(r, f) }, maxR)
	if err != nil {
		return nil, err
	}
	res := &Result{Rule: r, Distance: dist}
	res.Units = a.shares(r, r.Pass, func(p *Parcel) float64 {
		if math.IsInf(res.Distance[p.ID], 1) {
			return 0
		}
		return 1
	}, false)
	st, err := newRadiusState(ctx, snap, r, res.Units)
	if err != nil {
		return nil, err
	}
	res.radius = st
	st.apply(res.Units, st.cells)
	return res, nil
}

// tierRadius is the service radius of a target: that of the largest tier
// its area reaches (tiers are largest first); false if it reaches none or
// the rule's filter refuses it.
func tierRadius(r *Rule, f *geo.Feature) (float64, bool) {
	if !r.Target.Match(f) {
		return 0, false
	}
	area := f.Float("area_m2")
	for _, t := range r.Tiers {
		if area >= t.MinArea {
			return t.Meters, true
		}
	}
	return 0, false
}

// maxTierRadius is the largest of the rule's tier radii: how far any
// target can reach.
func maxTierRadius(r *Rule) float64 {
	m := 0.0
	for _, t := range r.Tiers {
		m = math.Max(m, t.Meters)
	}
	return m
}

// residentialLand reports whether a parcel is residential land: blocks and
// compounds always; a building only when it houses residents (a building
// inside a block adds nothing the block does not already cover, and the
// union counts overlaps once).
func residentialLand(f *geo.Feature) bool {
	return f.String("kind") != "building" || f.Int("population") > 0
}

// radiusState is what a radius rule's figure is made of, kept so that a
// what-if can recompute only the cells its new radii reach.
type radiusState struct {
	rule  *Rule
	units []*Unit // the units reported on, the city first
	land  rtree.RTreeG[orb.Geometry]
	bufs  []*indexed // the radii, with their edges indexed
	btree rtree.RTreeG[int]
	cells []radiusCellArea // every cell holding land, in grid order
}

// radiusCellArea is one cell's land and covered land (m²), in total and
// per unit (indexes into radiusState.units; the city, 0, is the total).
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

func newRadiusState(ctx context.Context, snap *index.Snapshot, r *Rule, urs []*UnitResult) (*radiusState, error) {
	st := &radiusState{rule: r}
	for _, ur := range urs {
		st.units = append(st.units, ur.Unit)
	}
	cellSet := map[[2]int]bool{}
	n := 0
	var err error
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		if !residentialLand(f) {
			return true
		}
		b := f.Geom.Bound()
		st.land.Insert(b.Min, b.Max, f.Geom)
		for _, k := range cellsOf(b) {
			cellSet[k] = true
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var bufErr error
	bgc := geos.NewContext() // the buffers', made on this goroutine
	snap.Layer(r.Target.Layer).Scan(func(f *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if bufErr = ctx.Err(); bufErr != nil {
				return false
			}
		}
		rad, ok := tierRadius(r, f)
		if !ok {
			return true
		}
		var g orb.Geometry
		if g, bufErr = groundBuffer(bgc, f.Geom, rad); bufErr != nil {
			bufErr = fmt.Errorf("radius of %s %d: %w", f.Layer, f.ID, bufErr)
			return false
		}
		st.addBuffer(g)
		return true
	})
	if bufErr != nil {
		return nil, bufErr
	}
	for k := range cellSet {
		st.cells = append(st.cells, radiusCellArea{ix: k[0], iy: k[1]})
	}
	sort.Slice(st.cells, func(i, j int) bool {
		a, b := st.cells[i], st.cells[j]
		return a.iy < b.iy || a.iy == b.iy && a.ix < b.ix
	})
	all := make([]int, len(st.cells))
	for i := range all {
		all[i] = i
	}
	if err := st.measure(ctx, st.cells, all, nil, nil); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *radiusState) addBuffer(g orb.Geometry) {
	b := g.Bound()
	st.btree.Insert(b.Min, b.Max, len(st.bufs))
	st.bufs = append(st.bufs, newIndexed(geo.Polygons(g)))
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
// being st.bufs and extra. With prev (the audit's cells, a what-if's
// extra radii adding only coverage), each unit's land in a cell is taken
// from prev[i] when overlaid the same way rather than overlaid again. The cells are handed to the workers one at a
// time and the context looked at before each (by this goroutine only, so
// the deadline is seen once and in order).
func (st *radiusState) measure(ctx context.Context, cells []radiusCellArea, which []int, extra []*indexed, prev []radiusCellArea) error {
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
				first = st.measureCell(gc, &cells[i], extra, &etree, p)
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
func (st *radiusState) measureCell(gc *geos.Context, c *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int], prev *radiusCellArea) error {
	at := *c
	if prev != nil && prev.prec == 0 && prev.ix == c.ix && prev.iy == c.iy {
		if st.deltaCell(overlay{gc: gc}, c, prev, extra, etree) == nil {
			return nil
		}
		*c = at
	}
	err := st.overlayCell(overlay{gc: gc}, c, extra, etree, prev)
	if _, ok := err.(geosPanic); ok {
		*c = at
		err = st.overlayCell(overlay{gc: gc, prec: radiusGrid}, c, extra, etree, prev)
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
func (st *radiusState) deltaCell(ov overlay, c *radiusCellArea, prev *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	gc := ov.gc
	cb := c.bound()
	reaches := func(b orb.Bound) bool {
		hit := false
		etree.Search(b.Min, b.Max, func(_, _ [2]float64, _ int) bool {
			hit = true
			return false
		})
		return hit
	}
	// Only the land within the cell and the extra radii's bounds.
	sb := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, x := range extra {
		sb = sb.Union(x.b)
	}
	sb = orb.Bound{Min: orb.Point{math.Max(sb.Min[0], cb.Min[0]), math.Max(sb.Min[1], cb.Min[1])}, Max: orb.Point{math.Min(sb.Max[0], cb.Max[0]), math.Min(sb.Max[1], cb.Max[1])}}
	// The land's polygons stay whole; each piece's overlay is cut to the
	// cell below.
	var lands []piece
	st.land.Search(sb.Min, sb.Max, func(_, _ [2]float64, g orb.Geometry) bool {
		for _, poly := range geo.Polygons(g) {
			if len(poly) == 0 || len(poly[0]) < 4 {
				continue
			}
			if pb := poly.Bound(); pb.Intersects(sb) && reaches(pb) {
				lands = append(lands, piece{o: poly, b: pb, at: poly[0][0]})
			}
		}
		return true
	})
	*c = *prev
	if len(lands) == 0 {
		return nil
	}
	// A radius's GEOS geometry is made once per cell: the same radii cross
	// many of its land pieces.
	made := map[*indexed]*geos.Geom{}
	clip := func(x *indexed, b orb.Bound) (*geos.Geom, error) {
		g, ok := made[x]
		if !ok {
			var err error
			if g, err = toGEOS(gc, x.poly); err != nil {
				return nil, err
			}
			made[x] = g
		}
		return g.ClipByRect(b.Min[0], b.Min[1], b.Max[0], b.Max[1]), nil
	}
	var add []piece
	var oldX, newX []*indexed
	for _, p := range disjointOrUnion(ov, lands) {
		oldX, newX = oldX[:0], newX[:0]
		inOld, inNew := false, false
		st.btree.Search(p.b.Min, p.b.Max, func(_, _ [2]float64, i int) bool {
			x := st.bufs[i]
			switch {
			case x.crosses(p.b):
				oldX = append(oldX, x)
			case geo.Contains(x.poly, p.at):
				inOld = true
				return false
			}
			return true
		})
		if inOld {
			continue
		}
		etree.Search(p.b.Min, p.b.Max, func(_, _ [2]float64, i int) bool {
			x := extra[i]
			switch {
			case x.crosses(p.b):
				newX = append(newX, x)
			case geo.Contains(x.poly, p.at):
				inNew = true
				return false
			}
			return true
		})
		if !inNew && len(newX) == 0 {
			continue
		}
		// r: the piece's bound within the cell.
		r := orb.Bound{Min: orb.Point{math.Max(p.b.Min[0], cb.Min[0]), math.Max(p.b.Min[1], cb.Min[1])}, Max: orb.Point{math.Min(p.b.Max[0], cb.Max[0]), math.Min(p.b.Max[1], cb.Max[1])}}
		g := p.geom(gc)
		if inNew {
			if r != p.b {
				if g = g.ClipByRect(r.Min[0], r.Min[1], r.Max[0], r.Max[1]); g == nil || g.IsEmpty() {
					continue
				}
			}
		} else {
			var bs []*geos.Geom
			for _, x := range newX {
				b, err := clip(x, r)
				if err != nil {
					return err
				}
				bs = append(bs, b)
			}
			if g = ov.intersection(g, ov.union(bs)); g == nil || g.IsEmpty() {
				continue
			}
		}
		// The old radii again, against the new land's own bound.
		gx := g.Bounds()
		gb := orb.Bound{Min: orb.Point{gx.MinX, gx.MinY}, Max: orb.Point{gx.MaxX, gx.MaxY}}
		at := gb.Center() // no radius crossing gb: all of it on one side
		cut := oldX[:0]
		for _, x := range oldX {
			switch {
			case x.crosses(gb):
				cut = append(cut, x)
			case geo.Contains(x.poly, at):
				inOld = true
			}
		}
		if inOld {
			continue
		}
		// The old radii taken off one at a time, each tested again against
		// what is left (most land is gone after the first).
		for i, x := range cut {
			if i > 0 {
				gx := g.Bounds()
				gb = orb.Bound{Min: orb.Point{gx.MinX, gx.MinY}, Max: orb.Point{gx.MaxX, gx.MaxY}}
				if !x.crosses(gb) {
					if geo.Contains(x.poly, gb.Center()) {
						inOld = true
						break
					}
					continue
				}
			}
			b, err := clip(x, gb)
			if err != nil {
				return err
			}
			if g = g.Difference(b); g == nil || g.IsEmpty() {
				inOld = true
				break
			}
		}
		if inOld {
			continue
		}
		add = append(add, pieces(g)...)
	}
	if len(add) == 0 {
		return nil
	}
	c.covered += sumArea(add)
	c.ucovers = append([]float64(nil), prev.ucovers...)
	cellDeg := (cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1])
	ab := add[0].b
	for _, p := range add[1:] {
		ab = ab.Union(p.b)
	}
	for k, ui := range c.unit {
		u := st.units[ui]
		if !u.Geom.Bound().Intersects(ab) {
			continue // none of the new covered land is in the unit
		}
		ug, err := toGEOS(gc, u.Geom)
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

// geosPanic is a panic of GEOS (go-geos panics on its exceptions).
type geosPanic struct{ v any }

func (p geosPanic) Error() string { return fmt.Sprint(p.v) }

// overlay runs a cell's unions and intersections: GEOS's floating ones,
// or, with prec > 0, snapped to that grid, the land made valid first.
type overlay struct {
	gc   *geos.Context
	prec float64
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

// overlayCell overlays one cell: the union of the land clipped to it, and
// of each of its polygons the part inside the radii (whole when inside
// one, nothing when outside all, else overlaid with the radii crossing
// it); then both land and covered land within each unit reaching the cell.
// The overlay is in lon/lat, as PostGIS's on geometry(4326); areas on the
// ellipsoid. A unit's land is prev's when prev (the same cell, the same
// land) was overlaid on the same grid: the same GEOS calls on the same
// pieces would give it again.
func (st *radiusState) overlayCell(ov overlay, c *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int], prev *radiusCellArea) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	gc := ov.gc
	cb := c.bound()
	clip := func(g orb.Geometry) (*geos.Geom, error) {
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
	// The land's polygons in the cell: whole ones stay in Go; those the
	// cell's edges cut are clipped by GEOS.
	var lands []piece
	var cerr error
	st.land.Search(cb.Min, cb.Max, func(_, _ [2]float64, g orb.Geometry) bool {
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
			var x *geos.Geom
			if x, cerr = toGEOS(gc, poly); cerr != nil {
				return false
			}
			if x, cerr = ov.valid(x); cerr != nil {
				return false
			}
			if !whole {
				// ClipByRect's result may be invalid: checked again.
				if x, cerr = ov.valid(x.ClipByRect(cb.Min[0], cb.Min[1], cb.Max[0], cb.Max[1])); cerr != nil {
					return false
				}
			}
			lands = append(lands, pieces(x)...)
		}
		return true
	})
	if cerr != nil {
		return cerr
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
	// Each piece of land: inside a radius, outside all, or crossed by
	// some — only those crossing it are overlaid with it.
	var covP []piece
	var crossing []*indexed
	inCell := map[*indexed]*geos.Geom{} // radii clipped to the cell
	for _, p := range landP {
		crossing = crossing[:0]
		inside := false
		visit := func(x *indexed) bool {
			switch {
			case x.crosses(p.b):
				crossing = append(crossing, x)
			case geo.Contains(x.poly, p.at):
				inside = true
				return false
			}
			return true
		}
		st.btree.Search(p.b.Min, p.b.Max, func(_, _ [2]float64, i int) bool { return visit(st.bufs[i]) })
		if !inside {
			etree.Search(p.b.Min, p.b.Max, func(_, _ [2]float64, i int) bool { return visit(extra[i]) })
		}
		switch {
		case inside:
			covP = append(covP, p)
		case len(crossing) > 0:
			var bs []*geos.Geom
			for _, x := range crossing {
				g, ok := inCell[x]
				if !ok {
					if g, err = clip(x.poly); err != nil {
						return err
					}
					inCell[x] = g
				}
				bs = append(bs, g.ClipByRect(p.b.Min[0], p.b.Min[1], p.b.Max[0], p.b.Max[1]))
			}
			covP = append(covP, pieces(ov.intersection(p.geom(gc), ov.union(bs)))...)
		}
	}
	c.covered = sumArea(covP)
	cellDeg := (cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1])
	for ui, u := range st.units {
		if ui == 0 || !u.Geom.Bound().Intersects(cb) {
			continue
		}
		ug, err := clip(u.Geom)
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
func pieces(g *geos.Geom) []piece {
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
			out = append(out, piece{g: g, b: orb.Bound{Min: orb.Point{bx.MinX, bx.MinY}, Max: orb.Point{bx.MaxX, bx.MaxY}}, at: orb.Point{cs.X(0), cs.Y(0)}, area: cellArea(g)})
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
	poly  orb.MultiPolygon
	b     orb.Bound
	edges rtree.RTreeG[struct{}]
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
			s += cellArea(ov.intersection(p.geom(gc), u.g.ClipByRect(p.b.Min[0], p.b.Min[1], p.b.Max[0], p.b.Max[1])))
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
		out = append(out, pieces(ov.union(gs))...)
	}
	return out
}

// cellArea is the area (m²) on the ellipsoid of the polygons of a lon/lat
// geometry no larger than a cell (0 for nil or empty): its area in square
// degrees times the ellipsoid's scales at its centroid's latitude, which
// over a cell differs from the geodesic area by a part in 10⁸.
func cellArea(g *geos.Geom) float64 {
	if g == nil || g.IsEmpty() {
		return 0
	}
	deg := g.Area()
	if deg == 0 {
		return 0
	}
	kx, ky := geo.DegreeScale(g.Centroid().Y())
	return deg * kx * ky
}

// apply sums the cells (in grid order) into the units' land figures and
// values.
func (st *radiusState) apply(urs []*UnitResult, cells []radiusCellArea) {
	land := make([]float64, len(st.units))
	covered := make([]float64, len(st.units))
	for i := range cells {
		c := &cells[i]
		land[0] += c.land
		covered[0] += c.covered
		for k, ui := range c.unit {
			land[ui] += c.uland[k]
			covered[ui] += c.ucovers[k]
		}
	}
	for i, ur := range urs {
		ur.Land, ur.LandCovered = land[i], covered[i]
		ur.Numerator, ur.Denominator = covered[i], land[i]
		ur.NA, ur.Pass, ur.Value = false, false, 0
		if land[i] == 0 {
			ur.NA, ur.Pass = true, true
			continue
		}
		ur.Value = covered[i] / land[i]
		ur.Pass = ur.Value >= ur.Threshold
	}
}

// whatIf recomputes the figures in urs (copies of the audit's, in the same
// order) with the radii of added targets too: only the cells those radii
// reach are overlaid again; the sums are then made as the full audit makes
// them.
func (st *radiusState) whatIf(ctx context.Context, urs []*UnitResult, added []*geo.Feature) error {
	var extra []*indexed
	var reach []orb.Bound
	gc := geos.NewContext()
	for _, f := range added {
		rad, ok := tierRadius(st.rule, f)
		if !ok {
			continue
		}
		g, err := groundBuffer(gc, f.Geom, rad)
		if err != nil {
			return err
		}
		extra = append(extra, newIndexed(geo.Polygons(g)))
		reach = append(reach, g.Bound())
	}
	if len(extra) == 0 {
		return nil
	}
	cells := append([]radiusCellArea(nil), st.cells...)
	var which []int
	for i := range cells {
		cb := cells[i].bound()
		for _, b := range reach {
			if b.Intersects(cb) {
				which = append(which, i)
				break
			}
		}
	}
	if err := st.measure(ctx, cells, which, extra, st.cells); err != nil {
		return err
	}
	st.apply(urs, cells)
	return nil
}

// groundBuffer returns g buffered by metres on the ground: GEOS (gc) buffers it
// in a plane in metres centred on g (the ellipsoid's scales there), and the
// result goes back to lon/lat.
func groundBuffer(gc *geos.Context, g orb.Geometry, metres float64) (orb.Geometry, error) {
	c := g.Bound().Center()
	kx, ky := geo.DegreeScale(c[1])
	var plane orb.Geometry = orb.Point{}
	if _, ok := g.(orb.Point); !ok {
		plane = orb.Clone(g)
	}
	project.Geometry(plane, func(p orb.Point) orb.Point { return orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky} })
	x, err := toGEOS(gc, plane)
	if err != nil {
		return nil, err
	}
	buf := x.Buffer(metres, radiusQuadSegs)
	if buf == nil || buf.IsEmpty() {
		return nil, fmt.Errorf("the buffer is empty")
	}
	out, err := wkb.Unmarshal(buf.ToWKB())
	if err != nil {
		return nil, err
	}
	mp := geo.Polygons(out)
	project.Geometry(mp, func(p orb.Point) orb.Point { return orb.Point{c[0] + p[0]/kx, c[1] + p[1]/ky} })
	return mp, nil
}
