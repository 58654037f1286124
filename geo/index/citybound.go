package index

import (
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// CityBound is the city's extent as the case routes take it: the areas
// layer's bound, else the union of every layer's (the zero bound when the
// snapshot is empty).
func (s *Snapshot) CityBound() orb.Bound {
	if b, ok := s.Layer(geo.Areas).Bound(); ok {
		return b
	}
	var all orb.Bound
	found := false
	for _, sc := range geo.Schemas {
		if b, ok := s.Layer(sc.ID).Bound(); ok {
			if !found {
				all, found = b, true
			}
			all = all.Union(b)
		}
	}
	return all
}
