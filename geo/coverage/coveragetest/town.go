// Package coveragetest holds the fixture town that the coverage audit's
// tests and its reports' tests share: features only, so that each test
// stores and indexes them its own way.
package coveragetest

import (
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Origin is the point in Chengdu the town is laid out from, in metres east
// (x) and north (y).
var Origin = orb.Point{104.06, 30.66}

// M is the point x metres east and y north of Origin.
func M(x, y float64) orb.Point {
	const ky = 110852.0
	kx := 111319.49 * math.Cos(Origin[1]*math.Pi/180) * 1.0009
	return orb.Point{Origin[0] + x/kx, Origin[1] + y/ky}
}

// Rect is the rectangle between M(x0, y0) and M(x1, y1).
func Rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{M(x0, y0), M(x1, y0), M(x1, y1), M(x0, y1), M(x0, y0)}}
}

// Town is a town of two communities in a district, worked out by hand in
// the audit's tests: four residential compounds, two parks, streets, a
// ring road whose north belt is broken for 120 m, and a collection point.
func Town() []*geo.Feature {
	n := 0
	feat := func(layer string, g orb.Geometry, props map[string]any) *geo.Feature {
		n++
		return &geo.Feature{Layer: layer, Source: "fixture", SourceID: string(rune('a' + n)), Geom: g, Props: props}
	}
	street := func(a, b orb.Point, c orb.Point) *geo.Feature {
		return feat(geo.Roads, orb.LineString{a, b, c}, map[string]any{"class": "residential", "walkable": true})
	}
	parcel := func(name string, x0, y0, x1, y1 float64, pop int64) *geo.Feature {
		return feat(geo.Parcels, Rect(x0, y0, x1, y1), map[string]any{"name": name, "kind": "compound", "population": pop, "pop_source": "given"})
	}
	green := func(name, kind string, public bool, p orb.Polygon) *geo.Feature {
		return feat(geo.Green, p, map[string]any{"name": name, "kind": kind, "public": public})
	}
	return []*geo.Feature{
		feat(geo.Areas, Rect(0, 0, 2000, 1000), map[string]any{"name": "D", "level": "district"}),
		feat(geo.Areas, Rect(0, 0, 1000, 1000), map[string]any{"name": "C1", "level": "community"}),
		feat(geo.Areas, Rect(1000, 0, 2000, 1000), map[string]any{"name": "C2", "level": "community"}),
		street(M(0, 500), M(500, 500), M(1000, 500)),
		street(M(1000, 500), M(1500, 500), M(2000, 500)),
		street(M(500, 0), M(500, 500), M(500, 1000)),
		street(M(1500, 0), M(1500, 500), M(1500, 1000)),
		// The ring road, not walkable, with belts: north side broken for
		// 120 m (x 900–1020), south side whole.
		feat(geo.Roads, orb.LineString{M(0, 950), M(2000, 950)}, map[string]any{"class": "trunk", "ring": true, "walkable": false}),
		green("north belt W", "belt", false, Rect(0, 960, 900, 990)),
		green("north belt E", "belt", false, Rect(1020, 960, 2000, 990)),
		green("south belt", "belt", false, Rect(0, 900, 2000, 940)),
		parcel("P1", 400, 550, 480, 620, 1000),
		parcel("P2", 100, 100, 180, 180, 500),
		parcel("P3", 1520, 550, 1600, 620, 800),
		parcel("P4", 1900, 100, 1980, 180, 700),
		green("A", "park", true, Rect(510, 510, 610, 610)),
		green("B", "lawn", true, Rect(1520, 420, 1550, 440)),
		feat(geo.Waste, M(490, 600), map[string]any{"kind": "collection_point"}),
	}
}
