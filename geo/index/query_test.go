package index

import (
	"context"
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestNearestWithin checks the R-tree queries against a brute-force scan of
// every feature, over random parks, for random points inside and outside
// the data's extent.
func TestNearestWithin(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(7))
	st := memstore.New()
	var fs []*geo.Feature
	for i := 0; i < 400; i++ {
		x, y := 104+rng.Float64()*0.2, 30.6+rng.Float64()*0.15
		d := 0.0005 + rng.Float64()*0.003
		fs = append(fs, &geo.Feature{Layer: geo.Green, Source: "t", SourceID: string(rune('a'+i%26)) + string(rune(i)),
			Geom: orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d/2}, {x, y + d}, {x, y}}}})
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	l := load(t, st).Layer(geo.Green)
	brute := func(p orb.Point) []Hit {
		var hs []Hit
		l.Scan(func(f *geo.Feature) bool { hs = append(hs, Hit{f, geo.DistanceTo(p, f.Geom)}); return true })
		sort.Slice(hs, func(i, j int) bool { return hs[i].Distance < hs[j].Distance })
		return hs
	}
	for i := 0; i < 60; i++ {
		p := orb.Point{103.95 + rng.Float64()*0.3, 30.55 + rng.Float64()*0.25}
		all := brute(p)
		for _, k := range []int{1, 5, 40} {
			got := l.Nearest(p, k, 0)
			if len(got) != k {
				t.Fatalf("%v k=%d: %d hits", p, k, len(got))
			}
			for j := range got {
				if math.Abs(got[j].Distance-all[j].Distance) > 1e-6 {
					t.Fatalf("%v k=%d: hit %d at %.2f m, brute force %.2f m", p, k, j, got[j].Distance, all[j].Distance)
				}
			}
		}
		for _, r := range []float64{0, 300, 1000, 5000} {
			want := 0
			for _, h := range all {
				if h.Distance <= r {
					want++
				}
			}
			if got := l.Within(p, r); len(got) != want {
				t.Fatalf("%v within %g m: %d, brute force %d", p, r, len(got), want)
			}
		}
	}
	// A limit keeps hits beyond it out.
	p := orb.Point{110, 35}
	if got := l.Nearest(p, 3, 1000); len(got) != 0 {
		t.Errorf("far point with 1 km limit: %d hits", len(got))
	}
	if got := l.Nearest(p, 3, 0); len(got) != 3 || got[0].Distance < 500e3 {
		t.Errorf("far point without limit: %v", got)
	}
}

// TestWith: a derived snapshot sees the put and deleted features; the
// snapshot it came from does not change.
func TestWith(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	var fs []*geo.Feature
	for i := 0; i < 3; i++ {
		fs = append(fs, &geo.Feature{Layer: geo.Waste, Source: "t", SourceID: string(rune('a' + i)), Geom: orb.Point{104 + float64(i)*0.01, 30.6}, Props: map[string]any{}})
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	base := load(t, st)
	add := &geo.Feature{Layer: geo.Waste, Geom: orb.Point{104.5, 30.6}}
	d := base.With([]*geo.Feature{add}, map[string][]int64{geo.Waste: {fs[0].ID}})
	if add.ID >= 0 || d.Layer(geo.Waste).Len() != 3 || base.Layer(geo.Waste).Len() != 3 {
		t.Fatalf("derived %d, base %d, new id %d", d.Layer(geo.Waste).Len(), base.Layer(geo.Waste).Len(), add.ID)
	}
	if _, ok := d.Layer(geo.Waste).Get(fs[0].ID); ok {
		t.Error("deleted feature still in the derived snapshot")
	}
	if _, ok := base.Layer(geo.Waste).Get(fs[0].ID); !ok {
		t.Error("the base snapshot lost a feature")
	}
	n := 0
	base.Layer(geo.Waste).Search(orb.Bound{Min: orb.Point{104.4, 30}, Max: orb.Point{104.6, 31}}, func(*geo.Feature) bool { n++; return true })
	if n != 0 || d.Layer(geo.Green) != base.Layer(geo.Green) {
		t.Errorf("base sees the added point (%d) or an untouched layer was copied", n)
	}
}

// load reads a store's layers into a snapshot.
func load(t *testing.T, st store.Store) *Snapshot {
	t.Helper()
	infos, err := st.Layers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Read(t.Context(), infos, st.Scan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
