package network

import (
	"context"
	"math"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

// TestAccessPointsBoundsEqualExact: on the small demo town and Chengdu,
// every polygon's access stretches are the same, bit for bit, whether the
// gap is measured at every sample or stretches far beyond the zone are
// passed over on lower bounds — at several gaps, so that zones of every
// width are found; the gap along each stretch too.
func TestAccessPointsBoundsEqualExact(t *testing.T) {
	var town []*geo.Feature
	demotown.Generate(demotown.Options{Seed: 1, Size: "small"}, func(fs []*geo.Feature) error {
		town = append(town, fs...)
		return nil
	})
	chengdu, _, err := osm.ReadFile(context.Background(), storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, feats := range map[string][]*geo.Feature{"small": town, "chengdu": chengdu} {
		t.Run(name, func(t *testing.T) {
			g := Build(feats)
			polys, stretches := 0, 0
			for fi, f := range feats {
				switch f.Geom.(type) {
				case orb.Polygon, orb.MultiPolygon:
				default:
					continue
				}
				if f.Layer != geo.Green && f.Layer != geo.Parcels {
					continue
				}
				polys++
				for _, gap := range []float64{5, AccessGap, 60} {
					want := g.accessPoints(f.Geom, gap, false, true)
					got := g.accessPoints(f.Geom, gap, false, false)
					if len(got) != len(want) {
						t.Fatalf("%s (feature %d), gap %g: %d stretches, want %d", f.Layer, fi, gap, len(got), len(want))
					}
					stretches += len(want)
					for i, w := range want {
						a := got[i]
						if a.At != w.At || a.End != w.End || a.Gap != w.Gap || a.Rise != w.Rise || (a.Along == nil) != (w.Along == nil) {
							t.Fatalf("%s (feature %d), gap %g, stretch %d: %+v, want %+v", f.Layer, fi, gap, i, a, w)
						}
						if w.Along == nil {
							continue
						}
						for k := 0; k <= 8; k++ {
							x := w.At.Offset + (w.End-w.At.Offset)*float64(k)/8
							if ga, gw := a.Along(x), w.Along(x); ga != gw && !(math.IsNaN(ga) && math.IsNaN(gw)) {
								t.Fatalf("%s (feature %d), gap %g, stretch %d at %g: gap %g, want %g", f.Layer, fi, gap, i, x, ga, gw)
							}
						}
					}
				}
			}
			if polys < 100 || stretches < 1000 {
				t.Errorf("%d polygons, %d stretches: too few to tell", polys, stretches)
			}
			t.Logf("%d polygons, %d stretches", polys, stretches)
		})
	}
}
