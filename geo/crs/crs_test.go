package crs

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// meridianArc is the geodesic distance from the equator to latitude lat
// along a meridian: the northing of a point on a Transverse Mercator zone's
// central meridian at scale 1 (an independent reference for PROJ).
func meridianArc(lat float64) float64 { return geo.Distance(orb.Point{0, 0}, orb.Point{0, lat}) }

func TestProjected(t *testing.T) {
	tests := []struct {
		name   string
		def    string
		in     orb.Point
		lon    float64
		k0     float64 // scale on the central meridian; 0: check lat by formula below
		lat    float64 // for Web Mercator
		within float64 // metres
	}{
		{"CGCS2000 GK CM 114E", "EPSG:4547", orb.Point{500000, 3393000}, 114, 1, 0, 0.01},
		{"CGCS2000 GK zone 38 (prefixed)", "EPSG:4526", orb.Point{38500000, 3393000}, 114, 1, 0, 0.01},
		{"CGCS2000 GK CM 105E (Chengdu)", "EPSG:4544", orb.Point{500000, 3393000}, 105, 1, 0, 0.01},
		{"UTM 48N", "EPSG:32648", orb.Point{500000, 3393000}, 105, 0.9996, 0, 0.01},
		{"PROJ string", "+proj=tmerc +lon_0=114 +k=1 +x_0=500000 +ellps=GRS80 +units=m +no_defs +type=crs", orb.Point{500000, 3393000}, 114, 1, 0, 0.01},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := New(tc.def)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			p, err := tr.Point(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(p[0]-tc.lon) > 1e-9 {
				t.Errorf("lon %.10f, want %g", p[0], tc.lon)
			}
			if d := math.Abs(meridianArc(p[1])*tc.k0 - tc.in[1]); d > tc.within {
				t.Errorf("lat %.8f: meridian arc × k0 misses the northing by %.3f m", p[1], d)
			}
		})
	}
	// Web Mercator has a closed-form inverse.
	tr, err := New("EPSG:3857")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	x, y := 11584184.51, 3588010.67
	p, err := tr.Point(orb.Point{x, y})
	if err != nil {
		t.Fatal(err)
	}
	const r = 6378137.0
	want := orb.Point{x / r * 180 / math.Pi, math.Atan(math.Sinh(y/r)) * 180 / math.Pi}
	if geo.Distance(p, want) > 0.001 {
		t.Errorf("3857: %v, want %v", p, want)
	}
}

func TestImplausible(t *testing.T) {
	tests := []struct {
		def  string
		in   orb.Point
		want string
	}{
		{"EPSG:4326", orb.Point{30.66, 104.06}, "swapped latitude and longitude"},
		{"EPSG:4490", orb.Point{500000, 3393000}, "not longitude/latitude"},
		{"gcj02", orb.Point{30.66, 104.06}, "not longitude/latitude"},
		{"EPSG:4547", orb.Point{3393000, 500000}, "outside China"},
		{"EPSG:32648", orb.Point{3393000, 500000}, "central meridian"},
		{"EPSG:4547", orb.Point{math.NaN(), 1}, "not plausible"},
		{"EPSG:32648", orb.Point{500000, 1e9}, "not plausible"},
	}
	for _, tc := range tests {
		t.Run(tc.def, func(t *testing.T) {
			tr, err := New(tc.def)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			_, err = tr.Geometry(orb.LineString{{0.5, 0.5}, tc.in})
			if tc.def != "EPSG:4326" && tc.def != "EPSG:4490" && tc.def != "gcj02" {
				_, err = tr.Geometry(orb.LineString{{500000, 3393000}, tc.in})
			}
			if !errors.Is(err, ErrImplausible) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrImplausible mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := New("EPSG:999999"); err == nil {
		t.Error("EPSG:999999 accepted")
	}
	if _, err := New("not a crs"); err == nil {
		t.Error("nonsense accepted")
	}
}

// Published WGS84 → GCJ-02 pairs (the eviltransform project's test vectors:
// Shanghai, Shenzhen, Beijing), as lon, lat.
var gcjPairs = []struct{ wgs, gcj orb.Point }{
	{orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
	{orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
	{orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}},
}

func TestGCJ02(t *testing.T) {
	tr, err := New("gcj02")
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range gcjPairs {
		if d := geo.Distance(WGS84ToGCJ02(pr.wgs), pr.gcj); d > 0.01 {
			t.Errorf("WGS84ToGCJ02(%v) is %.3f m from the published %v", pr.wgs, d, pr.gcj)
		}
		back, err := tr.Point(pr.gcj)
		if err != nil {
			t.Fatal(err)
		}
		if d := geo.Distance(back, pr.wgs); d > 1 {
			t.Errorf("gcj02 %v → %v, %.3f m from the WGS84 original", pr.gcj, back, d)
		}
		if d := geo.Distance(pr.wgs, pr.gcj); d < 100 {
			t.Errorf("offset only %.1f m: the pair is not a GCJ-02 pair", d)
		}
	}
	// Outside China there is no offset.
	if p := (orb.Point{7.42, 43.73}); GCJ02ToWGS84(p) != p {
		t.Error("Monaco moved")
	}
	g, err := tr.Geometry(orb.Polygon{{gcjPairs[0].gcj, gcjPairs[1].gcj, gcjPairs[2].gcj, gcjPairs[0].gcj}})
	if err != nil {
		t.Fatal(err)
	}
	if geo.Distance(g.(orb.Polygon)[0][1], gcjPairs[1].wgs) > 1 {
		t.Errorf("polygon vertex not converted: %v", g)
	}
}
