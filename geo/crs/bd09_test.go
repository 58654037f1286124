package crs

import (
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Published BD-09 pairs: the coordtransform project's README and tests
// (wandergis/coordtransform, reproduced by its ports), at Tiananmen, and
// Beijing railway station as the R package "cst" documents it (5 decimals).
func TestBD09(t *testing.T) {
	tiananmen := orb.Point{116.404, 39.915}
	if got, want := GCJ02ToBD09(tiananmen), (orb.Point{116.41036949371029, 39.92133699351021}); geo.Distance(got, want) > 0.001 {
		t.Errorf("GCJ02ToBD09(%v) = %v, published %v", tiananmen, got, want)
	}
	if got, want := WGS84ToBD09(tiananmen), (orb.Point{116.41662724378733, 39.922699552216216}); geo.Distance(got, want) > 0.001 {
		t.Errorf("WGS84ToBD09(%v) = %v, published %v", tiananmen, got, want)
	}
	// The published inverse is approximate; ours refines it, so it stays
	// within a metre of the published answer and round-trips exactly.
	if got, want := BD09ToGCJ02(tiananmen), (orb.Point{116.39762729119315, 39.90865673957631}); geo.Distance(got, want) > 1 {
		t.Errorf("BD09ToGCJ02(%v) = %v, %.2f m from the published %v", tiananmen, got, geo.Distance(got, want), want)
	}
	if got, want := BD09ToWGS84(tiananmen), (orb.Point{116.3913836995125, 39.907253214522164}); geo.Distance(got, want) > 1 {
		t.Errorf("BD09ToWGS84(%v) = %v, %.2f m from the published %v", tiananmen, got, geo.Distance(got, want), want)
	}
	station := struct{ gcj, bd orb.Point }{orb.Point{116.42703, 39.90245}, orb.Point{116.43351, 39.90851}}
	if d := geo.Distance(GCJ02ToBD09(station.gcj), station.bd); d > 1.5 {
		t.Errorf("Beijing railway station: GCJ02ToBD09 is %.2f m from the published BD-09", d)
	}
	if d := geo.Distance(BD09ToGCJ02(station.bd), station.gcj); d > 1.5 {
		t.Errorf("Beijing railway station: BD09ToGCJ02 is %.2f m from the published GCJ-02", d)
	}
	for _, p := range []orb.Point{tiananmen, {121.4737, 31.2304}, {113.2644, 23.1291}, {87.6168, 43.8256}} {
		if d := geo.Distance(BD09ToGCJ02(GCJ02ToBD09(p)), p); d > 1e-4 {
			t.Errorf("BD-09 round trip of %v is off by %g m", p, d)
		}
		if d := geo.Distance(BD09ToWGS84(WGS84ToBD09(p)), p); d > 1e-4 {
			t.Errorf("WGS84 → BD-09 → WGS84 of %v is off by %g m", p, d)
		}
		if d := geo.Distance(GCJ02ToBD09(p), p); d < 300 || d > 1500 {
			t.Errorf("BD-09 offset at %v is %.0f m: not Baidu's offset", p, d)
		}
	}
}
