package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestSample: a zoom with no more tiles than its share gives them all,
// a larger one every k-th from its first (k the least that fits the
// share), in Covering's order.
func TestSample(t *testing.T) {
	b := orb.Bound{Min: orb.Point{104.0, 30.6}, Max: orb.Point{104.1, 30.7}}
	for _, tc := range []struct {
		from, to maptile.Zoom
		n        int
	}{{12, 12, 100}, {12, 16, 2000}, {14, 16, 30}, {16, 16, 1}} {
		got := Sample(b, tc.from, tc.to, tc.n)
		var want []maptile.Tile
		share := max(1, tc.n/int(tc.to-tc.from+1))
		for z := tc.from; z <= tc.to; z++ {
			var all []maptile.Tile
			for tl := range Covering(b, z).All() {
				all = append(all, tl)
			}
			k := 1
			for (len(all)+k-1)/k > share {
				k++
			}
			for i := 0; i < len(all); i += k {
				want = append(want, all[i])
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%v: %d tiles, want %d", tc, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%v: tile %d is %v, want %v", tc, i, got[i], want[i])
			}
		}
	}
}
