package tiles

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"
	"weak"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
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

// TestForgetAttrs: once an edit deletes a feature or replaces it with a
// new version, the attribute slots no longer keep the old feature alive
// (a weak pointer to it is cleared by the garbage collector), while an
// untouched feature keeps its slot and a slot already holding a newer
// version is left alone.
func TestForgetAttrs(t *testing.T) {
	ix := demoIndex(t)
	ix.OnApply(ForgetAttrs)
	snap := ix.Snapshot()
	var fs []*geo.Feature // to delete, to replace, to keep
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if f.ID > 0 {
			fs = append(fs, f)
		}
		return len(fs) < 3
	})
	if len(fs) < 3 {
		t.Fatal("the demo town has fewer than 3 green features with ids")
	}
	draw := func(snap *index.Snapshot, f *geo.Feature) {
		t.Helper()
		if _, err := Encode(snap, []string{geo.Green}, maptile.At(f.Geom.Bound().Center(), 16)); err != nil {
			t.Fatal(err)
		}
	}
	slot := func(id int64) *geo.Feature {
		slots := *cachedAttrs[geo.Green].slots.Load()
		if id >= int64(len(slots)) {
			return nil
		}
		if a := slots[id].Load(); a != nil {
			return a.f
		}
		return nil
	}
	for _, f := range fs {
		draw(snap, f)
		if slot(f.ID) != f {
			t.Fatalf("feature %d drawn, yet not in its slot", f.ID)
		}
	}
	del, rep, keep := weak.Make(fs[0]), weak.Make(fs[1]), fs[2]
	ids := []int64{fs[0].ID, fs[1].ID}
	renamed := *fs[1]
	renamed.Props = maps.Clone(fs[1].Props)
	renamed.Props["name"] = "改名公园"
	fs, snap = nil, nil
	ix.Apply(&store.Changes{
		Put:      []*geo.Feature{&renamed},
		Deleted:  map[string][]int64{geo.Green: {ids[0]}},
		Versions: map[string]int64{geo.Green: ix.Snapshot().Layer(geo.Green).Version + 1},
	})
	for _, id := range ids {
		if f := slot(id); f != nil {
			t.Errorf("slot %d still holds a feature that left the index", id)
		}
	}
	if slot(keep.ID) != keep {
		t.Errorf("the untouched feature %d lost its slot", keep.ID)
	}
	runtime.GC()
	runtime.GC()
	if del.Value() != nil || rep.Value() != nil {
		t.Errorf("kept alive after the edit: deleted %v, replaced %v", del.Value() != nil, rep.Value() != nil)
	}
	// The new version drawn, then told that the old one left (an edit's
	// news arriving after a cut of the new snapshot): the slot keeps it.
	draw(ix.Snapshot(), &renamed)
	ForgetAttrs(index.Dirty{Left: map[string][]*geo.Feature{geo.Green: {{ID: renamed.ID}}}})
	if slot(renamed.ID) != &renamed {
		t.Error("a slot holding the new version was emptied for the old one")
	}
}

// TestFramedValue: a value framed in place (a one-byte length reserved,
// the message moved along when its length takes more) is the values field
// written the plain way — tag, length, message — at lengths around each
// varint boundary, and values MVT has no type for leave the buffer as it
// was.
func TestFramedValue(t *testing.T) {
	for _, v := range []any{"", "公园", 1.5, int64(-3), true, strings.Repeat("x", 125), strings.Repeat("x", 126),
		strings.Repeat("x", 127), strings.Repeat("x", 200), strings.Repeat("x", 16381), strings.Repeat("x", 16382), strings.Repeat("x", 20000)} {
		msg, _ := appendValue(nil, v)
		want := appendBytes([]byte{9}, layerValues, msg)
		if got, ok := appendFramedValue([]byte{9}, v); !ok || !bytes.Equal(got, want) {
			t.Errorf("%.20v (message of %d bytes): framed %d bytes, want %d", v, len(msg), len(got), len(want))
		}
	}
	if got, ok := appendFramedValue([]byte{9}, []int{1}); ok || !bytes.Equal(got, []byte{9}) {
		t.Errorf("a slice: %v %v, want refused and nothing written", got, ok)
	}
}
