// Package zones finds the responsibility zone (责任区) of a place over the
// live index: the polygon of the zones layer holding it, or — where no
// zone does, as in a city without a zones layer — the management grid
// cell holding it (geo/grid, the audit's grid units), so every point has
// a zone with a stable code. Cases are auto-dispatched to the unit of
// their zone (cases.Zones); green spaces and waste points get theirs by a
// point inside them, for the assessment and lists.
package zones

import (
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/grid"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Zone is the responsibility zone of a place.
type Zone struct {
	// Code is the zone's code (its "code" attribute, else "Z" and its
	// feature id), or the grid cell's code (G1000-N…-E…).
	Code string
	Name string
	Unit string // the responsible unit's id; "" for grid cells
	// Street and Community are the zone's attributes ("" for grid cells).
	Street, Community string
	// Feature is the zones feature's id, or the cell's (negative) id.
	Feature int64
	Grid    bool // a grid cell: no zone holds the place
	Geom    orb.Geometry
}

// Finder looks zones up in the current snapshot of a live index.
type Finder struct {
	snapshot func() *index.Snapshot
	grid     grid.Grid
}

// New returns a Finder over the snapshots snapshot returns (the live
// index's Snapshot), falling back to grid cells of gridSize metres
// (grid.DefaultSize when 0).
func New(snapshot func() *index.Snapshot, gridSize int) (*Finder, error) {
	if gridSize == 0 {
		gridSize = grid.DefaultSize
	}
	g, err := grid.New(gridSize)
	if err != nil {
		return nil, err
	}
	return &Finder{snapshot: snapshot, grid: g}, nil
}

// At returns the zone holding p in the current snapshot.
func (f *Finder) At(p orb.Point) Zone { return f.in(f.snapshot(), p) }

// in returns the zone holding p in snap: of the zones whose polygon holds
// p (edges included), the one of the lowest feature id, so that a point on
// the edge two zones share has one zone; else p's grid cell.
func (f *Finder) in(snap *index.Snapshot, p orb.Point) Zone {
	var best *geo.Feature
	if l := snap.Layer(geo.Zones); l != nil && l.Len() > 0 {
		l.Search(orb.Bound{Min: p, Max: p}, func(z *geo.Feature) bool {
			if (best == nil || z.ID < best.ID) && geo.Contains(z.Geom, p) {
				best = z
			}
			return true
		})
	}
	if best == nil {
		c := f.grid.At(p)
		return Zone{Code: c.Code, Name: c.Code, Feature: c.ID(), Grid: true, Geom: c.Polygon()}
	}
	return Of(best)
}

// Of is the zone a zones feature describes.
func Of(z *geo.Feature) Zone {
	code := str(z, "code")
	if code == "" {
		code = "Z" + strconv.FormatInt(z.ID, 10)
	}
	return Zone{Code: code, Name: str(z, "name"), Unit: str(z, "unit"), Street: str(z, "street"),
		Community: str(z, "community"), Feature: z.ID, Geom: z.Geom}
}

func str(f *geo.Feature, key string) string {
	return f.Text(key)
}

// ZoneAt is cases.Zones: the zone of p with its unit. A grid cell, or a
// zone without a unit, has no one to dispatch to: ok is false, and the
// case waits for a dispatcher.
func (f *Finder) ZoneAt(ctx context.Context, p orb.Point) (cases.Zone, bool, error) {
	if err := ctx.Err(); err != nil {
		return cases.Zone{}, false, err
	}
	z := f.At(p)
	if z.Unit == "" {
		return cases.Zone{}, false, nil
	}
	return cases.Zone{ID: z.Code, Unit: z.Unit}, true, nil
}

// FeatureZone returns the zone of a feature (a green space, a waste
// point) by a point inside it (Inside).
func (f *Finder) FeatureZone(feat *geo.Feature) Zone { return f.At(Inside(feat.Geom)) }

// checkEvery is how many features Assign looks up between checks of its
// context.
const checkEvery = 4096

// Assign returns the zone of every feature of a layer of the current
// snapshot, by feature id, checking ctx as it goes.
func (f *Finder) Assign(ctx context.Context, layer string) (map[int64]Zone, error) {
	snap := f.snapshot()
	l := snap.Layer(layer)
	out := map[int64]Zone{}
	if l == nil {
		return out, nil
	}
	var err error
	n := 0
	l.Scan(func(feat *geo.Feature) bool {
		if n++; n%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		out[feat.ID] = f.in(snap, Inside(feat.Geom))
		return true
	})
	return out, err
}

// Inside returns a point of g that g holds: a point itself; for polygons,
// the centroid of the largest when it lies inside it, else the middle of
// the widest stretch of it along the parallel through its centroid (as a
// park with a lake round its centre needs); for lines, their middle
// vertex.
func Inside(g orb.Geometry) orb.Point {
	switch t := g.(type) {
	case orb.Point:
		return t
	case orb.MultiPoint:
		if len(t) > 0 {
			return t[0]
		}
	case orb.LineString:
		if len(t) > 0 {
			return t[len(t)/2]
		}
	case orb.MultiLineString:
		if len(t) > 0 {
			return Inside(t[0])
		}
	case orb.Polygon:
		return polygonInside(t)
	case orb.MultiPolygon:
		best, bestA := -1, -1.0
		for i, p := range t {
			if a := math.Abs(planar.Area(p)); a > bestA {
				best, bestA = i, a
			}
		}
		if best >= 0 {
			return polygonInside(t[best])
		}
	}
	return g.Bound().Center()
}

func polygonInside(p orb.Polygon) orb.Point {
	if len(p) == 0 || len(p[0]) == 0 {
		return orb.Point{}
	}
	c, _ := planar.CentroidArea(p)
	if planar.PolygonContains(p, c) {
		return c
	}
	y := c[1]
	var xs []float64
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] <= y) != (b[1] <= y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	slices.Sort(xs)
	best, bestW := orb.Point{}, -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bestW {
			best, bestW = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
		}
	}
	if bestW < 0 {
		return p[0][0]
	}
	return best
}
