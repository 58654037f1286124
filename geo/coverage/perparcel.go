package coverage

import (
	"cmp"
	"iter"
	"math"
	"slices"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// parcelIndex finds an audit's parcels by id: their ids in ascending
// order and, when the audit's Parcels are in another order, each one's
// index in Parcels (a layer's scan gives them in id order: no index
// needed). Audits derived from one another by Update share it.
type parcelIndex struct {
	ids []int64
	at  []int32 // at[k] is the index in Parcels of ids[k]; nil: k itself
}

// newParcelIndex indexes ps by id, and tells each parcel its index in ps.
func newParcelIndex(ps []*Parcel) *parcelIndex {
	x := &parcelIndex{ids: make([]int64, len(ps))}
	for i, p := range ps {
		p.ix = int32(i)
		x.ids[i] = p.ID
	}
	if slices.IsSorted(x.ids) {
		return x
	}
	x.at = make([]int32, len(ps))
	for i := range x.at {
		x.at[i] = int32(i)
	}
	slices.SortFunc(x.at, func(i, j int32) int { return cmp.Compare(ps[i].ID, ps[j].ID) })
	for k, i := range x.at {
		x.ids[k] = ps[i].ID
	}
	return x
}

// of returns the index in Parcels of the parcel with this id; false when
// there is none.
func (x *parcelIndex) of(id int64) (int, bool) {
	k, ok := slices.BinarySearch(x.ids, id)
	switch {
	case !ok:
		return -1, false
	case x.at != nil:
		return int(x.at[k]), true
	}
	return k, true
}

// same reports whether x and y index the same ids at the same places.
func (x *parcelIndex) same(y *parcelIndex) bool {
	return x == y || x.at == nil && y.at == nil && slices.Equal(x.ids, y.ids)
}

// PerParcel is a figure for every parcel of an audit, in the order of its
// Parcels, kept or worked out when asked from figures the audit keeps; a
// nil *PerParcel holds none (its Get finds nothing).
type PerParcel[T float64 | int64] struct {
	ix *parcelIndex
	v  []T
	of func(i int) T // when v is nil: the figure of Parcels[i]
}

// Len is how many parcels it has a figure for.
func (m *PerParcel[T]) Len() int {
	if m == nil {
		return 0
	}
	return len(m.ix.ids)
}

// At returns the figure of the audit's Parcels[i].
func (m *PerParcel[T]) At(i int) T {
	if m.v == nil {
		return m.of(i)
	}
	return m.v[i]
}

// Get returns the figure of the parcel with this id; false (and zero)
// when it is not one of the audit's parcels.
func (m *PerParcel[T]) Get(id int64) (T, bool) {
	if m == nil {
		var zero T
		return zero, false
	}
	i, ok := m.ix.of(id)
	if !ok {
		var zero T
		return zero, false
	}
	return m.At(i), true
}

// Of is Get's figure alone: zero for an id that is no parcel of the
// audit.
func (m *PerParcel[T]) Of(id int64) T {
	v, _ := m.Get(id)
	return v
}

// All yields each parcel's id and figure, in ascending order of id.
func (m *PerParcel[T]) All() iter.Seq2[int64, T] {
	return func(yield func(int64, T) bool) {
		if m == nil {
			return
		}
		for k, id := range m.ix.ids {
			i := k
			if m.ix.at != nil {
				i = int(m.ix.at[k])
			}
			if !yield(id, m.At(i)) {
				return
			}
		}
	}
}

// clone returns a copy whose kept figures can be changed.
func (m *PerParcel[T]) clone() *PerParcel[T] {
	return &PerParcel[T]{ix: m.ix, v: slices.Clone(m.v), of: m.of}
}

// nearestTargets are Result.Target's figures: per parcel (in the order of
// the audit's Parcels) an index in ids, -1 for NoTarget. Parcels share
// their targets' ids: an index takes half an id's room.
type nearestTargets struct {
	at  []int32
	ids []int64
	pos map[int64]int32 // where each id is in ids, once set has needed it
}

// perParcel returns the figures as a Result.Target.
func (t *nearestTargets) perParcel(ix *parcelIndex) *PerParcel[int64] {
	return &PerParcel[int64]{ix: ix, of: func(i int) int64 {
		if k := t.at[i]; k >= 0 {
			return t.ids[k]
		}
		return NoTarget
	}}
}

// clone returns a copy whose figures set can change.
func (t *nearestTargets) clone() *nearestTargets {
	return &nearestTargets{at: slices.Clone(t.at), ids: slices.Clip(t.ids)}
}

// set makes id (or NoTarget) the figure of the audit's Parcels[i].
func (t *nearestTargets) set(i int32, id int64) {
	if id == NoTarget {
		t.at[i] = -1
		return
	}
	if t.pos == nil {
		t.pos = make(map[int64]int32, len(t.ids))
		for k, x := range t.ids {
			t.pos[x] = int32(k)
		}
	}
	k, ok := t.pos[id]
	if !ok {
		k = int32(len(t.ids))
		t.ids = append(t.ids, id)
		t.pos[id] = k
	}
	t.at[i] = k
}

// NoTarget is the figure of Result.Target for a parcel that no target
// reaches (Target.Get reports such a parcel as found, with this id).
const NoTarget = math.MinInt64

// byParcel is a figure per parcel (in the order of a.Parcels) by parcel
// id; v becomes the result's (not copied).
func (a *Audit) byParcel(v []float64) *PerParcel[float64] {
	return &PerParcel[float64]{ix: a.pix, v: v}
}

// pointFigures returns a walk_access rule's figures per parcel worked out
// from its resident points' distances dist (which the rule keeps): each
// parcel's farthest point's distance (so a parcel is within a distance
// when all its residents are) and the share of its points — so of its
// residents — within meters.
func (a *Audit) pointFigures(dist []float64, meters float64) (far, share *PerParcel[float64]) {
	ps := a.Parcels
	far = &PerParcel[float64]{ix: a.pix, of: func(i int) float64 {
		f, _ := parcelFigures(ps[i], dist, meters)
		return f
	}}
	share = &PerParcel[float64]{ix: a.pix, of: func(i int) float64 {
		_, s := parcelFigures(ps[i], dist, meters)
		return s
	}}
	return far, share
}

// parcelFigures is pointFigures for one parcel.
func parcelFigures(p *Parcel, dist []float64, meters float64) (far, share float64) {
	in := 0
	for _, d := range dist[p.first : p.first+p.count] {
		far = math.Max(far, d)
		if d <= meters {
			in++
		}
	}
	return far, float64(in) / float64(p.count)
}

// Parcel returns the audit's parcel with this id.
func (a *Audit) Parcel(id int64) (*Parcel, bool) {
	i, ok := a.pix.of(id)
	if !ok {
		return nil, false
	}
	return a.Parcels[i], true
}

// searchParcels calls fn for each of the audit's parcels whose bound meets
// b, found in its snapshot's parcels layer (in that tree's order), until fn
// returns false.
func (a *Audit) searchParcels(b orb.Bound, fn func(*Parcel) bool) {
	a.snap.Layer(geo.Parcels).Search(b, func(f *geo.Feature) bool {
		p, ok := a.Parcel(f.ID)
		return !ok || fn(p)
	})
}
