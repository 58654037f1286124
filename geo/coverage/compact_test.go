package coverage

import (
	"context"
	"slices"
	"testing"
	"unsafe"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/network"
)

// A metro audit keeps a million parcels: each must stay within the
// 80-byte size class.
func TestParcelSize(t *testing.T) {
	if n := unsafe.Sizeof(Parcel{}); n > 80 {
		t.Errorf("a Parcel takes %d bytes, want at most 80", n)
	}
}

// The sources keep the names pop_source gives them.
func TestPopSourceNames(t *testing.T) {
	for _, c := range []struct {
		source, kind, want string
	}{
		{"", "residential", "given"},
		{"census", "building", "given"},
		{"estimated", "building", "estimated_building"},
		{"estimated", "block", "estimated_area"},
		{"estimated_building", "block", "estimated_building"},
		{"estimated_area", "building", "estimated_area"},
	} {
		if got := popSource(c.source, c.kind).String(); got != c.want {
			t.Errorf("pop_source %q on a %s: %q, want %q", c.source, c.kind, got, c.want)
		}
	}
}

// Each unit's failing parcels are a list of its exact size, in the
// audit's order, and name the parcels whose share is below 1.
func TestFailingExact(t *testing.T) {
	a, err := Run(context.Background(), fixtureTown(t), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range a.Results {
		for _, ur := range r.Units {
			n += len(ur.Failing)
			if cap(ur.Failing) != len(ur.Failing) {
				t.Errorf("%s, %s: %d failing parcels in a list of %d", r.Rule.ID, ur.Unit.Name, len(ur.Failing), cap(ur.Failing))
			}
			if !slices.IsSorted(ur.Failing) {
				t.Errorf("%s, %s: failing parcels %v not in the audit's order", r.Rule.ID, ur.Unit.Name, ur.Failing)
			}
		}
		if r.Share == nil {
			continue
		}
		var want []int64
		for _, p := range a.Parcels {
			if r.Share.Of(p.ID) < 1 {
				want = append(want, p.ID)
			}
		}
		if got := r.Units[0].Failing.IDs(a); !slices.Equal(got, want) {
			t.Errorf("%s: failing parcels %v, want those below a share of 1: %v", r.Rule.ID, got, want)
		}
	}
	if n == 0 {
		t.Error("no failing parcels in the town: nothing was checked")
	}
}

// What Run found ahead for a walk rule goes once the rule has measured,
// the access points once every walk rule has.
func TestSharedAccessMeasured(t *testing.T) {
	rs := Default()
	var walks []*Rule
	for i := range rs.Rules {
		if rs.Rules[i].Type == WalkAccess {
			walks = append(walks, &rs.Rules[i])
		}
	}
	if len(walks) < 2 {
		t.Fatalf("%d walk rules in the default rules, want 2 or more", len(walks))
	}
	sh := &sharedAccess{of: map[*geo.Feature][]network.Access{{}: nil}, straight: map[*Rule][]float64{}, inside: map[*Rule][]int32{}, walks: len(walks)}
	for _, r := range walks {
		sh.straight[r], sh.inside[r] = []float64{1}, []int32{0}
	}
	for i, r := range walks {
		sh.measured(r)
		if _, ok := sh.straight[r]; ok {
			t.Errorf("rule %s measured, its straight-line distances kept", r.ID)
		}
		if _, ok := sh.inside[r]; ok {
			t.Errorf("rule %s measured, its points' targets kept", r.ID)
		}
		if last := i == len(walks)-1; (sh.of == nil) != last {
			t.Errorf("after %d of %d walk rules: access points dropped %v", i+1, len(walks), sh.of == nil)
		}
	}
	(*sharedAccess)(nil).measured(walks[0]) // outside Run: nothing to drop
}

// Result.Target's figures as indexes in the targets' ids: a parcel reads
// its target's id or NoTarget, and a clone's changes (new ids among them)
// leave the original as it was.
func TestNearestTargets(t *testing.T) {
	ps := []*Parcel{{ID: 3}, {ID: 5}, {ID: 9}}
	ix := newParcelIndex(ps)
	nt := &nearestTargets{at: []int32{1, -1, 0}, ids: []int64{70, 80}}
	m := nt.perParcel(ix)
	want := map[int64]int64{3: 80, 5: NoTarget, 9: 70}
	for id, w := range want {
		if got, ok := m.Get(id); !ok || got != w {
			t.Errorf("parcel %d: target %d %v, want %d", id, got, ok, w)
		}
	}
	c := nt.clone()
	c.set(0, NoTarget)
	c.set(1, 90)
	c.set(2, 80)
	cm := c.perParcel(ix)
	for id, w := range map[int64]int64{3: NoTarget, 5: 90, 9: 80} {
		if got := cm.Of(id); got != w {
			t.Errorf("clone, parcel %d: target %d, want %d", id, got, w)
		}
	}
	for id, w := range want {
		if got := m.Of(id); got != w {
			t.Errorf("original after the clone changed, parcel %d: target %d, want %d", id, got, w)
		}
	}
	if len(c.ids) != 3 {
		t.Errorf("clone's ids %v: 80 added again", c.ids)
	}
}
