package tiles

import (
	"bytes"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// TestAttrsFollowEdits: attributes are encoded once per feature and kept,
// yet a tile always shows the attributes of the snapshot it is cut from —
// after an edit renames a park, the new snapshot's tile has the new name
// and the old snapshot's tile still the old one, in either order, serially
// and from eight goroutines at once (run with -race in CI).
func TestAttrsFollowEdits(t *testing.T) {
	before := demoIndex(t).Snapshot()
	var park *geo.Feature
	before.Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return f.String("name") == "" })
	renamed := *park
	renamed.Props = maps.Clone(park.Props)
	renamed.Props["name"] = "改名公园"
	after := before.With([]*geo.Feature{&renamed}, nil)
	tile := maptile.At(park.Geom.Bound().Center(), 15)
	name := func(snap *index.Snapshot) string {
		b, err := Encode(snap, []string{geo.Green}, tile)
		if err != nil {
			t.Error(err)
			return ""
		}
		ls, err := mvt.Unmarshal(b)
		if err != nil {
			t.Error(err)
			return ""
		}
		for _, f := range ls[0].Features {
			if fmt.Sprint(f.ID) == fmt.Sprint(park.ID) {
				s, _ := f.Properties["name"].(string)
				return s
			}
		}
		t.Errorf("park %d not in tile %v", park.ID, tile)
		return ""
	}
	old := park.String("name")
	for i, snap := range []*index.Snapshot{before, after, before, after, after, before} {
		want := map[*index.Snapshot]string{before: old, after: "改名公园"}[snap]
		if got := name(snap); got != want {
			t.Fatalf("step %d: name %q, want %q", i, got, want)
		}
	}
	// Every tile of both snapshots, cut concurrently, equals the same tile
	// cut alone.
	bd, _ := before.Layer(geo.Roads).Bound()
	ts := coverTiles(bd, 13, 16)
	want := map[string][]byte{}
	for _, snap := range []*index.Snapshot{before, after} {
		for _, tl := range ts {
			b, err := Encode(snap, Public, tl)
			if err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprint(snap == after, tl)] = b
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range ts {
				tl := ts[(i*7+g*13)%len(ts)]
				snap := map[bool]*index.Snapshot{false: before, true: after}[(i+g)%2 == 0]
				b, err := Encode(snap, Public, tl)
				if err != nil || !bytes.Equal(b, want[fmt.Sprint(snap == after, tl)]) {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	if bad > 0 {
		t.Fatalf("%d of %d tiles cut concurrently differ from the same tiles cut alone", bad, 8*len(ts))
	}
	t.Logf("%d tiles × 2 snapshots, 8 goroutines: all equal", len(ts))
}
