package coverage

import (
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geos"
)

// TestOverlapAreaAsGoGEOS: overlapArea (GEOS called directly, each
// geometry freed at once) gives, to the last bit, the area go-geos's
// calls give (unionGEOS, then areaWithin) for the green targets of the
// per-capita and area-ratio rules in every area unit of the demo town and
// in the town as a whole, and 0 where the union misses the unit.
func TestOverlapAreaAsGoGEOS(t *testing.T) {
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 2, Size: "small"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	var units []orb.Geometry
	for _, f := range fs {
		if f.Layer == geo.Areas {
			units = append(units, f.Geom)
		}
	}
	if len(units) < 3 {
		t.Fatalf("%d areas in the demo town: the test wants several", len(units))
	}
	// Far from the town: no green there.
	units = append(units, orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.01, 10.01}}.ToPolygon())
	gc := geos.NewContext()
	compared, nonzero := 0, 0
	for _, r := range Default().Rules {
		if r.Type != PerCapita && r.Type != AreaRatio {
			continue
		}
		var polys []orb.Geometry
		for _, f := range fs {
			if f.Layer == r.Target.Layer && r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
		}
		if len(polys) < 10 {
			t.Fatalf("rule %s: %d targets in the demo town", r.ID, len(polys))
		}
		for _, u := range append(units, nil) {
			got, err := overlapArea(gc, u, polys)
			if err != nil {
				t.Fatal(err)
			}
			all, err := unionGEOS(gc, polys)
			if err != nil {
				t.Fatal(err)
			}
			want, err := areaWithin(gc, all, u)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("rule %s, unit %v: overlapArea %v, go-geos %v", r.ID, u != nil, got, want)
			}
			compared++
			if got > 0 {
				nonzero++
			}
		}
	}
	if nonzero < compared/2 || nonzero == compared {
		t.Errorf("%d of %d areas are not 0: the test wants most, not all", nonzero, compared)
	}
	if got, err := overlapArea(gc, nil, nil); got != 0 || err != nil {
		t.Errorf("no polygons: %v, %v", got, err)
	}
}

// TestCentroidYAsGoGEOS: the centroid's latitude taken in C (each
// centroid destroyed at once) is go-geos's Centroid().Y() to the last bit,
// on the demo town's polygons and pieces GEOS cuts from them (with holes,
// multipolygons, slivers); and so is each piece's area in a cell.
func TestCentroidYAsGoGEOS(t *testing.T) {
	fs, gc, cc := cTown(t, 4)
	withC, without := overlay{gc: gc, cc: cc}, overlay{gc: gc}
	n := 0
	check := func(g *geos.Geom) {
		if g.IsEmpty() {
			return
		}
		if got, want := cc.centroidY(g), g.Centroid().Y(); got != want {
			t.Fatalf("centroid y %v, go-geos %v", got, want)
		}
		if got, want := withC.cellArea(g), without.cellArea(g); got != want {
			t.Fatalf("cell area %v, with go-geos's centroid %v", got, want)
		}
		n++
	}
	for _, f := range fs {
		switch f.Geom.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			continue
		}
		g, err := toGEOS(gc, f.Geom)
		if err != nil {
			t.Fatal(err)
		}
		check(g)
		// A piece of it: its bound's south-west quarter.
		b := f.Geom.Bound()
		c := b.Center()
		check(g.ClipByRect(b.Min[0], b.Min[1], c[0], c[1]))
	}
	if n < 500 {
		t.Fatalf("%d geometries compared: the test wants more", n)
	}
}

// TestClipMeetAreaAsGoGEOS: a piece's area within a unit clipped to the
// piece's bound, taken in C (clip and intersection destroyed at once), is
// go-geos's to the last bit — floating and snapped to radiusGrid — for
// every pair of a demo town parcel and an area its bound meets, clipped to
// the parcel's bound and to a quarter of it.
func TestClipMeetAreaAsGoGEOS(t *testing.T) {
	fs, gc, cc := cTown(t, 6)
	type unit struct {
		g *geos.Geom
		b orb.Bound
	}
	var units []unit
	for _, f := range fs {
		if f.Layer == geo.Areas {
			g, err := toGEOS(gc, f.Geom)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, unit{g, f.Geom.Bound()})
		}
	}
	n, partial := 0, 0
	for _, f := range fs {
		if f.Layer != geo.Parcels {
			continue
		}
		pg, err := toGEOS(gc, f.Geom)
		if err != nil {
			t.Fatal(err)
		}
		whole := overlay{gc: gc}.cellArea(pg)
		fb := f.Geom.Bound()
		for _, u := range units {
			if !u.b.Intersects(fb) {
				continue
			}
			// The piece's bound, and its south-west quarter (a part of it).
			for k, prec := range []float64{0, radiusGrid, 0, radiusGrid} {
				b := fb
				if k >= 2 {
					b.Max = fb.Center()
				}
				got := overlay{gc: gc, prec: prec, cc: cc}.clipMeetArea(pg, u.g, b)
				want := overlay{gc: gc, prec: prec}.clipMeetArea(pg, u.g, b)
				if got != want {
					t.Fatalf("parcel %s, grid %v: %v m² in the unit, go-geos %v", f.SourceID, prec, got, want)
				}
				if prec == 0 && got > 0 && got < whole*0.999 {
					partial++
				}
				n++
			}
		}
	}
	if n < 1000 || partial == 0 {
		t.Fatalf("%d pairs compared, %d cut by a unit's edge: the test wants more", n, partial)
	}
}

// cTown is the small demo town of seed's features, a go-geos context and
// a C context (closed when the test ends).
func cTown(t *testing.T, seed int64) ([]*geo.Feature, *geos.Context, *cContext) {
	t.Helper()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: seed, Size: "small"}, func(b []*geo.Feature) error { fs = append(fs, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	cc, err := newCContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.close)
	return fs, geos.NewContext(), cc
}
