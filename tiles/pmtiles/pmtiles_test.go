package pmtiles

import (
	"testing"

	"github.com/paulmach/orb/maptile"
)

// TestTileID: Hilbert tile ids as the reference implementation (npm
// pmtiles 4.5.0, zxyToTileId) gives them.
func TestTileID(t *testing.T) {
	for _, c := range []struct {
		z    maptile.Zoom
		x, y uint32
		want uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1},
		{1, 0, 1, 2},
		{1, 1, 1, 3},
		{1, 1, 0, 4},
		{2, 1, 3, 11},
		{3, 7, 0, 84},
		{14, 12928, 6725, 303943686},
		{16, 53000, 27000, 4866675839},
		{20, 1000000, 500000, 1194873097215},
	} {
		if got := TileID(maptile.New(c.x, c.y, c.z)); got != c.want {
			t.Errorf("%d/%d/%d: %d, want %d", c.z, c.x, c.y, got, c.want)
		}
	}
}
