package demotown

import (
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// TestGreenSurveyed: every green space of the demo town has a full survey
// record (普查) that the survey's own checks accept: grade 1–3, a unit
// among the town's Units, trees from 0 to a million, shrub and lawn areas
// within the green space's area; parks, belts, lawns and woods are kept by
// their district's greening company, compound gardens by a property
// company.
func TestGreenSurveyed(t *testing.T) {
	for _, opt := range []Options{{Seed: 1, Size: "small"}, {Seed: 1, Size: "city"}} {
		us, err := Units(opt)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, u := range us {
			kinds[u.ID] = u.Kind
		}
		fs, _ := generate(t, opt)
		n := 0
		for _, f := range fs {
			if f.Layer != geo.Green {
				continue
			}
			n++
			c := *f
			if err := geo.Prepare(&c); err != nil {
				t.Fatal(err)
			}
			area := c.Float("area_m2")
			grade, unit := f.Int("grade"), f.Text("unit")
			trees, okT := f.Props["trees"].(int64)
			shrub, okS := f.Props["shrub_m2"].(float64)
			lawn, okL := f.Props["lawn_m2"].(float64)
			want := "maintenance"
			if f.Text("kind") == "garden" {
				want = "property"
			}
			if grade < 1 || grade > 3 || kinds[unit] != want || !okT || !okS || !okL || trees < 0 || trees > 1_000_000 ||
				shrub < 0 || shrub > area || lawn < 0 || lawn > area {
				t.Fatalf("%+v: %s %s/%s of %.0f m²: %v (unit kind %q, want %q)", opt, f.Text("kind"), f.Source, f.SourceID, area, f.Props, kinds[unit], want)
			}
		}
		if n < 50 {
			t.Fatalf("%+v: %d green spaces", opt, n)
		}
	}
}
