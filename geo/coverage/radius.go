package coverage

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/project"
	"github.com/tidwall/rtree"
	"github.com/twpayne/go-geos"
)

// radiusQuadSegs is the segments per quarter circle of a radius's buffer,
// as PostGIS ST_Buffer's default.
const radiusQuadSegs = 8

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
	res := &Result{Rule: r, Distance: a.byParcel(dist)}
	res.Units = a.shares(r, r.Pass, func(i int) float64 {
		if math.IsInf(dist[i], 1) {
			return 0
		}
		return 1
	}, false)
	st, err := newRadiusState(ctx, snap, r, res.Units, a)
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
	return f.Text("kind") != "building" || f.Int("population") > 0
}

// radiusState is what a radius rule's figure is made of, kept so that a
// what-if can recompute only the cells its new radii reach.
type radiusState struct {
	rule *Rule
	radiusCells
	cells []radiusCellArea // every cell holding land, in grid order
	free  []cellFree       // each cell's free land, made for what-ifs
}

func newRadiusState(ctx context.Context, snap *index.Snapshot, r *Rule, urs []*UnitResult, a *Audit) (*radiusState, error) {
	st := &radiusState{rule: r}
	for _, ur := range urs {
		st.units = append(st.units, ur.Unit)
	}
	cellSet := map[[2]int]bool{}
	n := 0
	var err error
	// The land is the snapshot's parcels layer when each parcel (in
	// a.Parcels' order, the layer's) is residential land.
	i, allLand := 0, true
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		if !residentialLand(f) || i >= len(a.Parcels) || a.Parcels[i].ID != f.ID {
			allLand = false
			return false
		}
		i++
		for _, k := range cellsOf(f.Geom.Bound()) {
			cellSet[k] = true
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var ranked sync.WaitGroup // the land's order, found beside the radii
	defer ranked.Wait()
	var rankErr error
	if allLand && i == len(a.Parcels) {
		st.land = landIndex{parcels: snap.Layer(geo.Parcels), pix: a.pix}
		ranked.Add(1)
		go func() {
			defer ranked.Done()
			st.land.rank, rankErr = landOrder(ctx, a.Parcels)
		}()
	} else {
		clear(cellSet)
		st.land.own = &rtree.RTreeG[orb.Geometry]{}
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
			st.land.own.Insert(b.Min, b.Max, f.Geom)
			for _, k := range cellsOf(b) {
				cellSet[k] = true
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	bufErr := st.addBuffers(ctx, snap)
	ranked.Wait()
	if bufErr != nil {
		return nil, bufErr
	}
	if rankErr != nil {
		return nil, rankErr
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
	st.free = make([]cellFree, len(st.cells)) // made by the what-ifs
	if err := st.measure(ctx, st.cells, all, nil, nil, nil); err != nil {
		return nil, err
	}
	return st, nil
}

// addBuffers adds the radius of each of the rule's targets.
func (st *radiusState) addBuffers(ctx context.Context, snap *index.Snapshot) error {
	var err error
	n := 0
	gc := geos.NewContext() // the buffers', made on this goroutine
	snap.Layer(st.rule.Target.Layer).Scan(func(f *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		rad, ok := tierRadius(st.rule, f)
		if !ok {
			return true
		}
		var g orb.Geometry
		if g, err = groundBuffer(gc, f.Geom, rad); err != nil {
			err = fmt.Errorf("radius of %s %d: %w", f.Layer, f.ID, err)
			return false
		}
		st.addBuffer(g)
		return true
	})
	return err
}

// landOrder ranks the parcels (all of them residential land, in the
// layer's order) in the order a land tree filled with their bounds in
// that order holds them: the order its searches, a subsequence of it,
// have always given the cells' land in.
func landOrder(ctx context.Context, ps []*Parcel) ([]int32, error) {
	var tree rtree.RTreeG[int32]
	for i, p := range ps {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		b := p.Geom.Bound()
		tree.Insert(b.Min, b.Max, int32(i))
	}
	rank := make([]int32, len(ps))
	k := int32(0)
	tree.Scan(func(_, _ [2]float64, i int32) bool {
		rank[i] = k
		k++
		return true
	})
	return rank, nil
}

func (st *radiusState) addBuffer(g orb.Geometry) {
	b := g.Bound()
	st.btree.Insert(b.Min, b.Max, len(st.bufs))
	st.bufs = append(st.bufs, newIndexed(geo.Polygons(g)))
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
		x := newIndexed(geo.Polygons(g))
		x.convex = convexRing(x.poly)
		extra = append(extra, x)
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
	if err := st.measure(ctx, cells, which, extra, st.cells, st.free); err != nil {
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
