package crs

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestOGCProjector: each served system round-trips a point in Chengdu;
// EPSG:4326 and EPSG:4490 give latitude first, the Gauss-Krüger zones
// northing first, and the projected answers agree with the import
// transformer (normalized to easting, northing) to a millimetre.
func TestOGCProjector(t *testing.T) {
	in := orb.Point{104.0657, 30.6595}
	if len(OGCURIs()) != 1+3+42 {
		t.Fatalf("%d systems served, want CRS84, 4326, 3857, 4490 and 42 Gauss-Krüger zones", len(OGCURIs()))
	}
	for _, code := range OGCCodes() {
		p, err := NewProjector(code)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Forward(in)
		far := code >= firstGK3 && math.Abs(zoneCM(code)-in[0]) > 6
		if far != (err != nil) {
			t.Errorf("EPSG:%d: %v (far from the zone: %v)", code, err, far)
		}
		if err != nil {
			p.Close()
			continue
		}
		back, err := p.Inverse(out)
		if err != nil || math.Abs(back[0]-in[0]) > 1e-9 || math.Abs(back[1]-in[1]) > 1e-9 {
			t.Errorf("EPSG:%d: %v → %v → %v %v", code, in, out, back, err)
		}
		switch {
		case code == epsgWGS84 || code == epsgCGCS:
			if math.Abs(out[0]-in[1]) > 1e-7 || math.Abs(out[1]-in[0]) > 1e-7 {
				t.Errorf("EPSG:%d: %v, want latitude, longitude %v, %v", code, out, in[1], in[0])
			}
		case code == epsgWM || code >= firstGK3:
			ref, err := New("EPSG:" + itoa(code))
			if err != nil {
				t.Fatal(err)
			}
			en := out
			if code >= firstGK3 {
				en = orb.Point{out[1], out[0]} // northing first
			}
			ll, err := ref.Point(en)
			ref.Close()
			if err != nil || math.Abs(ll[0]-in[0]) > 1e-8 || math.Abs(ll[1]-in[1]) > 1e-8 {
				t.Errorf("EPSG:%d: %v read back as %v %v", code, out, ll, err)
			}
		}
		p.Close()
	}
	for _, s := range []string{"EPSG:4547", "[EPSG:4547]", "http://www.opengis.net/def/crs/EPSG/0/4547"} {
		if uri, code, ok := ParseOGC(s); !ok || code != 4547 || uri != "http://www.opengis.net/def/crs/EPSG/0/4547" {
			t.Errorf("ParseOGC(%q) = %q %d %v", s, uri, code, ok)
		}
	}
	for _, s := range []string{"EPSG:4512", "EPSG:4555", "EPSG:2000", "http://www.opengis.net/def/crs/EPSG/0/x", ""} {
		if _, _, ok := ParseOGC(s); ok {
			t.Errorf("ParseOGC(%q) accepted", s)
		}
	}
}

func zoneCM(code int) float64 {
	if code <= lastGKZ {
		return 75 + 3*float64(code-firstGK3)
	}
	return 75 + 3*float64(code-lastGKZ-1)
}

func itoa(n int) string {
	return string(rune('0'+n/1000)) + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
