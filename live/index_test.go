package live

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

func TestLoadSearchEdit(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	var fs []*geo.Feature
	for i := 0; i < 10; i++ {
		fs = append(fs, storetest.Sample("t", fmt.Sprint(i), 104+float64(i)*0.01, 30.6)...)
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	ix, err := Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := ix.Snapshot()
	tests := []struct {
		name  string
		layer string
		b     orb.Bound
		want  int
	}{
		{"all waste", geo.Waste, orb.Bound{Min: orb.Point{103, 30}, Max: orb.Point{105, 31}}, 10},
		{"first three parks", geo.Green, orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.025, 30.7}}, 3},
		{"nothing", geo.Roads, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			old.Layer(tc.layer).Search(tc.b, func(*geo.Feature) bool { n++; return true })
			if n != tc.want {
				t.Errorf("found %d, want %d", n, tc.want)
			}
		})
	}
	// Move a park far away and delete a waste point.
	park := fs[0]
	moved := &geo.Feature{ID: park.ID, Layer: geo.Green, Source: "t", SourceID: park.SourceID, Geom: orb.Polygon{{{1, 1}, {1.001, 1}, {1.001, 1.001}, {1, 1}}}, Props: map[string]any{"name": "moved"}}
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error {
		if err := tx.Put(ctx, []*geo.Feature{moved}); err != nil {
			return err
		}
		return tx.Delete(ctx, geo.Waste, fs[3].ID)
	}); err != nil {
		t.Fatal(err)
	}
	now := ix.Snapshot()
	if got, _ := now.Layer(geo.Green).Get(park.ID); got.Text("name") != "moved" || got.Version != 2 {
		t.Errorf("edited park: %v", got)
	}
	if got, _ := old.Layer(geo.Green).Get(park.ID); got.Text("name") == "moved" {
		t.Errorf("old snapshot changed")
	}
	n := 0
	now.Layer(geo.Green).Search(orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.025, 30.7}}, func(*geo.Feature) bool { n++; return true })
	if n != 2 {
		t.Errorf("after move, %d parks in the old place, want 2", n)
	}
	if now.Layer(geo.Waste).Len() != 9 || old.Layer(geo.Waste).Len() != 10 {
		t.Errorf("waste len now %d old %d", now.Layer(geo.Waste).Len(), old.Layer(geo.Waste).Len())
	}
	if b, _ := now.Layer(geo.Green).Bound(); b.Min[0] != 1 {
		t.Errorf("green bound %v", b)
	}
	// The index equals a fresh load of the store.
	fresh, err := Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, info := range now.Infos() {
		f := fresh.Snapshot().Infos()[i]
		if info.Count != f.Count || info.Version != f.Version || *info.BBox != *f.BBox || !info.Updated.Equal(f.Updated) {
			t.Errorf("%s: index %+v, store %+v", info.ID, info, f)
		}
	}
}

// Readers running during writes see every layer either before or after a
// write, never in between.
func TestReadersSeeWholeWrites(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	ix := New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s := ix.Snapshot()
			g, w := s.Layer(geo.Green).Len(), s.Layer(geo.Waste).Len()
			if g != w {
				t.Errorf("reader saw %d green and %d waste", g, w)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		fs := storetest.Sample("t", fmt.Sprint(i), 104, 30.6)
		if _, err := ix.Write(ctx, st, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{fs[0], fs[3]}) }); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
