package zones

import (
	"context"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestAutoDispatch: registered through the cases Service with a Finder, a
// case inside a zone of the demo town goes to that zone's unit; one
// beyond the zones (a grid cell) stays registered for a dispatcher.
func TestAutoDispatch(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	snap := demo(t, st, "small")
	f, err := New(func() *index.Snapshot { return snap }, 0)
	if err != nil {
		t.Fatal(err)
	}
	zb, _ := snap.Layer(geo.Zones).Bound()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	svc := &cases.Service{Store: st, Catalog: cases.Default(), Zones: f, Clock: func() time.Time { return now }, Bound: zb.Pad(0.02)}
	insp := cases.Actor{Name: "insp1", Role: cases.RoleInspector}
	disp := cases.Actor{Name: "disp1", Role: cases.RoleDispatcher}

	var zone *geo.Feature
	snap.Layer(geo.Zones).Scan(func(z *geo.Feature) bool { zone = z; return z.ID < 5 })
	in := Inside(zone.Geom)
	out := orb.Point{zb.Max[0] + 0.01, zb.Max[1] + 0.01}
	for _, tc := range []struct {
		p          orb.Point
		state      string
		unit, code string
	}{
		{in, cases.Dispatched, zone.Text("unit"), zone.Text("code")},
		{out, cases.Registered, "", ""},
	} {
		c, err := svc.Report(ctx, insp, cases.Report{Category: "broken_branch", Point: tc.p, Description: "断枝"})
		if err != nil {
			t.Fatal(err)
		}
		c, err = svc.Register(ctx, disp, c.ID, c.Version, cases.Step{})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != tc.state || c.Unit != tc.unit || c.Zone != tc.code {
			t.Errorf("case at %v: %s unit %q zone %q, want %s %q %q", tc.p, c.State, c.Unit, c.Zone, tc.state, tc.unit, tc.code)
		}
	}
}
