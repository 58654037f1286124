package coverage

import (
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// targetIndex holds a rule's qualifying targets (in id order) by their
// bounds, for finding the one a resident point lies in.
type targetIndex struct {
	fs   []*geo.Feature
	tree rtree.RTreeG[int32]
}

func newTargetIndex(fs []*geo.Feature) *targetIndex {
	ti := &targetIndex{fs: fs}
	for i, f := range fs {
		b := f.Bound()
		ti.tree.Insert(b.Min, b.Max, int32(i))
	}
	return ti
}

// holding returns the index of the target whose polygon holds p — the
// lowest id when several do: a resident there is at the target, at
// walking distance 0, whether or not a path passes near. ok is false when
// none holds p. It tests with geo.Contains (not GEOS's prepared
// geometries, whose ContainsXY is broken on bookworm's GEOS).
func (ti *targetIndex) holding(p orb.Point) (i int32, ok bool) {
	ti.tree.Search(p, p, func(_, _ [2]float64, k int32) bool {
		if (!ok || ti.fs[k].ID < ti.fs[i].ID) && geo.Contains(ti.fs[k].Geom, p) {
			i, ok = k, true
		}
		return true
	})
	return i, ok
}
