package testenv

import (
	"context"
	"fmt"
	"testing"

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
