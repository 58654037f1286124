package live

import (
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// FromFeatures returns an index of features that come from no store (a
// generated town in a benchmark): each layer's numbered 1, 2, … in their
// order (their IDs are set), every layer given at version 1.
func FromFeatures(fs []*geo.Feature) *Index {
	ix := New()
	ch := &store.Changes{Put: fs, Versions: map[string]int64{}, Deleted: map[string][]int64{}}
	ids := map[string]int64{}
	for _, f := range fs {
		ids[f.Layer]++
		f.ID = ids[f.Layer]
		ch.Versions[f.Layer] = 1
	}
	ix.Apply(ch)
	return ix
}
