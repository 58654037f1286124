// Package tiles cuts Mapbox Vector Tiles (MVT 2.1) from the in-memory index:
// features found through the R-tree are cloned (the encoder projects in
// place), projected to the tile, clipped with a 64-unit buffer of the 4096
// extent, simplified to a tile unit, stripped of what is smaller than one
// unit, and their rings wound as the spec says (exterior clockwise on
// screen, holes counter-clockwise) before encoding.
package tiles

import (
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
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

// Encode returns the uncompressed MVT of the named layers at t.
func Encode(snap *index.Snapshot, layers []string, t maptile.Tile) ([]byte, error) {
	ls := make(mvt.Layers, 0, len(layers))
	// Search in WGS84 with the buffer: Buffer/Extent of a tile on each side.
	bound := t.Bound(float64(Buffer) / Extent)
	for _, name := range layers {
		l := snap.Layer(name)
		if l == nil {
			return nil, fmt.Errorf("unknown layer %q", name)
		}
		fc := geojson.NewFeatureCollection()
		l.Search(bound, func(f *geo.Feature) bool {
			gf := geojson.NewFeature(orb.Clone(f.Geom))
			gf.ID = f.ID
			for k, v := range f.Props {
				gf.Properties[k] = v
			}
			fc.Append(gf)
			return true
		})
		ml := mvt.NewLayer(name, fc)
		ml.Version, ml.Extent = 2, Extent
		ls = append(ls, ml)
	}
	ls.ProjectToTile(t)
	ls.Clip(orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}})
	ls.Simplify(simplify.DouglasPeucker(1.0))
	ls.RemoveEmpty(1.0, 1.0)
	for _, l := range ls {
		for _, f := range l.Features {
			f.Geometry = wind(f.Geometry)
		}
	}
	return mvt.Marshal(ls)
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
