package tiles

import (
	"context"
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Pyramid cuts every tile of layers from zoom minZ to maxZ that holds a
// feature, over the layers' extent, and hands each (uncompressed MVT) to
// add; progress, if not nil, hears of each zoom's tiles as they are cut.
// It cuts them with an Encoder of its own, let go when it returns.
func Pyramid(ctx context.Context, snap *index.Snapshot, layers []string, minZ, maxZ int, add func(maptile.Tile, []byte) error, progress func(z, done, total int)) (orb.Bound, error) {
	if minZ < 0 || maxZ > MaxZoom || minZ > maxZ {
		return orb.Bound{}, fmt.Errorf("%w: zooms %d–%d (want 0 ≤ min ≤ max ≤ %d)", ErrBadTile, minZ, maxZ, MaxZoom)
	}
	for _, l := range layers {
		if snap.Layer(l) == nil {
			return orb.Bound{}, fmt.Errorf("unknown layer %q", l)
		}
	}
	ext, found := LayersBound(snap, layers)
	if !found {
		return orb.Bound{}, fmt.Errorf("layers %v hold no features", layers)
	}
	enc := NewEncoder()
	for z := minZ; z <= maxZ; z++ {
		r := Covering(ext, maptile.Zoom(z))
		total, done := r.Len(), 0
		for t := range r.All() {
			if err := ctx.Err(); err != nil {
				return ext, err
			}
			done++
			if !holds(snap, layers, SearchBound(t)) {
				continue
			}
			b, err := enc.Encode(snap, layers, t)
			if err != nil {
				return ext, err
			}
			if err := add(t, b); err != nil {
				return ext, err
			}
			if progress != nil && done%256 == 0 {
				progress(z, done, total)
			}
		}
		if progress != nil {
			progress(z, total, total)
		}
	}
	return ext, nil
}

func holds(snap *index.Snapshot, layers []string, b orb.Bound) bool {
	any := false
	for _, l := range layers {
		snap.Layer(l).Search(b, func(*geo.Feature) bool { any = true; return false })
		if any {
			return true
		}
	}
	return false
}
