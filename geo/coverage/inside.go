package coverage

import (
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// holdingTarget returns the qualifying target (of the rule's filter fl, in layer
// l) whose polygon holds p — the lowest id when several do: a resident
// there is at the target, at walking distance 0, whether or not a path
// passes near. ok is false when none holds p. It looks through the
// layer's spatial index and tests with geo.Contains (not GEOS's prepared
// geometries, whose ContainsXY is broken on bookworm's GEOS).
func holdingTarget(l *index.Layer, fl *Filter, p orb.Point) (id int64, ok bool) {
	l.Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
		if (!ok || f.ID < id) && fl.Match(f) && geo.Contains(f.Geom, p) {
			id, ok = f.ID, true
		}
		return true
	})
	return id, ok
}
