package coverage

import (
	"context"
	"math"
	"sort"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
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
// polygon cannot make the audit's memory grow past it.
const maxParcelCells = 1 << 16

// Sources of a parcel's population figure.
const (
	PopGiven    = "given"              // the data gave it
	PopBuilding = "estimated_building" // estimated from a building's floor area
	PopArea     = "estimated_area"     // estimated from a block's or parcel's area
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
func popSource(source, kind string) string {
	switch source {
	case "estimated", PopBuilding, PopArea:
		if source == PopBuilding || source == "estimated" && kind == "building" {
			return PopBuilding
		}
		return PopArea
	}
	return PopGiven
}

// residentPoints lays out every parcel's points (see PointSpacing) in
// a.pts, parcel by parcel.
func (a *Audit) residentPoints(ctx context.Context) error {
	var xs []float64
	for i, p := range a.Parcels {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p.first = int32(len(a.pts))
		if p.Population > 0 {
			a.pts, xs = gridPoints(a.pts, xs, p.Geom)
		}
		if int32(len(a.pts)) == p.first {
			a.pts = append(a.pts, p.Point)
		}
		p.count = int32(len(a.pts)) - p.first
	}
	return nil
}

// gridPoints appends the centres of the grid cells (PointSpacing or less
// on a side) over g's bounding box that lie inside g, row by row: each row
// crosses the rings once, and its centres are taken from the inside
// stretches (even-odd, so holes and several parts are honoured).
func gridPoints(dst []orb.Point, xs []float64, g orb.Geometry) ([]orb.Point, []float64) {
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
	kx := 111195.08 * math.Cos(b.Center()[1]*math.Pi/180)
	w, h := (b.Max[0]-b.Min[0])*kx, (b.Max[1]-b.Min[1])*111195.08
	if !(w >= 0 && h >= 0) || math.IsInf(w, 0) || math.IsInf(h, 0) {
		return dst, xs
	}
	spacing := PointSpacing
	if cells := math.Ceil(w/spacing) * math.Ceil(h/spacing); cells > maxParcelCells {
		spacing = math.Sqrt(w*h/maxParcelCells) + 1
	}
	nx, ny := max(1, int(math.Ceil(w/spacing))), max(1, int(math.Ceil(h/spacing)))
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
	for i, pt := range a.pts {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a.access[i] = math.Inf(1)
		if at, d, ok := g.Snap(pt, SnapLimit); ok {
			a.at[i], a.access[i] = at, d
		}
	}
	return nil
}

// walked returns every resident point's walking distance from d (the
// multi-source walk of a rule) and the label of its nearest source (-1:
// none).
func (a *Audit) walked(ctx context.Context, d *network.Distances) ([]float64, []int32, error) {
	dist := make([]float64, len(a.pts))
	labels := make([]int32, len(a.pts))
	for i := range a.pts {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
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
	return dist, labels, nil
}

// perParcel folds per-point distances into per-parcel figures: the
// farthest point's distance (so a parcel is within a distance when all its
// residents are) and the share of its points — so of its residents — within
// meters.
func (a *Audit) perParcel(dist []float64, meters float64) (far, share map[int64]float64) {
	far = make(map[int64]float64, len(a.Parcels))
	share = make(map[int64]float64, len(a.Parcels))
	for _, p := range a.Parcels {
		worst, in := 0.0, 0
		for _, d := range dist[p.first : p.first+p.count] {
			worst = math.Max(worst, d)
			if d <= meters {
				in++
			}
		}
		far[p.ID] = worst
		share[p.ID] = float64(in) / float64(p.count)
	}
	return far, share
}

// straightAt returns, per point of pts, the straight-line distance to the
// nearest feature of layer accepted by ok (which gives the feature's
// radius), looking no farther than limit (beyond: +Inf).
func straightAt(ctx context.Context, snap *index.Snapshot, pts []orb.Point, layer string, ok func(*geo.Feature) (float64, bool), limit float64) ([]float64, error) {
	out := make([]float64, len(pts))
	l := snap.Layer(layer)
	type cand struct {
		approx, radius float64
		q              orb.Point
	}
	var cs []cand
	for i, pt := range pts {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		kx, ky := math.Cos(pt[1]*math.Pi/180)*111195.08, 111195.08
		cs = cs[:0]
		bestApprox := math.Inf(1)
		l.SearchBounds(geo.RadiusBound(pt, limit), func(f *geo.Feature, fb orb.Bound) bool {
			radius, yes := ok(f)
			if !yes {
				return true
			}
			// Candidates by their distance in the plane centred on the
			// point; only the nearest few are measured geodesically.
			var q orb.Point
			if fb.Contains(pt) {
				q = geo.ClosestPoint(pt, f.Geom)
			} else {
				q = geo.ClosestOnBoundary(pt, f.Geom)
			}
			dx, dy := (q[0]-pt[0])*kx, (q[1]-pt[1])*ky
			approx := math.Hypot(dx, dy)
			if approx <= 1.01*radius+1 {
				cs = append(cs, cand{approx, radius, q})
				bestApprox = math.Min(bestApprox, approx)
			}
			return true
		})
		best := math.Inf(1)
		for _, c := range cs {
			if c.approx > 1.01*bestApprox+1 && c.approx > 1.01*best+1 {
				continue
			}
			if d := geo.Distance(pt, c.q); d <= c.radius && d < best {
				best = d
			}
		}
		out[i] = best
	}
	return out, nil
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
