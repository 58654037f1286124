package index

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

// TestReadLayersAtOnce: Read reads the layers at once and gives each its
// own features, versions and counts; progress hears every layer's end; a
// layer that fails fails the read with its name, and the layers still
// being read stop.
func TestReadLayersAtOnce(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	var fs []*geo.Feature
	for i := 0; i < 30; i++ {
		fs = append(fs, storetest.Sample("t", fmt.Sprint(i), 104+float64(i)*0.01, 30.6)...)
	}
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	infos, err := st.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ends := map[string]int{}
	s, err := Read(ctx, infos, st.Scan, func(layer string, n int) {
		mu.Lock()
		ends[layer] = n
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		l := s.Layer(info.ID)
		if int64(l.Len()) != info.Count || l.Version != info.Version || int64(ends[info.ID]) != info.Count {
			t.Errorf("%s: %d features v%d, progress %d; the store has %d v%d", info.ID, l.Len(), l.Version, ends[info.ID], info.Count, info.Version)
		}
		l.Scan(func(f *geo.Feature) bool {
			if f.Layer != info.ID {
				t.Errorf("%s holds a feature of %s", info.ID, f.Layer)
			}
			return true
		})
	}

	boom := errors.New("disk gone")
	_, err = Read(ctx, infos, func(ctx context.Context, layer string, fn func(*geo.Feature) error) error {
		if layer == geo.Roads {
			return boom
		}
		return st.Scan(ctx, layer, fn)
	}, nil)
	if !errors.Is(err, boom) || err.Error() != "index: load roads: disk gone" {
		t.Errorf("failed read: %v", err)
	}
}
