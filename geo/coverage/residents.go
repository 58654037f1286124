package coverage

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Residents are counted where they live. A parcel's residents are spread
// evenly over points inside it no more than PointSpacing apart: the
// centres of the cells of a grid over its bounding box (as many cells as
// PointSpacing needs in each direction, so the grid fits the parcel) that
// fall inside the polygon; a parcel too small or thin for any centre to
// fall inside has one point, its inside point. A residential building is a
// parcel of its own, so where buildings carry the residents (the OSM
// estimate) each is measured from itself. A parcel without residents has
// its inside point only, for its reported distance.
const PointSpacing = 50.0

// maxParcelCells bounds the grid of one parcel: a parcel whose bounding
// box would need more cells gets a coarser grid, so a hostile or huge
// polygon cannot make the audit's memory grow past it. maxPoints bounds
// the grids of all parcels together: past it every grid is coarsened
// alike (about 1 GiB of audit memory with every default rule).
const (
	maxParcelCells = 1 << 16
	maxPoints      = 1 << 24
)

// PopSource is how a parcel's population figure was obtained.
type PopSource uint8

// Sources of a parcel's population figure.
const (
	PopGiven    PopSource = iota // the data gave it
	PopBuilding                  // estimated from a building's floor area
	PopArea                      // estimated from a block's or parcel's area
)

// String is the source's name in pop_source: "given", "estimated_building"
// or "estimated_area".
func (s PopSource) String() string {
	switch s {
	case PopBuilding:
		return popBuilding
	case PopArea:
		return popArea
	}
	return popGiven
}

// The sources' names in pop_source.
const (
	popGiven    = "given"
	popBuilding = "estimated_building"
	popArea     = "estimated_area"
)

// PopSources are residents (and parcels) by how their number was obtained.
type PopSources struct {
	Given, Building, Area                      int64 // residents
	GivenParcels, BuildingParcels, AreaParcels int   // parcels with residents
}

func (s *PopSources) add(p *Parcel) {
	if p.Population <= 0 {
		return
	}
	switch p.PopSource {
	case PopBuilding:
		s.Building += p.Population
		s.BuildingParcels++
	case PopArea:
		s.Area += p.Population
		s.AreaParcels++
	default:
		s.Given += p.Population
		s.GivenParcels++
	}
}

// popSource classifies a parcel's pop_source: "estimated" on a building
// is by building, on anything else by area; anything not estimated is
// given.
func popSource(source, kind string) PopSource {
	switch source {
	case "estimated", popBuilding, popArea:
		if source == popBuilding || source == "estimated" && kind == "building" {
			return PopBuilding
		}
		return PopArea
	}
	return PopGiven
}

// residentPoints lays out every parcel's points (see PointSpacing) in
// a.pts, parcel by parcel.
func (a *Audit) residentPoints(ctx context.Context) error {
	// The cells the grids would have, to coarsen them all when too many.
	cells := 0.0
	for _, p := range a.Parcels {
		if p.Population > 0 {
			w, h, _ := boxMetres(p.Geom.Bound())
			cells += math.Min(maxParcelCells, cellsFor(w, PointSpacing)*cellsFor(h, PointSpacing))
		}
	}
	spacing := PointSpacing
	if cells > maxPoints {
		spacing *= math.Sqrt(cells / maxPoints)
	}
	var xs []float64
	for i, p := range a.Parcels {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p.first = int32(len(a.pts))
		if p.Population > 0 {
			a.pts, xs = gridPoints(a.pts, xs, p.Geom, spacing)
		}
		if int32(len(a.pts)) == p.first {
			a.pts = append(a.pts, p.Point)
		}
		p.count = int32(len(a.pts)) - p.first
	}
	return nil
}

// boxMetres returns the width and height of b in metres, by the lengths
// of a degree on the WGS84 ellipsoid at its middle latitude (ok false when
// they are not finite).
func boxMetres(b orb.Bound) (w, h float64, ok bool) {
	phi := b.Center()[1] * math.Pi / 180
	kx := 111412.84*math.Cos(phi) - 93.5*math.Cos(3*phi)
	ky := 111132.954 - 559.822*math.Cos(2*phi) + 1.175*math.Cos(4*phi)
	w, h = (b.Max[0]-b.Min[0])*kx, (b.Max[1]-b.Min[1])*ky
	if !(w >= 0 && h >= 0) || math.IsInf(w, 0) || math.IsInf(h, 0) {
		return 0, 0, false
	}
	return w, h, true
}

// cellsFor is how many cells of at most spacing cover length (a length a
// hair over a multiple of spacing, by rounding, needs no extra cell).
func cellsFor(length, spacing float64) float64 {
	return math.Max(1, math.Ceil(length/spacing-1e-6))
}

// gridPoints appends the centres of the grid cells (spacing or less on a
// side) over g's bounding box that lie inside g, row by row: each row
// crosses the rings once, and its centres are taken from the inside
// stretches (even-odd, so holes and several parts are honoured).
func gridPoints(dst []orb.Point, xs []float64, g orb.Geometry, spacing float64) ([]orb.Point, []float64) {
	var polys orb.MultiPolygon
	switch t := g.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{t}
	case orb.MultiPolygon:
		polys = t
	default:
		return dst, xs
	}
	b := g.Bound()
	w, h, ok := boxMetres(b)
	if !ok {
		return dst, xs
	}
	if cellsFor(w, spacing)*cellsFor(h, spacing) > maxParcelCells {
		spacing = math.Sqrt(w*h/maxParcelCells) + 1
	}
	nx, ny := max(1, int(cellsFor(w, spacing))), max(1, int(cellsFor(h, spacing)))
	for nx*ny > maxParcelCells { // a very thin box
		if nx > ny {
			nx = (nx + 1) / 2
		} else {
			ny = (ny + 1) / 2
		}
	}
	dx, dy := (b.Max[0]-b.Min[0])/float64(nx), (b.Max[1]-b.Min[1])/float64(ny)
	for j := 0; j < ny; j++ {
		y := b.Min[1] + (float64(j)+0.5)*dy
		xs = xs[:0]
		for _, poly := range polys {
			for _, r := range poly {
				for k := 1; k < len(r); k++ {
					p, q := r[k-1], r[k]
					if (p[1] <= y) != (q[1] <= y) {
						xs = append(xs, p[0]+(y-p[1])/(q[1]-p[1])*(q[0]-p[0]))
					}
				}
			}
		}
		if len(xs) < 2 {
			continue
		}
		sort.Float64s(xs)
		for k := 0; k+1 < len(xs); k += 2 {
			// Columns whose centre lies in [xs[k], xs[k+1]].
			i0 := max(0, int(math.Ceil((xs[k]-b.Min[0])/dx-0.5)))
			i1 := min(nx-1, int(math.Floor((xs[k+1]-b.Min[0])/dx-0.5)))
			for i := i0; i <= i1; i++ {
				dst = append(dst, orb.Point{b.Min[0] + (float64(i)+0.5)*dx, y})
			}
		}
	}
	return dst, xs
}

// snapPoints joins every resident point to the walking network, once for
// all rules: a.at and a.access (+Inf: no path within SnapLimit).
func (a *Audit) snapPoints(ctx context.Context, g *network.Graph) error {
	a.at = make([]network.Loc, len(a.pts))
	a.access = make([]float64, len(a.pts))
	return g.SnapAll(ctx, a.pts, SnapLimit, a.at, a.access)
}

// pointStraight returns every resident point's straight-line distance to
// the nearest target of walk rule r within r.Meters (+Inf beyond): found
// ahead by Run (straightAhead), else measured now.
func (a *Audit) pointStraight(ctx context.Context, snap *index.Snapshot, r *Rule) ([]float64, error) {
	if sh := a.shared; sh != nil {
		sh.mu.Lock()
		s, ok := sh.straight[r]
		sh.mu.Unlock()
		if ok {
			return s, nil
		}
	}
	return straightAt(ctx, snap, a.pts, a.starts(), r.Target.Layer, func(f *geo.Feature) (float64, bool) { return r.Meters, r.Target.Match(f) }, r.Meters, a.Mode == Straight)
}

// straightAhead measures the walk rules' straight-line distances
// (pointStraight) and finds the targets holding the points (pointsInside)
// into a.shared, before the rules run.
func (a *Audit) straightAhead(ctx context.Context, snap *index.Snapshot, rs *RuleSet) error {
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if r.Type != WalkAccess {
			continue
		}
		s, err := a.pointStraight(ctx, snap, r)
		if err != nil {
			return err
		}
		in, err := a.pointsInside(ctx, r, targets(snap, &r.Target))
		if err != nil {
			return err
		}
		a.shared.mu.Lock()
		a.shared.straight[r], a.shared.inside[r] = s, in
		a.shared.mu.Unlock()
	}
	return nil
}

// pointsInside returns, per resident point, the index in ts (walk rule
// r's targets) of the target whose polygon holds it, the lowest id when
// several do (targetIndex.holding), -1 where none does: found ahead by
// Run, else now. A parcel's points are looked for among the targets whose
// box meets the box of its points, searched once.
func (a *Audit) pointsInside(ctx context.Context, r *Rule, ts []*geo.Feature) ([]int32, error) {
	if sh := a.shared; sh != nil {
		sh.mu.Lock()
		in, ok := sh.inside[r]
		sh.mu.Unlock()
		if ok {
			return in, nil
		}
	}
	out := make([]int32, len(a.pts))
	ti := newTargetIndex(ts)
	type box struct {
		k      int32
		lo, hi [2]float64
	}
	var near []box
	for pi, p := range a.Parcels {
		if pi%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		run := a.pts[p.first : p.first+p.count]
		b := orb.Bound{Min: run[0], Max: run[0]}
		for _, pt := range run[1:] {
			b = b.Extend(pt)
		}
		near = near[:0]
		ti.tree.Search(b.Min, b.Max, func(lo, hi [2]float64, k int32) bool {
			near = append(near, box{k, lo, hi})
			return true
		})
		for j, pt := range run {
			i, ok := int32(-1), false
			for _, c := range near {
				if pt[0] < c.lo[0] || pt[0] > c.hi[0] || pt[1] < c.lo[1] || pt[1] > c.hi[1] {
					continue
				}
				if f := ti.fs[c.k]; (!ok || f.ID < ti.fs[i].ID) && geo.Contains(f.Geom, pt) {
					i, ok = c.k, true
				}
			}
			out[int(p.first)+j] = i
		}
	}
	return out, nil
}

// accessAhead finds where walks join the walk rules' polygon targets
// (accessPoints) into a.shared, before the rules run.
func (a *Audit) accessAhead(ctx context.Context, snap *index.Snapshot, g *network.Graph, rs *RuleSet) error {
	n := 0
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if r.Type != WalkAccess {
			continue
		}
		for _, f := range targets(snap, &r.Target) {
			if n++; n%64 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			switch f.Geom.(type) {
			case orb.Polygon, orb.MultiPolygon:
				a.accessPoints(g, f)
			}
		}
	}
	return nil
}

// walked returns every resident point's walking distance from d (the
// multi-source walk of a rule) and the label of its nearest source (-1:
// none), the points shared out among the processors when many.
func (a *Audit) walked(ctx context.Context, d *network.Distances) ([]float64, []int32, error) {
	dist := make([]float64, len(a.pts))
	labels := make([]int32, len(a.pts))
	part := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			if (i-lo)%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			dist[i], labels[i] = math.Inf(1), -1
			if math.IsInf(a.access[i], 1) {
				continue
			}
			if w, label := d.To(a.at[i]); label >= 0 {
				dist[i], labels[i] = w+a.access[i], label
			}
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(a.pts)/walkedShare)
	if workers <= 1 {
		if err := part(0, len(a.pts)); err != nil {
			return nil, nil, err
		}
		return dist, labels, nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = part(len(a.pts)*w/workers, len(a.pts)*(w+1)/workers)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return dist, labels, nil
}

// walkedShare is the fewest points walked gives a processor of its own.
const walkedShare = 4096

// straightAt returns, per point of pts, the straight-line distance to the
// nearest feature of layer accepted by ok (which gives the feature's
// radius), looking no farther than limit (beyond: +Inf). groups, when not
// nil, holds the start of each run of nearby points (a parcel's, ending
// where the next starts): the features near a run are found once for all
// its points. Distances are geodesic when exact, else by
// localDistance (for the straight-line share beside a walking figure).
func straightAt(ctx context.Context, snap *index.Snapshot, pts []orb.Point, groups []int32, layer string, ok func(*geo.Feature) (float64, bool), limit float64, exact bool) ([]float64, error) {
	out := make([]float64, len(pts))
	all, tree, err := straightTargets(ctx, snap, layer, ok)
	if err != nil {
		return nil, err
	}
	var ts []*straightTarget
	var cs []straightCand
	n := len(groups)
	if groups == nil {
		n = len(pts)
	}
	for gi := 0; gi < n; gi++ {
		if gi%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		start, end := gi, gi+1
		if groups != nil {
			start, end = int(groups[gi]), len(pts)
			if gi+1 < len(groups) {
				end = int(groups[gi+1])
			}
		}
		run := pts[start:end]
		if len(run) == 0 {
			continue
		}
		sb := orb.Bound{Min: run[0], Max: run[0]}
		for _, pt := range run[1:] {
			sb = sb.Extend(pt)
		}
		search := geo.RadiusBound(sb.Min, limit).Union(geo.RadiusBound(sb.Max, limit))
		ts = ts[:0]
		tree.Search(search.Min, search.Max, func(_, _ [2]float64, i int32) bool {
			ts = append(ts, &all[i])
			return true
		})
		for k, pt := range run {
			out[start+k], cs = straightNearest(pt, ts, cs, exact)
		}
	}
	return out, nil
}

// straightTarget is a feature straightAt measures to, with its box and the
// radius within which it counts.
type straightTarget struct {
	f      *geo.Feature
	b      orb.Bound
	radius float64
}

// straightCand is a target near a point: its box's distance in the plane
// centred on the point (bd, a floor of approx), and, once found, its
// nearest point q and approx, the distance to q in that plane.
type straightCand struct {
	t          *straightTarget
	bd, approx float64
	q          orb.Point
	found      bool
}

// straightTargets returns the features of layer that ok accepts, indexed on
// their own: filtered once, not for every run (the order they are found in
// does not change the answers: see straightNearest's loops).
func straightTargets(ctx context.Context, snap *index.Snapshot, layer string, ok func(*geo.Feature) (float64, bool)) ([]straightTarget, rtree.RTreeG[int32], error) {
	var all []straightTarget
	var tree rtree.RTreeG[int32]
	n := 0
	var err error
	snap.Layer(layer).Scan(func(f *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		if radius, yes := ok(f); yes {
			b := f.Bound()
			tree.Insert(b.Min, b.Max, int32(len(all)))
			all = append(all, straightTarget{f, b, radius})
		}
		return true
	})
	if err != nil {
		return nil, tree, err
	}
	return all, tree, nil
}

// straightNearest returns the distance from pt to the nearest of the
// targets ts within its radius (+Inf if none), and cs reused as scratch.
func straightNearest(pt orb.Point, ts []*straightTarget, cs []straightCand, exact bool) (float64, []straightCand) {
	kx, ky := math.Cos(pt[1]*math.Pi/180)*111195.08, 111195.08
	find := func(c *straightCand) {
		if c.t.b.Contains(pt) {
			c.q = geo.ClosestPoint(pt, c.t.f.Geom)
		} else {
			c.q = geo.ClosestOnBoundary(pt, c.t.f.Geom)
		}
		c.approx, c.found = math.Hypot((c.q[0]-pt[0])*kx, (c.q[1]-pt[1])*ky), true
	}
	// Candidates: the targets whose box lies within their radius
	// in the plane (a margin for the plane's error).
	cs = cs[:0]
	nearest := -1
	for _, t := range ts {
		bx := math.Max(0, math.Max(t.b.Min[0]-pt[0], pt[0]-t.b.Max[0])) * kx
		by := math.Max(0, math.Max(t.b.Min[1]-pt[1], pt[1]-t.b.Max[1])) * ky
		bd := math.Hypot(bx, by)
		if bd > 1.01*t.radius+1 {
			continue
		}
		if nearest < 0 || bd < cs[nearest].bd {
			nearest = len(cs)
		}
		cs = append(cs, straightCand{t: t, bd: bd})
	}
	// The nearest in the plane (bestApprox) is among those whose
	// box is no farther than it: the box nearest first, then the
	// others whose box is nearer than the best found so far.
	bestApprox := math.Inf(1)
	member := func(c *straightCand) bool {
		if !c.found {
			find(c)
		}
		return c.approx <= 1.01*c.t.radius+1
	}
	if nearest >= 0 && member(&cs[nearest]) {
		bestApprox = cs[nearest].approx
	}
	for i := range cs {
		if c := &cs[i]; !c.found && !beyond(c.bd, bestApprox) && member(c) {
			bestApprox = math.Min(bestApprox, c.approx)
		}
	}
	// Only the candidates within 1% (and a metre) of the nearest in
	// the plane, or of the best measured so far, are measured: one
	// whose box is beyond both need not be found. The nearest in
	// the plane is measured first, so that the best measured prunes
	// the rest; the least distance is the same in any order (a
	// candidate passed over is farther than the best measured).
	best := math.Inf(1)
	measure := func(c *straightCand) {
		d := localDistance(pt, c.q)
		if exact {
			d = geo.Distance(pt, c.q)
		}
		if d <= c.t.radius && d < best {
			best = d
		}
	}
	first := -1
	for i := range cs {
		if c := &cs[i]; c.found && c.approx == bestApprox {
			first = i
			measure(c)
			break
		}
	}
	for i := range cs {
		c := &cs[i]
		if i == first || !c.found && beyond(c.bd, 1.01*bestApprox+1) && beyond(c.bd, 1.01*best+1) {
			continue
		}
		if !member(c) || c.approx > 1.01*bestApprox+1 && c.approx > 1.01*best+1 {
			continue
		}
		measure(c)
	}
	return best, cs
}

// beyond reports whether a box's distance bd (a floor of the distance to
// the nearest point in it) is past x, with a margin for rounding.
func beyond(bd, x float64) bool { return bd*(1-1e-12) > x }

// starts returns the first point of every parcel, for straightAt's groups.
func (a *Audit) starts() []int32 {
	out := make([]int32, len(a.Parcels))
	for i, p := range a.Parcels {
		out[i] = p.first
	}
	return out
}

// pointsWithin counts the points of parcel p whose distance in dist is
// within meters.
func (p *Parcel) pointsWithin(dist []float64, meters float64) int {
	n := 0
	for _, d := range dist[p.first : p.first+p.count] {
		if d <= meters {
			n++
		}
	}
	return n
}

// Points returns parcel p's resident points.
func (a *Audit) Points(p *Parcel) []orb.Point { return a.pts[p.first : p.first+p.count] }

// PointDistances returns, for a walk_access rule, the distances of parcel
// p's resident points (in the order of Points); nil for other rules.
func (r *Result) PointDistances(p *Parcel) []float64 {
	if r.pointDist == nil {
		return nil
	}
	return r.pointDist[p.first : p.first+p.count]
}

// localDistance is the distance in metres between nearby points in the
// plane tangent to the WGS84 ellipsoid at their middle latitude (its
// meridian and prime-vertical radii of curvature): within a few
// millimetres of the geodesic over the kilometres a rule measures, without
// the geodesic's iterations.
func localDistance(p, q orb.Point) float64 {
	const a, e2 = 6378137.0, 6.69437999014e-3
	phi := (p[1] + q[1]) / 2 * math.Pi / 180
	s := math.Sin(phi)
	w := 1 - e2*s*s
	n := a / math.Sqrt(w)
	m := n * (1 - e2) / w
	dx := (q[0] - p[0]) * math.Pi / 180 * n * math.Cos(phi)
	dy := (q[1] - p[1]) * math.Pi / 180 * m
	return math.Hypot(dx, dy)
}
