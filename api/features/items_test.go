package features

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live/livetest"
)

// TestSelectItemsStops: a filter's walk over a layer ends with the
// context's error once the context is done, before the layer's end.
func TestSelectItemsStops(t *testing.T) {
	_, ix := livetest.Demo(t, "small")
	l := ix.Snapshot().Layer(geo.Parcels)
	fl, _, _, _, e := parseItemQuery(map[string][]string{"filter": {"population > 0"}}, geo.SchemaOf(geo.Parcels))
	if e != nil {
		t.Fatal(e)
	}
	page, matched, err := selectItems(context.Background(), l, &fl, nil, 0, 10)
	if err != nil || matched < 100 || len(page) != 10 {
		t.Fatalf("alive: %d of %d matched, %v", len(page), matched, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, keys := range [][]sortKey{nil, {{name: "population"}}} {
		if _, _, err := selectItems(ctx, l, &fl, keys, 0, 10); err != context.Canceled {
			t.Errorf("sortby %v: a done context gives %v", keys, err)
		}
	}
}
