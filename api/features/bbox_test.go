package features

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestBBoxParsers: bbox (CRS84) and bbox with bbox-crs read 4 numbers, or
// 6 with the heights dropped, and refuse other counts and non-numbers with
// a 400 naming what they want.
func TestBBoxParsers(t *testing.T) {
	for _, c := range []struct {
		v    string
		want []orb.Bound
		err  string
	}{
		{"104,30.5,104.2,30.7", []orb.Bound{{Min: orb.Point{104, 30.5}, Max: orb.Point{104.2, 30.7}}}, ""},
		{"104, 30.5, -1, 104.2, 30.7, 80", []orb.Bound{{Min: orb.Point{104, 30.5}, Max: orb.Point{104.2, 30.7}}}, ""},
		{"170,0,-170,1", []orb.Bound{{Min: orb.Point{170, 0}, Max: orb.Point{180, 1}}, {Min: orb.Point{-180, 0}, Max: orb.Point{-170, 1}}}, ""},
		{"1,2,3", nil, `bbox="1,2,3": want minLon,minLat,maxLon,maxLat`},
		{"1,2,3,4,5", nil, `bbox="1,2,3,4,5": want minLon,minLat,maxLon,maxLat`},
		{"1,x,3,4", nil, `bbox="1,x,3,4": "x" is not a number`},
		{"NaN,1,3,4", nil, `bbox="NaN,1,3,4": "NaN" is not a number`},
		{"1,1,3,1e301", nil, `bbox="1,1,3,1e301": "1e301" is not a number`},
		{"1,95,3,96", nil, `bbox="1,95,3,96": 95 is outside ±90 (bbox is in longitude, latitude degrees)`},
	} {
		got, e := parseBBox(c.v)
		if c.err != "" {
			if e == nil || e.Status != 400 || e.Detail != c.err {
				t.Errorf("bbox=%s: %v %+v, want 400 %q", c.v, got, e, c.err)
			}
			continue
		}
		if e != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("bbox=%s: %v %+v, want %v", c.v, got, e, c.want)
		}
	}
	// In EPSG:4326, latitude first: the same box as in CRS84, with or
	// without heights.
	four, e := parseBBoxIn("30.5,104,30.7,104.2", 4326)
	if e != nil || len(four) != 1 || math.Abs(four[0].Min[0]-104) > 1e-9 || math.Abs(four[0].Min[1]-30.5) > 1e-9 ||
		math.Abs(four[0].Max[0]-104.2) > 1e-9 || math.Abs(four[0].Max[1]-30.7) > 1e-9 {
		t.Fatalf("bbox-crs 4326: %v %+v, want lon 104–104.2, lat 30.5–30.7", four, e)
	}
	six, e := parseBBoxIn("30.5,104,0,30.7,104.2,9", 4326)
	if e != nil || fmt.Sprint(six) != fmt.Sprint(four) {
		t.Errorf("bbox-crs 4326 with heights: %v %+v, without %v", six, e, four)
	}
	for _, c := range []struct{ v, err string }{
		{"1,2,3", `bbox="1,2,3": want 4 numbers (or 6 with heights) in the axis order of bbox-crs`},
		{"1,2,3,4,5,6,7", `bbox="1,2,3,4,5,6,7": want 4 numbers (or 6 with heights) in the axis order of bbox-crs`},
		{"1,2,+Inf,4", `bbox="1,2,+Inf,4": "+Inf" is not a number`},
		{"3,2,1,4", `bbox="3,2,1,4": its lower corner exceeds its upper corner`},
	} {
		if got, e := parseBBoxIn(c.v, 4326); e == nil || e.Status != 400 || e.Detail != c.err {
			t.Errorf("bbox-crs 4326 bbox=%s: %v %+v, want 400 %q", c.v, got, e, c.err)
		}
	}
}
