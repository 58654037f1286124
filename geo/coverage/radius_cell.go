package coverage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
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
	land  landIndex
	bufs  []*indexed // the radii, with their edges indexed
	btree rtree.RTreeG[int]
	// freeMu guards the cells' free land (cellFree), made by what-ifs.
	freeMu sync.Mutex
}

// landIndex is the residential land by bounds. When every parcel is
// residential land it is the snapshot's parcels layer (parcels), without
// a second tree of a million parcels: what a search finds there is put in
// the order a land tree of its own, filled in the layer's order, gives
// (rank), as the cells' sums follow the order of their land to the last
// bit. Else it is a tree of its own (own).
type landIndex struct {
	parcels *index.Layer
	pix     *parcelIndex // the audit's parcels' indexes, by id
	rank    []int32      // rank[i]: where the audit's Parcels[i] comes in land order
	own     *rtree.RTreeG[orb.Geometry]
}

// search calls fn with each land polygon whose bound meets b, in the
// order of a land tree, until fn returns false.
func (l landIndex) search(b orb.Bound, fn func(orb.Geometry) bool) {
	if l.parcels != nil {
		type hit struct {
			rank int32
			g    orb.Geometry
		}
		var hits []hit
		l.parcels.Search(b, func(f *geo.Feature) bool {
			if i, ok := l.pix.of(f.ID); ok {
				hits = append(hits, hit{l.rank[i], f.Geom})
			}
			return true
		})
		slices.SortFunc(hits, func(x, y hit) int { return cmp.Compare(x.rank, y.rank) })
		for _, h := range hits {
			if !fn(h.g) {
				return
			}
		}
		return
	}
	if l.own != nil {
		l.own.Search(b.Min, b.Max, func(_, _ [2]float64, g orb.Geometry) bool { return fn(g) })
	}
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
// extra radii adding only coverage), a cell is measured from prev[i] and
// its free land free[i] (deltaCell, which makes it on first use), or else
// each unit's land in it is taken from prev[i] when overlaid the same way
// rather than overlaid again. The cells are handed to the workers one at a time and the context looked at
// before each (by this goroutine only, so the deadline is seen once and in
// order).
func (rc *radiusCells) measure(ctx context.Context, cells []radiusCellArea, which []int, extra []*indexed, prev []radiusCellArea, free []cellFree) error {
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
			cc, first := newCContext()
			if first == nil {
				defer cc.close()
			}
			for i := range jobs {
				if first != nil {
					continue
				}
				var p *radiusCellArea
				var fr *cellFree
				if prev != nil {
					p = &prev[i]
				}
				if free != nil {
					fr = &free[i]
				}
				first = rc.measureCell(gc, cc, &cells[i], extra, &etree, p, fr)
			}
			errs <- first // before cc is closed: nothing uses it past the jobs
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
func (rc *radiusCells) measureCell(gc *geos.Context, cc *cContext, c *radiusCellArea, extra []*indexed, etree *rtree.RTreeG[int], prev *radiusCellArea, fr *cellFree) error {
	at := *c
	if prev != nil && fr != nil && prev.prec == 0 && prev.ix == c.ix && prev.iy == c.iy {
		if rc.deltaCell(overlay{gc: gc, cc: cc}, c, prev, fr, extra, etree) == nil {
			return nil
		}
		*c = at
	}
	err := rc.overlayCell(overlay{gc: gc, cc: cc}, c, extra, etree, prev)
	if _, ok := err.(geosPanic); ok {
		*c = at
		err = rc.overlayCell(overlay{gc: gc, prec: radiusGrid, cc: cc}, c, extra, etree, prev)
	}
	if err != nil {
		return fmt.Errorf("GEOS overlay of the cell at %.2f,%.2f: %w", float64(c.ix)*RadiusCell, float64(c.iy)*RadiusCell, err)
	}
	return nil
}

// deltaCell measures a cell a what-if's extra radii reach from the
// audit's measure of it (prev): the land is the same, and the covered land
// grows by the cell's free land (fr: outside the audit's radii, made on
// the first what-if that needs it) that the extra radii cover. Any error (a
// GEOS exception, or none made) leaves the cell to overlayCell.
func (rc *radiusCells) deltaCell(ov overlay, c *radiusCellArea, prev *radiusCellArea, fr *cellFree, extra []*indexed, etree *rtree.RTreeG[int]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	rc.makeFree(ov.gc, prev, fr)
	if !fr.made {
		return fmt.Errorf("no free land: %v", fr.err)
	}
	*c = *prev
	var added float64
	var ucovers []float64
	var newX []*indexed
	clips := radiusClips{gc: ov.gc, made: map[*indexed]*geos.Geom{}}
	for i := range fr.atoms {
		x := &fr.atoms[i]
		if !meetsAny(etree, x.b) {
			continue
		}
		var inNew bool
		if newX, inNew = sortRadii(etree, extra, x.b, x.at, newX[:0]); !inNew && len(newX) == 0 {
			continue
		}
		ar := x.area
		switch {
		case inNew:
		case len(newX) == 1 && newX[0].convex != nil:
			// One convex radius crosses it (a convex park's): clipped in Go.
			if ar = convexClipArea(x.poly, newX[0].convex); ar <= 0 {
				continue
			}
		default:
			bs := make([]*geos.Geom, 0, len(newX))
			for _, r := range newX {
				b, err := clips.clipTo(r, x.b)
				if err != nil {
					return err
				}
				bs = append(bs, b)
			}
			g, err := toGEOS(ov.gc, x.poly)
			if err != nil {
				return err
			}
			if ar = ov.cellArea(ov.intersection(g, ov.union(bs))); ar == 0 {
				continue
			}
		}
		if ucovers == nil {
			ucovers = append([]float64(nil), prev.ucovers...)
		}
		added += ar
		for _, k := range x.units {
			ucovers[k] += ar
		}
	}
	if ucovers == nil {
		return nil
	}
	for _, k := range fr.whole {
		ucovers[k] += added
	}
	c.covered += added
	c.ucovers = ucovers
	return nil
}

// cellFree is a cell's free land: its land outside the audit's radii, in
// atoms cut where the edges of the units reaching the cell cross it, each
// with the units holding it. It is made by the first what-if whose radii
// reach the cell (in Go geometry: a GEOS geometry belongs to its
// goroutine's context) and kept for the next: once made (made, or err
// set) it does not change. A zero cellFree is not made yet.
type cellFree struct {
	made  bool
	atoms []freeAtom
	whole []int // the units holding the whole cell (indexes into its unit list)
	err   error
}

// freeAtom is a polygon of a cell's free land: its bound, a vertex, its
// area (m²) and the units holding it (indexes into the cell's unit list)
// besides those holding the whole cell.
type freeAtom struct {
	poly  orb.Polygon
	b     orb.Bound
	at    orb.Point
	area  float64
	units []int
}

// makeFree makes fr, the free land of the audit's cell c, unless made:
// from the cell's land overlaid as the audit overlaid it (GEOS's floating
// overlay: a cell the audit snapped to radiusGrid has none). What-ifs may
// run at once: the first to finish keeps its free land (all make the same),
// published under rc.freeMu.
func (rc *radiusCells) makeFree(gc *geos.Context, c *radiusCellArea, fr *cellFree) {
	rc.freeMu.Lock()
	done := fr.made || fr.err != nil
	rc.freeMu.Unlock()
	if done {
		return
	}
	var atoms []freeAtom
	var whole []int
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = geosPanic{p}
			}
		}()
		ov := overlay{gc: gc}
		if cc, err := newCContext(); err == nil {
			defer cc.close()
			ov.cc = cc
		}
		lands, err := rc.cellLand(ov, c.bound())
		if err != nil || len(lands) == 0 {
			return err
		}
		atoms, whole, err = rc.freeLand(ov, c, disjointOrUnion(ov, lands))
		return err
	}()
	rc.freeMu.Lock()
	defer rc.freeMu.Unlock()
	if !fr.made && fr.err == nil {
		fr.atoms, fr.whole, fr.err, fr.made = atoms, whole, err, err == nil
	}
}

// freeLand makes the free land of a cell the audit measured (c), from its
// land pieces (landP): less the radii crossing them (those inside one are
// left out), then cut by each unit not holding the whole cell.
func (rc *radiusCells) freeLand(ov overlay, c *radiusCellArea, landP []piece) (atoms []freeAtom, whole []int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = geosPanic{p}
		}
	}()
	cb := c.bound()
	type part struct {
		piece
		units []int
	}
	var free []part
	var crossing []*indexed
	clips := radiusClips{gc: ov.gc, cell: &cb, made: map[*indexed]*geos.Geom{}}
	for _, p := range landP {
		var inside bool
		if crossing, inside = sortRadii(&rc.btree, rc.bufs, p.b, p.at, crossing[:0]); inside {
			continue
		}
		if len(crossing) == 0 {
			free = append(free, part{piece: p})
			continue
		}
		bs := make([]*geos.Geom, 0, len(crossing))
		for _, x := range crossing {
			g, err := clips.clipTo(x, p.b)
			if err != nil {
				return nil, nil, err
			}
			bs = append(bs, g)
		}
		for _, q := range ov.pieces(p.geom(ov.gc).Difference(ov.union(bs))) {
			free = append(free, part{piece: q})
		}
	}
	cellDeg := (cb.Max[0] - cb.Min[0]) * (cb.Max[1] - cb.Min[1])
	for k, ui := range c.unit {
		ug, err := clipToCell(ov.gc, rc.units[ui].Geom, cb)
		if err != nil {
			return nil, nil, err
		}
		if ug.Area() >= cellDeg*(1-1e-12) {
			whole = append(whole, k)
			continue
		}
		in, err := newUnitPart(ug)
		if err != nil {
			return nil, nil, err
		}
		next := make([]part, 0, len(free))
		for _, p := range free {
			switch {
			case !p.b.Intersects(in.b):
			case in.crosses(p.b):
				g := p.geom(ov.gc)
				uc := in.g.ClipByRect(p.b.Min[0], p.b.Min[1], p.b.Max[0], p.b.Max[1])
				for _, q := range ov.pieces(ov.intersection(g, uc)) {
					next = append(next, part{piece: q, units: append(append([]int(nil), p.units...), k)})
				}
				for _, q := range ov.pieces(g.Difference(uc)) {
					next = append(next, part{piece: q, units: p.units})
				}
				continue
			case geo.Contains(in.poly, p.at):
				p.units = append(append([]int(nil), p.units...), k)
			}
			next = append(next, p)
		}
		free = next
	}
	atoms = make([]freeAtom, 0, len(free))
	for _, p := range free {
		poly := p.o
		if poly == nil {
			o, err := wkbGeometry(p.g)
			if err != nil {
				return nil, nil, err
			}
			mp := geo.Polygons(o)
			if len(mp) != 1 {
				return nil, nil, fmt.Errorf("a piece of free land is %d polygons", len(mp))
			}
			poly = mp[0]
		}
		atoms = append(atoms, freeAtom{poly: poly, b: p.b, at: p.at, area: p.area, units: p.units})
	}
	return atoms, whole, nil
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
	if err := rc.unitLand(ov, c, prev, landP, covP); err != nil {
		return err
	}
	return nil
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
	rc.land.search(cb, func(g orb.Geometry) bool {
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
	return ov.pieces(x), nil
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
			covP = append(covP, ov.pieces(ov.intersection(p.geom(ov.gc), ov.union(bs)))...)
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
