package repair_test

import (
	"errors"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/paulmach/orb"
)

// randomPark is a green feature whose ring is n points drawn at random in
// a 0.01° square: it crosses itself about n²/10 times, and GEOS MakeValid
// takes minutes on 500 of them.
func randomPark(seed int64, n int) *geo.Feature {
	rnd := rand.New(rand.NewSource(seed))
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		r = append(r, orb.Point{104.06 + 0.01*rnd.Float64(), 30.66 + 0.01*rnd.Float64()})
	}
	return &geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{append(r, r[0])}}
}

// twistedCircle is a ring of n points on a circle with two neighbours
// swapped: one crossing, n vertices.
func twistedCircle(n int) *geo.Feature {
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{104.06 + 0.01*math.Cos(a), 30.66 + 0.01*math.Sin(a)})
	}
	r[5], r[6] = r[6], r[5]
	return &geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{append(r, r[0])}}
}

func bowtieAt(dx float64) *geo.Feature {
	x, y := 104.06+dx, 30.66
	return &geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{{{x, y}, {x + 0.001, y + 0.001}, {x + 0.001, y}, {x, y + 0.001}, {x, y}}}}
}

// TestRepairLimits: a repair past its limits is refused, quickly and
// before GEOS is asked, with a reason naming the limit; one within them is
// repaired as before.
func TestRepairLimits(t *testing.T) {
	v := repair.NewValidator()
	f := randomPark(1, 500)
	geom := f.Geom
	start := time.Now()
	repaired, reason := v.Fix(f)
	if want := "the polygon crosses itself at more than 256 points; repairing it is refused: simplify it"; repaired || reason != want {
		t.Errorf("500-vertex random ring: %v %q, want %q", repaired, reason, want)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("refusing the 500-vertex random ring took %s", el)
	}
	if f.Geom.(orb.Polygon)[0][0] != geom.(orb.Polygon)[0][0] {
		t.Error("a refused feature's geometry changed")
	}
	if repaired, reason := v.Fix(randomPark(2, 20)); !repaired || reason != "" {
		t.Errorf("20-vertex random ring (fewer than 256 crossings): %v %q, want repaired", repaired, reason)
	}

	v.MaxVertices = 1000
	if repaired, reason := v.Fix(twistedCircle(1001)); repaired || reason != "the polygon has more than 1000 vertices; repairing it is refused: simplify it" {
		t.Errorf("a twisted circle of 1,001 points, limit 1,000: %v %q", repaired, reason)
	}
	if repaired, reason := v.Fix(twistedCircle(999)); !repaired || reason != "" {
		t.Errorf("a twisted circle of 999 points, limit 1,000: %v %q, want repaired", repaired, reason)
	}
	// Valid polygons are not repaired, and so not limited.
	if repaired, reason := v.Fix(&geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: func() orb.Geometry {
		f := twistedCircle(2000)
		r := f.Geom.(orb.Polygon)[0]
		r[5], r[6] = r[6], r[5]
		return f.Geom
	}()}); repaired || reason != "" {
		t.Errorf("a valid circle of 2,000 points, limit 1,000: %v %q", repaired, reason)
	}
}

// TestRepairShared: a request's Validator spends one budget on all its
// features, so many features just under the limit cost no more than one.
func TestRepairShared(t *testing.T) {
	v := repair.NewValidator()
	v.MaxCrossings, v.Shared = 2, true
	for i := 0; i < 2; i++ {
		if repaired, reason := v.Fix(bowtieAt(0.01 * float64(i))); !repaired || reason != "" {
			t.Fatalf("bow tie %d of a budget of 2 crossings: %v %q", i+1, repaired, reason)
		}
	}
	if _, reason := v.Fix(bowtieAt(0.03)); reason != "the polygons to repair cross themselves at more than 2 points in all; repairing them is refused: simplify them" {
		t.Errorf("the third bow tie: %q", reason)
	}
	if _, reason := v.Fix(&geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{{{104, 30}, {104.001, 30}, {104.001, 30.001}, {104, 30}}}}); reason != "" {
		t.Errorf("a valid triangle after the budget is spent: %q", reason)
	}
}

// TestRepairGate: every GEOS repair passes the gate, and only repairs do;
// a gate that refuses gives ReasonBusy.
func TestRepairGate(t *testing.T) {
	v := repair.NewValidator()
	var calls, done int
	v.Gate = func() (func(), error) { calls++; return func() { done++ }, nil }
	v.Fix(bowtieAt(0))
	v.Fix(&geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{{{104, 30}, {104.001, 30}, {104.001, 30.001}, {104, 30}}}})
	if calls != 1 || done != 1 {
		t.Errorf("a repair and a valid polygon: the gate was passed %d times and released %d, want 1 and 1", calls, done)
	}
	v.Gate = func() (func(), error) { return nil, errors.New("full") }
	if repaired, reason := v.Fix(bowtieAt(0)); repaired || reason != repair.ReasonBusy {
		t.Errorf("a closed gate: %v %q, want %q", repaired, reason, repair.ReasonBusy)
	}
}

// TestRepairSharedEdges: an inner ring sharing a long edge with its outer
// ring, vertex for vertex, is cheap for GEOS to repair and is repaired,
// however many segments it shares; many edges meeting at one vertex are
// refused.
func TestRepairSharedEdges(t *testing.T) {
	const d = 0.00001
	var outer, inner orb.Ring
	for i := 0; i <= 2000; i++ {
		outer = append(outer, orb.Point{104 + float64(i)*d, 30})
	}
	outer = append(outer, orb.Point{104 + 2000*d, 30 + 2000*d}, orb.Point{104, 30 + 2000*d}, orb.Point{104, 30})
	for i := 1; i <= 1000; i++ {
		inner = append(inner, orb.Point{104 + float64(i)*d, 30})
	}
	inner = append(inner, orb.Point{104 + 1000*d, 30 + 10*d}, orb.Point{104 + d, 30 + 10*d}, orb.Point{104 + d, 30})
	f := &geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{outer, inner}}
	if repaired, reason := repair.NewValidator().Fix(f); !repaired || reason != "" {
		t.Errorf("a hole sharing 999 segments with its shell: %v %q, want repaired", repaired, reason)
	}
	var petals orb.Ring
	for i := 0; i < 200; i++ {
		a := 2 * math.Pi * float64(i) / 200
		petals = append(petals, orb.Point{104, 30}, orb.Point{104 + 0.01*math.Cos(a), 30 + 0.01*math.Sin(a)}, orb.Point{104 + 0.01*math.Cos(a+0.001), 30 + 0.01*math.Sin(a+0.001)})
	}
	petals = append(petals, orb.Point{104, 30})
	f = &geo.Feature{Layer: geo.Green, Source: "t", SourceID: "1", Geom: orb.Polygon{petals}}
	if _, reason := repair.NewValidator().Fix(f); reason != "the polygon's edges are too tangled (many meeting at one vertex, or lying close together) to count where they cross; repairing it is refused: simplify it" {
		t.Errorf("200 petals through one vertex: %q", reason)
	}
}

func sq(x, y, d float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
}

func TestFix(t *testing.T) {
	x, y := 104.06, 30.66
	bowtie := orb.Polygon{{{x, y}, {x + 0.001, y + 0.001}, {x + 0.001, y}, {x, y + 0.001}, {x, y}}}
	tests := []struct {
		name     string
		layer    string
		geom     orb.Geometry
		props    map[string]any
		repaired bool
		reason   string
		polys    int // MultiPolygon parts after Fix, when > 0
	}{
		{"valid polygon", geo.Green, sq(x, y, 0.001), nil, false, "", 1},
		{"bowtie repaired", geo.Green, bowtie, nil, true, "", 2},
		{"multipolygon kept", geo.Parcels, orb.MultiPolygon{sq(x, y, 0.001), sq(x+0.01, y, 0.001)}, nil, false, "", 2},
		{"three-point ring", geo.Green, orb.Polygon{{{x, y}, {x + 0.001, y}, {x, y}}}, nil, false, repair.ReasonDegeneratePolygon, 0},
		{"collinear ring", geo.Green, orb.Polygon{{{x, y}, {x + 0.001, y}, {x + 0.002, y}, {x, y}}}, nil, false, repair.ReasonDegeneratePolygon, 0},
		{"repeated points only", geo.Areas, orb.Polygon{{{x, y}, {x, y}, {x, y}, {x, y}}}, nil, false, repair.ReasonDegeneratePolygon, 0},
		{"empty polygon", geo.Green, orb.Polygon{}, nil, false, repair.ReasonEmpty, 0},
		{"nil geometry", geo.Green, nil, nil, false, repair.ReasonEmpty, 0},
		{"line", geo.Roads, orb.LineString{{x, y}, {x, y}, {x + 0.001, y}}, nil, false, "", 0},
		{"one-point line", geo.Roads, orb.LineString{{x, y}, {x, y}}, nil, false, repair.ReasonDegenerateLine, 0},
		{"point in polygon layer", geo.Green, orb.Point{x, y}, nil, false, repair.ReasonWrongGeometry, 0},
		{"polygon in point layer", geo.Waste, sq(x, y, 0.001), nil, false, repair.ReasonWrongGeometry, 0},
		{"bad attribute", geo.Waste, orb.Point{x, y}, map[string]any{"colour": "red"}, false, repair.ReasonSchema, 0},
		{"off the globe", geo.Waste, orb.Point{x, 95}, nil, false, repair.ReasonSchema, 0},
	}
	v := repair.NewValidator()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &geo.Feature{Layer: tc.layer, Source: "t", SourceID: "1", Geom: tc.geom, Props: tc.props}
			repaired, reason := v.Fix(f)
			if repaired != tc.repaired || reason != tc.reason {
				t.Fatalf("Fix = %v %q, want %v %q", repaired, reason, tc.repaired, tc.reason)
			}
			if tc.polys > 0 {
				mp, ok := f.Geom.(orb.MultiPolygon)
				if !ok || len(mp) != tc.polys {
					t.Fatalf("geometry %T %v, want a MultiPolygon of %d", f.Geom, f.Geom, tc.polys)
				}
				if f.Float("area_m2") <= 0 {
					t.Errorf("area_m2 = %v", f.Props["area_m2"])
				}
			}
		})
	}
}
