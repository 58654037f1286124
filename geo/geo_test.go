package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// Reference lengths of one degree on WGS84 at the equator: along the equator
// a·π/180, along the meridian (1−e²)·a·π/180 (the meridional radius of
// curvature at φ=0 is a(1−e²)).
const (
	degLonEq = 6378137 * math.Pi / 180
	degLatEq = 6378137 * (1 - 0.0066943799901413165) * math.Pi / 180
)

// cellAt is the area of a small d×d degree cell centred at latitude lat, from
// the radii of curvature: N (prime vertical) and M (meridian).
func cellAt(lat, d float64) float64 {
	const a, e2 = 6378137, 0.0066943799901413165
	s := math.Sin(lat * math.Pi / 180)
	w := 1 - e2*s*s
	n := a / math.Sqrt(w)
	m := a * (1 - e2) / (w * math.Sqrt(w))
	return d * math.Pi / 180 * n * math.Cos(lat*math.Pi/180) * d * math.Pi / 180 * m
}

func TestAreaAndLength(t *testing.T) {
	sq := func(x, y, d float64) orb.Ring {
		return orb.Ring{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}
	}
	rev := func(r orb.Ring) orb.Ring {
		c := append(orb.Ring(nil), r...)
		c.Reverse()
		return c
	}
	cell := 0.01 * degLonEq * 0.01 * degLatEq
	tests := []struct {
		name string
		g    orb.Geometry
		want float64
		tol  float64 // relative
	}{
		{"ccw cell at equator", orb.Polygon{sq(0, 0, 0.01)}, cell, 1e-4},
		{"cw cell at equator", orb.Polygon{rev(sq(0, 0, 0.01))}, cell, 1e-4},
		{"unclosed ring is closed implicitly", orb.Polygon{sq(0, 0, 0.01)[:4]}, cell, 1e-4},
		{"degenerate ring", orb.Polygon{sq(0, 0, 0.01)[:3]}, 0, 0},
		{"hole subtracted", orb.Polygon{sq(0, 0, 0.01), rev(sq(0.0025, 0.0025, 0.005))}, cell * 0.75, 1e-4},
		{"multipolygon adds", orb.MultiPolygon{{sq(0, 0, 0.01)}, {sq(1, 0, 0.01)}}, 2 * cell, 1e-4},
		{"cell at 60N", orb.Polygon{sq(0, 60, 0.01)}, cellAt(60.005, 0.01), 1e-4},
		{"line has no area", orb.LineString{{0, 0}, {1, 1}}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Area(tc.g)
			if math.Abs(got-tc.want) > tc.tol*tc.want+1e-9 {
				t.Errorf("Area = %.3f, want %.3f (±%g)", got, tc.want, tc.tol)
			}
		})
	}
	if d := Distance(orb.Point{0, 0}, orb.Point{1, 0}); math.Abs(d-degLonEq) > 0.01 {
		t.Errorf("1° along the equator = %.3f m, want %.3f", d, degLonEq)
	}
	l := Length(orb.MultiLineString{{{0, 0}, {0.5, 0}, {1, 0}}, {{0, 0}, {0, 0.01}}})
	if math.Abs(l-degLonEq-0.01*degLatEq) > 0.01 {
		t.Errorf("Length = %.3f", l)
	}
}

func TestPrepare(t *testing.T) {
	sq := orb.Polygon{{{104, 30}, {104.001, 30}, {104.001, 30.001}, {104, 30.001}, {104, 30}}}
	tests := []struct {
		name    string
		f       Feature
		wantErr bool
		check   func(t *testing.T, f *Feature)
	}{
		{"polygon becomes multipolygon with area", Feature{Layer: Green, Source: "s", SourceID: "1", Geom: sq, Props: map[string]any{"trees": 3.0, "public": true}}, false,
			func(t *testing.T, f *Feature) {
				if _, ok := f.Geom.(orb.MultiPolygon); !ok || f.Float("area_m2") < 10000 || f.Int("trees") != 3 || !f.Bool("public") {
					t.Errorf("got %T %v", f.Geom, f.Props)
				}
			}},
		{"line becomes multilinestring with length", Feature{Layer: Roads, Source: "s", SourceID: "1", Geom: orb.LineString{{104, 30}, {104, 30.01}}}, false,
			func(t *testing.T, f *Feature) {
				if _, ok := f.Geom.(orb.MultiLineString); !ok || math.Abs(f.Float("length_m")-1109) > 2 {
					t.Errorf("got %T %v", f.Geom, f.Props)
				}
			}},
		{"nil props dropped", Feature{Layer: Waste, Source: "s", SourceID: "1", Geom: orb.Point{104, 30}, Props: map[string]any{"name": nil, "capacity": 3}}, false,
			func(t *testing.T, f *Feature) {
				if _, ok := f.Props["name"]; ok || f.Float("capacity") != 3 {
					t.Errorf("props %v", f.Props)
				}
			}},
		{"computed measure overrides input", Feature{Layer: Areas, Source: "s", SourceID: "1", Geom: sq, Props: map[string]any{"area_m2": 1.0}}, false,
			func(t *testing.T, f *Feature) {
				if f.Float("area_m2") < 10000 {
					t.Errorf("area %v", f.Props)
				}
			}},
		{"unknown layer", Feature{Layer: "lakes", Source: "s", SourceID: "1", Geom: sq}, true, nil},
		{"no source", Feature{Layer: Green, Geom: sq}, true, nil},
		{"point in polygon layer", Feature{Layer: Green, Source: "s", SourceID: "1", Geom: orb.Point{104, 30}}, true, nil},
		{"swapped lat/lon", Feature{Layer: Waste, Source: "s", SourceID: "1", Geom: orb.Point{30, 104}}, true, nil},
		{"NaN", Feature{Layer: Waste, Source: "s", SourceID: "1", Geom: orb.Point{math.NaN(), 1}}, true, nil},
		{"empty", Feature{Layer: Green, Source: "s", SourceID: "1", Geom: orb.MultiPolygon{}}, true, nil},
		{"fractional int", Feature{Layer: Parcels, Source: "s", SourceID: "1", Geom: sq, Props: map[string]any{"population": 2.5}}, true, nil},
		{"unknown field", Feature{Layer: Parcels, Source: "s", SourceID: "1", Geom: sq, Props: map[string]any{"colour": "red"}}, true, nil},
		{"infinite real", Feature{Layer: Waste, Source: "s", SourceID: "1", Geom: orb.Point{1, 1}, Props: map[string]any{"capacity": math.Inf(1)}}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			err := Prepare(&f)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, &f)
		})
	}
}

// TestPolygons: the polygons of a geometry, in order, from nested
// collections too; lines and points are left out.
func TestPolygons(t *testing.T) {
	a := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	b := orb.Polygon{{{2, 2}, {3, 2}, {3, 3}, {2, 2}}}
	c := orb.Polygon{{{4, 4}, {5, 4}, {5, 5}, {4, 4}}}
	line := orb.LineString{{0, 0}, {1, 1}}
	tests := []struct {
		name string
		g    orb.Geometry
		want orb.MultiPolygon
	}{
		{"polygon", a, orb.MultiPolygon{a}},
		{"multipolygon", orb.MultiPolygon{a, b}, orb.MultiPolygon{a, b}},
		{"nested collection", orb.Collection{line, a, orb.Collection{orb.Point{1, 1}, orb.MultiPolygon{b, c}}}, orb.MultiPolygon{a, b, c}},
		{"line", line, nil},
		{"points", orb.Collection{orb.Point{1, 1}, orb.MultiPoint{{2, 2}}}, nil},
	}
	for _, tc := range tests {
		if got := Polygons(tc.g); !orb.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
