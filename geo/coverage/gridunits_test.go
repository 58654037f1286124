package coverage

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// fresh copies features for a new store (Put gives them ids).
func fresh(feats []*geo.Feature) []*geo.Feature {
	out := make([]*geo.Feature, len(feats))
	for i, f := range feats {
		c := *f
		c.ID = 0
		out[i] = &c
	}
	return out
}

// cellOf works out by hand the code of the 1 km cell of p: rows of
// 1000 / 111195.08 m° from the equator, columns as wide as 1000 m at the
// row's middle latitude from the prime meridian.
func cellOf(p [2]float64) (row, col int) {
	d := 1000 / (6371008.8 * math.Pi / 180)
	row = int(math.Floor(p[1] / d))
	w := d / math.Cos((float64(row)+0.5)*d*math.Pi/180)
	return row, int(math.Floor(p[0] / w))
}

// TestGridUnitsChengdu: Chengdu's extract has no complete administrative
// boundary, so the audit reports on 1 km² grid cells: every parcel lies in
// exactly one cell (the one its inside point falls in, worked out here
// independently), the cells listed are those and the ones residential land
// reaches, the cells' additive figures (land too) sum to the city's, and a
// cell's code and extent stay the same when the data grows. The reports'
// wording is tested in package report.
func TestGridUnitsChengdu(t *testing.T) {
	ctx := context.Background()
	feats, _, err := osm.ReadFile(ctx, storetest.SharedData(t, "chengdu.osm.pbf"), osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feats {
		if f.Layer == geo.Areas {
			t.Fatalf("Chengdu's extract imported area %s; the test wants a city without areas", f.SourceID)
		}
	}
	a, err := Run(ctx, snapshotOf(t, fresh(feats)), Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	if a.GridSize != 1000 || len(a.Units) < 2 {
		t.Fatalf("grid size %d, %d units: want 1000 m cells", a.GridSize, len(a.Units))
	}
	cells := map[string]*Unit{}
	for _, u := range a.Units[1:] {
		if u.Level != Grid {
			t.Fatalf("unit %s level %q, want grid", u.Name, u.Level)
		}
		if a := geo.Area(u.Geom); math.Abs(a-1e6) > 0.01e6 || math.Abs(u.Area-a) > 1 {
			t.Errorf("cell %s: %.0f m² (unit says %.0f), want 1 km² within 1%%", u.Name, a, u.Area)
		}
		cells[u.Name] = u
	}
	perCell := map[string]int{}
	for _, p := range a.Parcels {
		var in []*Unit
		for _, u := range p.Units()[1:] {
			in = append(in, u)
		}
		if len(in) != 1 {
			t.Fatalf("parcel %d is in %d cells, want exactly 1", p.ID, len(in))
		}
		row, col := cellOf(p.Point)
		want := "G1000-N" + strconv.Itoa(row) + "-E" + strconv.Itoa(col)
		if in[0].Name != want {
			t.Errorf("parcel %d at %v: cell %s, want %s", p.ID, p.Point, in[0].Name, want)
		}
		perCell[in[0].Name]++
	}
	// Every cell holding an inside point is listed; the others listed hold
	// part of a residential polygon (the radius rule clips land to cells).
	for name := range perCell {
		if cells[name] == nil {
			t.Errorf("cell %s holds parcels but is not listed", name)
		}
	}
	landOnly := 0
	for name, u := range cells {
		if perCell[name] > 0 {
			continue
		}
		landOnly++
		held := false
		for _, f := range feats {
			if f.Layer != geo.Parcels || f.Text("kind") == "building" && f.Int("population") <= 0 {
				continue
			}
			if part := clip.Geometry(u.Geom.Bound(), orb.Clone(f.Geom)); part != nil && geo.Area(part) > 0 {
				held = true
				break
			}
		}
		if !held {
			t.Errorf("cell %s holds no inside point and no residential land", name)
		}
	}
	t.Logf("%d cells hold inside points, %d only residential land", len(perCell), landOnly)

	// Additive figures: the cells sum to the city.
	for _, r := range a.Results {
		city := r.Units[0]
		if len(r.Units)-1 != len(cells) {
			t.Errorf("rule %s reports on %d cells, want %d", r.Rule.ID, len(r.Units)-1, len(cells))
		}
		var res, cov int64
		var land, landCov, num, den float64
		for _, u := range r.Units[1:] {
			res, cov, land, landCov = res+u.Residents, cov+u.Covered, land+u.Land, landCov+u.LandCovered
			num, den = num+u.Numerator, den+u.Denominator
		}
		if res != city.Residents || math.Abs(land-city.Land) > 1e-6*city.Land+1e-6 {
			t.Errorf("rule %s: cells hold %d residents, %.0f m² land; the city %d, %.0f", r.Rule.ID, res, land, city.Residents, city.Land)
		}
		switch r.Rule.Type {
		case WalkAccess, RadiusCoverage:
			// Covered residents are each unit's sum of point shares, rounded
			// on its own: the cells' sum may differ by half a resident each.
			if math.Abs(float64(cov-city.Covered)) > float64(len(cells))/2 || math.Abs(landCov-city.LandCovered) > 1e-6*city.Land+1e-6 {
				t.Errorf("rule %s: cells cover %d residents, %.0f m²; the city %d, %.0f", r.Rule.ID, cov, landCov, city.Covered, city.LandCovered)
			}
			fallthrough
		case AreaRatio:
			if math.Abs(num-city.Numerator) > 1e-6*math.Abs(city.Numerator)+1e-6 || math.Abs(den-city.Denominator) > 1e-6*city.Denominator+1e-6 {
				t.Errorf("rule %s: cells sum to %g / %g, the city is %g / %g", r.Rule.ID, num, den, city.Numerator, city.Denominator)
			}
		}
		if r.Rule.Type == AreaRatio && (city.NA || city.Denominator < float64(len(cells))*0.99e6) {
			t.Errorf("rule %s: the city's area is %g m², want the cells' (%d km²)", r.Rule.ID, city.Denominator, len(cells))
		}
	}

	// Grow the data: audit the western half of the parcels (and everything
	// else), then all of them. Each parcel's cell keeps its code and extent.
	var xs []float64
	for _, f := range feats {
		if f.Layer == geo.Parcels {
			xs = append(xs, network.Inside(f.Geom)[0])
		}
	}
	sort.Float64s(xs)
	var part []*geo.Feature
	for _, f := range feats {
		if f.Layer != geo.Parcels || network.Inside(f.Geom)[0] < xs[len(xs)/2] {
			part = append(part, f)
		}
	}
	b, err := Run(ctx, snapshotOf(t, fresh(part)), Default(), Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Units) >= len(a.Units) {
		t.Fatalf("half the parcels give %d units, all give %d", len(b.Units), len(a.Units))
	}
	full := map[string]string{}
	for _, p := range a.Parcels {
		full[a.ParcelName(p)+"@"+fmt.Sprint(p.Point)] = p.Units()[1].Name
	}
	for _, u := range b.Units[1:] {
		if c, ok := cells[u.Name]; !ok || !orb.Equal(c.Geom, u.Geom) || c.ID != u.ID {
			t.Errorf("cell %s of the smaller audit is not the same in the full one", u.Name)
		}
	}
	for _, p := range b.Parcels {
		if got := full[b.ParcelName(p)+"@"+fmt.Sprint(p.Point)]; got != p.Units()[1].Name {
			t.Errorf("parcel %s: cell %s with half the data, %s with all", b.ParcelName(p), p.Units()[1].Name, got)
		}
	}

	// The size is an option, and the rules' grid_size_m.
	c, err := Run(ctx, snapshotOf(t, fresh(feats)), Default(), Options{Mode: Straight, GridSize: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if c.GridSize != 2000 || !strings.HasPrefix(c.Units[1].Name, "G2000-") || len(c.Units) >= len(a.Units) {
		t.Errorf("--grid-size 2000: size %d, first cell %s, %d units (1 km: %d)", c.GridSize, c.Units[1].Name, len(c.Units), len(a.Units))
	}
	if _, err := Run(ctx, snapshotOf(t, fresh(feats)), Default(), Options{Mode: Straight, GridSize: 50}); err == nil || !strings.Contains(err.Error(), "100–100000 m") {
		t.Errorf("grid size 50 m: %v, want the limit named", err)
	}
}

// TestGridSizeRule: the rule set's grid_size_m is read and bounded.
func TestGridSizeRule(t *testing.T) {
	rule := "rules:\n  - {id: x, type: area_ratio, target: {layer: green}, min: 0.3}\n"
	rs, err := Parse("ok.yaml", []byte("grid_size_m: 500\n"+rule))
	if err != nil || rs.GridSize != 500 || gridSize(Options{}, rs) != 500 || gridSize(Options{GridSize: 2000}, rs) != 2000 {
		t.Errorf("grid_size_m 500: %v %+v", err, rs)
	}
	if d := gridSize(Options{}, Default()); d != 1000 {
		t.Errorf("default grid size %d, want 1000", d)
	}
	if _, err := Parse("bad.yaml", []byte("grid_size_m: 50\n"+rule)); err == nil || !strings.Contains(err.Error(), "bad.yaml: grid_size_m: grid cell size 50 m: want 100–100000 m") {
		t.Errorf("grid_size_m 50: %v", err)
	}
}
