package testenv

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/postgis"
)

// TestEachStore: EachStore gives each of its three subtests a new empty
// store of its own kind, which takes writes; a second round starts empty
// again.
func TestEachStore(t *testing.T) {
	for round := range 2 {
		var ran []string
		EachStore(t, "testenv", func(t *testing.T, st store.Store) {
			ctx := context.Background()
			ran = append(ran, fmt.Sprintf("%T", st))
			if us, err := st.ListUnits(ctx); err != nil || len(us) != 0 {
				t.Fatalf("round %d: a new store holds units %v (%v)", round, us, err)
			}
			if err := st.PutUnits(ctx, []*store.Unit{{ID: "U01", Name: "养护一队", Kind: store.UnitMaintenance}}); err != nil {
				t.Fatal(err)
			}
			if us, err := st.ListUnits(ctx); err != nil || len(us) != 1 || us[0].ID != "U01" {
				t.Fatalf("round %d: units %v (%v) after one put", round, us, err)
			}
		})
		want := []string{fmt.Sprintf("%T", memstore.New()), fmt.Sprintf("%T", &gpkg.Store{}), fmt.Sprintf("%T", &postgis.Store{})}
		if len(ran) == 2 { // PostGIS skipped, as storetest.PostGISURL allows
			want = want[:2]
		}
		if fmt.Sprint(ran) != fmt.Sprint(want) {
			t.Errorf("round %d ran on %v, want %v", round, ran, want)
		}
	}
}

// TestClock: a clock stands where it was made or last set, for every
// reader at once; the zero clock at the zero time.
func TestClock(t *testing.T) {
	if got := new(Clock).Now(); !got.IsZero() {
		t.Errorf("zero clock at %v", got)
	}
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	c := NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("new clock at %v, want %v", got, t0)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Set(t0.Add(time.Duration(i) * time.Hour))
			c.Now()
		}()
	}
	wg.Wait()
	c.Set(t0.Add(time.Minute))
	if got := c.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("set to %v, reads %v", t0.Add(time.Minute), got)
	}
}
