package tiles

import (
	"iter"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TileRange is the tiles of one zoom between two corners: Lo north-west,
// Hi south-east.
type TileRange struct{ Lo, Hi maptile.Tile }

// Covering is the range of tiles at zoom z that b (lon/lat) touches.
func Covering(b orb.Bound, z maptile.Zoom) TileRange {
	return TileRange{Lo: maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), Hi: maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)}
}

// Len is how many tiles the range holds.
func (r TileRange) Len() int { return int(r.Hi.X-r.Lo.X+1) * int(r.Hi.Y-r.Lo.Y+1) }

// All yields the range's tiles column by column (x, then y), without
// listing them first: a deep zoom's range can be millions.
func (r TileRange) All() iter.Seq[maptile.Tile] {
	return func(yield func(maptile.Tile) bool) {
		for x := r.Lo.X; x <= r.Hi.X; x++ {
			for y := r.Lo.Y; y <= r.Hi.Y; y++ {
				if !yield(maptile.New(x, y, r.Lo.Z)) {
					return
				}
			}
		}
	}
}

// Sample lists at most about n tiles over b from zoom from to zoom to, an
// equal share per zoom: all the tiles of a zoom that has no more than its
// share, else every k-th (the tile list of bench/tiles).
func Sample(b orb.Bound, from, to maptile.Zoom, n int) []maptile.Tile {
	share := max(1, n/int(to-from+1))
	var out []maptile.Tile
	for z := from; z <= to; z++ {
		r := Covering(b, z)
		step := 1
		if r.Len() > share {
			step = (r.Len() + share - 1) / share
		}
		i := 0
		for t := range r.All() {
			if i%step == 0 {
				out = append(out, t)
			}
			i++
		}
	}
	return out
}

// LayersBound is the bound of the features of the named layers of snap;
// false when they hold none (or none of the names is a layer).
func LayersBound(snap *index.Snapshot, layers []string) (orb.Bound, bool) {
	var ext orb.Bound
	found := false
	for _, l := range layers {
		ly := snap.Layer(l)
		if ly == nil {
			continue
		}
		if b, ok := ly.Bound(); ok {
			if !found {
				ext, found = b, true
			} else {
				ext = ext.Union(b)
			}
		}
	}
	return ext, found
}
