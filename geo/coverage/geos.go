package coverage

import (
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// overlapArea returns the geodesic area (m²) of the union of polys lying
// inside unit (nil: all of it): overlapping polygons (a lawn inside a park)
// count once. The overlay runs in lon/lat, as PostGIS ST_Intersection on
// geometry(4326) does; the area is measured on the ellipsoid. It makes the
// same GEOS calls as unionGEOS and areaWithin, in a GEOS context of its own
// (unionWithin) that frees each geometry at once; gc is not used.
func overlapArea(gc *geos.Context, unit orb.Geometry, polys []orb.Geometry) (float64, error) {
	if len(polys) == 0 {
		return 0, nil
	}
	in, err := unionWithin(unit, polys)
	if err != nil || in == nil {
		return 0, err
	}
	return geo.Area(in), nil
}

// unionGEOS returns the union of polys as overlapArea makes it, in gc.
func unionGEOS(gc *geos.Context, polys []orb.Geometry) (*geos.Geom, error) {
	parts := make([]*geos.Geom, 0, len(polys))
	for _, p := range polys {
		g, err := toGEOS(gc, p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, g)
	}
	all := gc.NewCollection(geos.TypeIDGeometryCollection, parts).UnaryUnion()
	if all == nil {
		return nil, fmt.Errorf("GEOS union failed")
	}
	return all, nil
}

// areaWithin returns the geodesic area (m²) of all (a union from
// unionGEOS) inside unit (nil: all of it).
func areaWithin(gc *geos.Context, all *geos.Geom, unit orb.Geometry) (float64, error) {
	in := all
	if unit != nil {
		u, err := toGEOS(gc, unit)
		if err != nil {
			return 0, err
		}
		in = all.Intersection(u)
	}
	if in == nil {
		return 0, fmt.Errorf("GEOS intersection failed")
	}
	if in.IsEmpty() {
		return 0, nil
	}
	out, err := wkb.Unmarshal(in.ToWKB())
	if err != nil {
		return 0, err
	}
	return geo.Area(geo.Polygons(out)), nil
}

func toGEOS(gc *geos.Context, g orb.Geometry) (*geos.Geom, error) {
	data, err := wkb.Marshal(g)
	if err != nil {
		return nil, err
	}
	return gc.NewGeomFromWKB(data)
}

func wkbGeometry(g *geos.Geom) (orb.Geometry, error) {
	return wkb.Unmarshal(g.ToWKB())
}
