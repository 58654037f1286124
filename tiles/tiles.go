// Package tiles cuts Mapbox Vector Tiles (MVT 2.1) from the in-memory index.
// Features found through the R-tree are projected to the tile's 4096-unit
// grid in floating point (into new geometries: the index is never touched),
// clipped to the tile plus a 64-unit buffer, simplified with
// Douglas–Peucker at half a unit, then snapped to the integer grid; what
// collapses on the grid (smaller than a pixel) is dropped. Rings are wound
// as the spec says before encoding. The order — clip, simplify, snap — is
// PostGIS ST_AsMVTGeom's, whose tiles these are compared against in tests.
package tiles

import (
	"errors"
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

const (
	// Extent is the tile's coordinate range.
	Extent = 4096
	// Buffer is how far, in tile units, geometry reaches past the tile edge.
	Buffer = 64
	// MaxZoom is the deepest zoom served.
	MaxZoom = 24
	// Tolerance is the Douglas–Peucker tolerance in tile units: half a
	// pixel, so the simplified line stays within a unit of the original
	// once both are snapped to the grid.
	Tolerance = 0.5
)

// Public lists the layers of the composite public tile: parcels (with their
// residents) are not public.
var Public = []string{geo.Areas, geo.Green, geo.Roads, geo.Waste}

// ErrBadTile is wrapped by errors about a tile address.
var ErrBadTile = errors.New("bad tile address")

// Address checks a z/x/y address.
func Address(z, x, y int) (maptile.Tile, error) {
	if z < 0 || z > MaxZoom {
		return maptile.Tile{}, fmt.Errorf("%w: zoom %d is outside 0–%d", ErrBadTile, z, MaxZoom)
	}
	n := 1 << uint(z)
	if x < 0 || x >= n || y < 0 || y >= n {
		return maptile.Tile{}, fmt.Errorf("%w: x and y must be within 0–%d at zoom %d", ErrBadTile, n-1, z)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// clipBound is the tile plus its buffer, in tile units.
var clipBound = orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}

// Encode returns the uncompressed MVT of the named layers at t.
func Encode(snap *index.Snapshot, layers []string, t maptile.Tile) ([]byte, error) {
	views := make([]View, len(layers))
	for i, l := range layers {
		views[i] = View{Name: l, From: l}
	}
	return EncodeViews(snap, views, t)
}

// View is a tile layer drawn from a layer of the index, under its own name
// and with its own fields if it likes.
type View struct {
	Name   string                            // the layer's name in the tile
	From   string                            // the index layer its features come from
	Schema *geo.Schema                       // the fields written; nil: From's
	Props  func(*geo.Feature) map[string]any // the values; nil: the feature's own
}

// EncodeViews returns the uncompressed MVT of the views at t.
func EncodeViews(snap *index.Snapshot, views []View, t maptile.Tile) ([]byte, error) {
	// Search in WGS84 with the buffer: Buffer/Extent of a tile on each side.
	bound := t.Bound(float64(Buffer) / Extent)
	wide := t.Bound(2 * float64(Buffer) / Extent)
	proj := newProjection(t)
	dp := simplify.DouglasPeucker(Tolerance)
	var out []byte
	var cutErr error
	for _, v := range views {
		name := v.Name
		l := snap.Layer(v.From)
		if l == nil {
			return nil, fmt.Errorf("unknown layer %q", v.From)
		}
		sc := v.Schema
		if sc == nil {
			sc = l.Schema
		}
		w := newLayerWriter(name, sc)
		l.SearchBounds(bound, func(f *geo.Feature, fb orb.Bound) bool {
			g, err := cut(f.Geom, fb, proj, wide)
			if err != nil {
				cutErr = fmt.Errorf("tile %d/%d/%d: %s feature %d: %w", t.Z, t.X, t.Y, name, f.ID, err)
				return false
			}
			if g == nil {
				return true
			}
			if g = snapToGrid(dp.Simplify(g)); g != nil {
				props := f.Props
				if v.Props != nil {
					props = v.Props(f)
				}
				w.add(f, props, wind(g))
			}
			return true
		})
		if cutErr != nil {
			w.release()
			return nil, cutErr
		}
		out = w.appendLayer(out)
		w.release()
	}
	return out, nil
}

// projection maps WGS84 to the tile's grid, in floating point.
type projection struct {
	scale, x0, y0 float64
}

func newProjection(t maptile.Tile) projection {
	n := float64(uint64(1)<<uint(t.Z)) * Extent
	return projection{scale: n, x0: float64(t.X) * Extent, y0: float64(t.Y) * Extent}
}

func (p projection) point(q orb.Point) orb.Point {
	lat := math.Max(-85.05112878, math.Min(85.05112878, q[1])) * math.Pi / 180
	x := (q[0] + 180) / 360 * p.scale
	y := (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * p.scale
	return orb.Point{x - p.x0, y - p.y0}
}

// bound projects a lon/lat bound (the projection is monotonic on each axis;
// y runs south).
func (p projection) bound(b orb.Bound) orb.Bound {
	a, c := p.point(orb.Point{b.Min[0], b.Max[1]}), p.point(orb.Point{b.Max[0], b.Min[1]})
	return orb.Bound{Min: a, Max: c}
}

func (p projection) points(ps []orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, q := range ps {
		out[i] = p.point(q)
	}
	return out
}

// project returns a new geometry in tile units.
func project(g orb.Geometry, p projection) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return p.point(g)
	case orb.MultiPoint:
		return orb.MultiPoint(p.points(g))
	case orb.LineString:
		return orb.LineString(p.points(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = p.points(l)
		}
		return out
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = p.points(r)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, pg := range g {
			out[i] = project(pg, p).(orb.Polygon)
		}
		return out
	}
	return nil
}

// snapToGrid rounds coordinates to whole units and drops repeated points;
// lines with fewer than two points or lying on the buffer's edge, rings with fewer than three corners or
// no area, and polygons without an exterior ring are gone. It returns nil
// when nothing is left.
func snapToGrid(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{math.Round(g[0]), math.Round(g[1])}
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = orb.Point{math.Round(p[0]), math.Round(p[1])}
		}
		return out
	case orb.LineString:
		if l := snapLine(g); len(l) >= 2 && !onEdge(l) {
			return orb.LineString(l)
		}
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, l := range g {
			if s := snapLine(l); len(s) >= 2 && !onEdge(s) {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	case orb.Polygon:
		if p := snapPolygon(g); p != nil {
			return p
		}
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			if s := snapPolygon(p); s != nil {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func snapLine(ps []orb.Point) []orb.Point {
	out := make([]orb.Point, 0, len(ps))
	for _, p := range ps {
		q := orb.Point{math.Round(p[0]), math.Round(p[1])}
		if len(out) == 0 || out[len(out)-1] != q {
			out = append(out, q)
		}
	}
	return out
}

func snapPolygon(p orb.Polygon) orb.Polygon {
	var out orb.Polygon
	for i, r := range p {
		s := orb.Ring(snapLine(r))
		if len(s) > 0 && s[0] != s[len(s)-1] {
			s = append(s, s[0])
		}
		if len(s) < 4 || s.Orientation() == 0 {
			if i == 0 {
				return nil
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// wind orients rings for MVT in tile coordinates (y down): an exterior ring
// has a positive shoelace area (orb calls that counter-clockwise, as it
// assumes y up), a hole a negative one.
func wind(g orb.Geometry) orb.Geometry {
	switch t := g.(type) {
	case orb.Polygon:
		windPolygon(t)
	case orb.MultiPolygon:
		for _, p := range t {
			windPolygon(p)
		}
	}
	return g
}

func windPolygon(p orb.Polygon) {
	for i, r := range p {
		want := orb.CW
		if i == 0 {
			want = orb.CCW
		}
		if r.Orientation() != want {
			r.Reverse()
		}
	}
}
