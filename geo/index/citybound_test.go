package index

import (
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// TestCityBound: without areas the city is every layer's extent together;
// with them, the areas' extent alone; empty, the zero bound.
func TestCityBound(t *testing.T) {
	if b := Empty().CityBound(); b != (orb.Bound{}) {
		t.Errorf("empty snapshot: %v", b)
	}
	road := &geo.Feature{Layer: geo.Roads, ID: 1, Geom: orb.LineString{{104.01, 30.61}, {104.05, 30.62}}}
	bin := &geo.Feature{Layer: geo.Waste, ID: 2, Geom: orb.Point{104.2, 30.7}}
	s := Empty().With([]*geo.Feature{road, bin}, nil)
	if b, want := s.CityBound(), (orb.Bound{Min: orb.Point{104.01, 30.61}, Max: orb.Point{104.2, 30.7}}); b != want {
		t.Errorf("roads and a bin: %v, want %v", b, want)
	}
	area := &geo.Feature{Layer: geo.Areas, ID: 3, Geom: orb.MultiPolygon{{{{104.02, 30.6}, {104.1, 30.6}, {104.1, 30.65}, {104.02, 30.65}, {104.02, 30.6}}}}}
	if b, want := s.With([]*geo.Feature{area}, nil).CityBound(), area.Geom.Bound(); b != want {
		t.Errorf("with an area: %v, want %v", b, want)
	}
}
