package network

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// TestWalksNearest: on a grid of 50 m blocks, the nearest points by walk
// are at their distances along the streets (not the straight line), k
// bounds the answer, and a reach gets to those within its length.
func TestWalksNearest(t *testing.T) {
	snap := streets(4).With([]*geo.Feature{
		{ID: 1, Layer: geo.Waste, Geom: m(100, 50)},  // 150 m along the streets, 112 m straight
		{ID: 2, Layer: geo.Waste, Geom: m(200, 200)}, // 400 m, 283 m straight
		{ID: 3, Layer: geo.Waste, Geom: m(5000, 0)},  // beyond the walk
	}, nil)
	w, err := NewCache(0, nil).Walks(context.Background(), snap.Layer(geo.Roads))
	if err != nil {
		t.Fatal(err)
	}
	hits, ok, err := w.Nearest(context.Background(), snap.Layer(geo.Waste), geo.Waste, m(0, 0), 3, 1000)
	if err != nil || !ok || len(hits) != 2 {
		t.Fatalf("nearest: %v %v %v", hits, ok, err)
	}
	for i, want := range []float64{150, 400} {
		if hits[i].Feature.ID != int64(i+1) || math.Abs(hits[i].Distance-want) > 1 {
			t.Errorf("hit %d: %d at %.1f m, want %d at %.0f m", i, hits[i].Feature.ID, hits[i].Distance, i+1, want)
		}
	}
	if hits, _, _ := w.Nearest(context.Background(), snap.Layer(geo.Waste), geo.Waste, m(0, 0), 1, 1000); len(hits) != 1 || hits[0].Feature.ID != 1 {
		t.Errorf("k=1: %v", hits)
	}
	// A 300 m walk reaches the first only; a 500 m one both, in order.
	for meters, want := range map[float64][]int64{300: {1}, 500: {1, 2}} {
		r, _ := w.Graph.Reach(m(0, 0), meters)
		var got []int64
		for _, h := range w.Reached(r, snap.Layer(geo.Waste), geo.Waste) {
			got = append(got, h.Feature.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("reached in %.0f m: %v, want %v", meters, got, want)
		}
	}
}
