package coverage

import (
	"math"
	"slices"
	"testing"
)

// TestPerParcel: figures kept in the parcels' order are found by id
// whether or not the parcels are in id order, absent ids are not found,
// a nil one holds nothing, and a clone's figures are its own.
func TestPerParcel(t *testing.T) {
	for _, ids := range [][]int64{{3, 10, 20, 30, 44}, {30, 10, 44, 3, 20}} {
		ps := make([]*Parcel, len(ids))
		vs := make([]float64, len(ids))
		want := map[int64]float64{}
		for i, id := range ids {
			ps[i] = &Parcel{ID: id}
			vs[i] = float64(id) / 2
			want[id] = vs[i]
		}
		vs[2] = math.Inf(1)
		want[ids[2]] = math.Inf(1)
		a := &Audit{Parcels: ps, pix: newParcelIndex(ps)}
		m := a.byParcel(vs)
		if m.Len() != len(ids) {
			t.Errorf("%v: %d figures, want %d", ids, m.Len(), len(ids))
		}
		for i, p := range ps {
			if p.ix != int32(i) || m.At(i) != want[p.ID] {
				t.Errorf("%v: parcel %d at %d has index %d, figure %g; want %g", ids, p.ID, i, p.ix, m.At(i), want[p.ID])
			}
			if v, ok := m.Get(p.ID); !ok || v != want[p.ID] || m.Of(p.ID) != v {
				t.Errorf("%v: Get(%d) = %g, %v; want %g", ids, p.ID, v, ok, want[p.ID])
			}
			if q, ok := a.Parcel(p.ID); !ok || q != p {
				t.Errorf("%v: Parcel(%d) = %v, %v", ids, p.ID, q, ok)
			}
		}
		for _, id := range []int64{0, 4, 31, 45, -1} {
			if v, ok := m.Get(id); ok || v != 0 || m.Of(id) != 0 {
				t.Errorf("%v: Get(%d) = %g, %v; want none", ids, id, v, ok)
			}
			if _, ok := a.Parcel(id); ok {
				t.Errorf("%v: Parcel(%d) found", ids, id)
			}
		}
		var got []int64
		for id, v := range m.All() {
			got = append(got, id)
			if v != want[id] {
				t.Errorf("%v: All gives %d %g, want %g", ids, id, v, want[id])
			}
		}
		if !slices.IsSorted(got) || len(got) != len(ids) {
			t.Errorf("%v: All gives ids %v, want them all in order", ids, got)
		}
		c := m.clone()
		c.v[0] = -7
		if m.At(0) == -7 || c.At(0) != -7 {
			t.Errorf("%v: the clone shares its figures", ids)
		}
		// Same: always itself, another index of parcels in id order with
		// the same ids, never one of other parcels.
		sorted := slices.IsSorted(ids)
		if !a.pix.same(a.pix) || a.pix.same(newParcelIndex(ps[1:])) || sorted && !a.pix.same(newParcelIndex(slices.Clone(ps))) {
			t.Errorf("%v: same index not told from another", ids)
		}
	}
	var none *PerParcel[int64]
	if v, ok := none.Get(3); ok || v != 0 || none.Len() != 0 || none.Of(3) != 0 {
		t.Errorf("nil: Get(3) = %d, %v, Len %d", v, ok, none.Len())
	}
	for range none.All() {
		t.Errorf("nil: All gives a figure")
	}
}

// TestPointFigures: a walk rule's per-parcel figures, worked out from its
// points' distances, are each parcel's farthest point and the share of its
// points within the metres (none: 0 m and no share).
func TestPointFigures(t *testing.T) {
	inf := math.Inf(1)
	dist := []float64{100, 250, 40, inf, 300, 299.5}
	ps := []*Parcel{{ID: 7, first: 0, count: 3}, {ID: 9, first: 3, count: 2}, {ID: 12, first: 5, count: 1}, {ID: 15, first: 6, count: 0}}
	a := &Audit{Parcels: ps, pix: newParcelIndex(ps)}
	far, share := a.pointFigures(dist, 300)
	want := []struct{ far, share float64 }{{250, 1}, {inf, 0.5}, {299.5, 1}, {0, math.NaN()}}
	if far.Len() != len(ps) || share.Len() != len(ps) {
		t.Fatalf("%d and %d figures, want %d", far.Len(), share.Len(), len(ps))
	}
	for i, p := range ps {
		f, _ := far.Get(p.ID)
		s, ok := share.Get(p.ID)
		if !ok || f != want[i].far || f != far.At(i) || !(s == want[i].share || math.IsNaN(s) && math.IsNaN(want[i].share)) {
			t.Errorf("parcel %d: farthest %g, share %g (%v); want %g, %g", p.ID, f, s, ok, want[i].far, want[i].share)
		}
	}
}
