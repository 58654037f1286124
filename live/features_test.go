package live

import (
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestFromFeatures: the features are numbered 1, 2, … within their own
// layer, in their order, and indexed; the layers given are at version 1,
// the others empty at 0.
func TestFromFeatures(t *testing.T) {
	fs := []*geo.Feature{
		{Layer: geo.Waste, Geom: orb.Point{104.01, 30.6}},
		{Layer: geo.Roads, Geom: orb.LineString{{104, 30.6}, {104.1, 30.6}}},
		{Layer: geo.Waste, Geom: orb.Point{104.02, 30.6}},
	}
	snap := FromFeatures(fs).Snapshot()
	for i, want := range []int64{1, 1, 2} {
		if fs[i].ID != want {
			t.Errorf("feature %d (%s): id %d, want %d", i, fs[i].Layer, fs[i].ID, want)
		}
		if got, ok := snap.Layer(fs[i].Layer).Get(fs[i].ID); !ok || got != fs[i] {
			t.Errorf("feature %d is not indexed as %s %d", i, fs[i].Layer, fs[i].ID)
		}
	}
	for _, sc := range geo.Schemas {
		l := snap.Layer(sc.ID)
		want, n := int64(0), 0
		switch sc.ID {
		case geo.Waste:
			want, n = 1, 2
		case geo.Roads:
			want, n = 1, 1
		}
		if l.Version != want || l.Len() != n {
			t.Errorf("%s: version %d with %d features, want %d with %d", sc.ID, l.Version, l.Len(), want, n)
		}
	}
}
