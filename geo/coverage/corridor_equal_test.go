package coverage

import (
	"context"
	"errors"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
)

// TestCorridorEqualsReference: the corridor rule's figures on the city
// town — every unit's value, pass, covered and total length, and its gaps
// with their roads, sides, lengths and lines — equal those of the rule as
// it was before it was made fast (refCorridor), with the town's
// administrative areas as units and with grid cells in their place.
func TestCorridorEqualsReference(t *testing.T) {
	ctx := context.Background()
	town := cityTown(t)
	noAreas := map[string][]int64{}
	town.Layer(geo.Areas).Scan(func(f *geo.Feature) bool { noAreas[geo.Areas] = append(noAreas[geo.Areas], f.ID); return true })
	rs := corridorRule(t)
	for _, c := range []struct {
		name string
		snap *index.Snapshot
	}{{"areas", town}, {"grid", town.With(nil, noAreas)}} {
		a, err := Run(ctx, c.snap, rs, Options{Mode: Straight})
		if err != nil {
			t.Fatal(err)
		}
		got, want := a.Results[0].Units, a.refCorridor(c.snap, &rs.Rules[0])
		if len(got) != len(want) {
			t.Fatalf("%s: %d units, reference %d", c.name, len(got), len(want))
		}
		gaps, covered := 0, 0
		for i := range got {
			g, w := got[i], want[i]
			if g.Unit != w.Unit || g.Value != w.Value || g.Pass != w.Pass || g.NA != w.NA || g.Numerator != w.Numerator || g.Denominator != w.Denominator || len(g.Gaps) != len(w.Gaps) {
				t.Errorf("%s, unit %s: %v %v %v covered %v of %v, %d gaps; reference %v %v %v covered %v of %v, %d gaps", c.name, g.Unit.Name,
					g.Value, g.Pass, g.NA, g.Numerator, g.Denominator, len(g.Gaps), w.Value, w.Pass, w.NA, w.Numerator, w.Denominator, len(w.Gaps))
				continue
			}
			for k := range g.Gaps {
				gg, wg := g.Gaps[k], w.Gaps[k]
				if gg.Road != wg.Road || gg.Side != wg.Side || gg.Length != wg.Length || !gg.Geom.Equal(wg.Geom) {
					t.Errorf("%s, unit %s: gap %d is road %d %s %v m, reference road %d %s %v m", c.name, g.Unit.Name, k, gg.Road, gg.Side, gg.Length, wg.Road, wg.Side, wg.Length)
				}
			}
			gaps += len(g.Gaps)
			if g.Numerator > 0 && g.Numerator < g.Denominator {
				covered++
			}
		}
		t.Logf("%s: %d units, %d partly covered, %d gaps", c.name, len(got), covered, gaps)
		if covered < 3 || gaps < 3 {
			t.Errorf("%s: %d units partly covered, %d gaps: the town tests too little", c.name, covered, gaps)
		}
	}
}

// TestCorridorStopsAtTheDeadline: the corridor rule looks at its deadline
// before walking each of its roads, and stops at whichever look finds it
// passed.
func TestCorridorStopsAtTheDeadline(t *testing.T) {
	town := cityTown(t)
	rs := corridorRule(t)
	a, err := Run(context.Background(), town, rs, Options{Mode: Straight})
	if err != nil {
		t.Fatal(err)
	}
	roads := len(a.Results[0].corridor.roads)
	// The looks of an audit without rules (its units and parcels), and
	// of one with the corridor rule alone.
	none := &countdown{Context: context.Background(), left: -1}
	if _, err := Run(none, town, &RuleSet{Name: "none"}, Options{Mode: Straight}); err != nil {
		t.Fatal(err)
	}
	live := &countdown{Context: context.Background(), left: -1}
	if _, err := Run(live, town, rs, Options{Mode: Straight}); err != nil {
		t.Fatal(err)
	}
	if inside := live.asked - none.asked - 1; inside < roads {
		t.Fatalf("the corridor rule of %d roads looked at its deadline %d times: not before each road", roads, inside)
	}
	for k := none.asked + 1; k < live.asked; k++ {
		c := &countdown{Context: context.Background(), left: k}
		if _, err := Run(c, town, rs, Options{Mode: Straight}); !errors.Is(err, context.DeadlineExceeded) || c.asked != k+1 {
			t.Fatalf("deadline passing after %d of %d looks: err %v after %d looks", k, live.asked, err, c.asked)
		}
	}
}
