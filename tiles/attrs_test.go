package tiles

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"
	"weak"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/project"
)

// TestAttrsFollowEdits: attributes are encoded once per feature and kept,
// yet a tile always shows the attributes of the snapshot it is cut from —
// after an edit renames a park, the new snapshot's tile has the new name
// and the old snapshot's tile still the old one, in either order, serially
// and from eight goroutines at once (run with -race in CI).
func TestAttrsFollowEdits(t *testing.T) {
	before := demoIndex(t)
	enc := NewEncoder()
	var park *geo.Feature
	before.Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return f.Text("name") == "" })
	renamed := *park
	renamed.Props = park.AttrMap()
	renamed.Props["name"] = "改名公园"
	after := before.With([]*geo.Feature{&renamed}, nil)
	tile := maptile.At(park.Geom.Bound().Center(), 15)
	name := func(snap *index.Snapshot) string {
		b, err := enc.Encode(snap, []string{geo.Green}, tile)
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
	old := park.Text("name")
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
			b, err := enc.Encode(snap, Public, tl)
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
				b, err := enc.Encode(snap, Public, tl)
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
	cur := demoIndex(t)
	enc := NewEncoder()
	snap := cur
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
		if _, err := enc.Encode(snap, []string{geo.Green}, maptile.At(f.Geom.Bound().Center(), 16)); err != nil {
			t.Fatal(err)
		}
	}
	slot := func(id int64) *geo.Feature { return slotOf(enc, geo.Green, id) }
	for _, f := range fs {
		draw(snap, f)
		if slot(f.ID) != f {
			t.Fatalf("feature %d drawn, yet not in its slot", f.ID)
		}
	}
	del, rep, keep := weak.Make(fs[0]), weak.Make(fs[1]), fs[2]
	ids := []int64{fs[0].ID, fs[1].ID}
	renamed := *fs[1]
	renamed.Props = fs[1].AttrMap()
	renamed.Props["name"] = "改名公园"
	fs, snap = nil, nil
	// The edit applied as the live index applies it: a new snapshot, its
	// news to the encoder.
	cur = applyEdit(cur, enc, index.Edit{
		Put:      []*geo.Feature{&renamed},
		Deleted:  map[string][]int64{geo.Green: {ids[0]}},
		Versions: map[string]int64{geo.Green: cur.Layer(geo.Green).Version + 1},
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
	draw(cur, &renamed)
	enc.Forget(index.Dirty{Left: map[string][]*geo.Feature{geo.Green: {{ID: renamed.ID}}}})
	if slot(renamed.ID) != &renamed {
		t.Error("a slot holding the new version was emptied for the old one")
	}
}

// applyEdit returns snap with e applied and tells enc what left.
func applyEdit(snap *index.Snapshot, enc *Encoder, e index.Edit) *index.Snapshot {
	next, dirty := snap.Apply(e)
	enc.Forget(dirty)
	return next
}

// slotOf is the feature whose attrs enc keeps in a layer's slot id, if any.
func slotOf(enc *Encoder, layer string, id int64) *geo.Feature {
	slots := *enc.slots[layer].slots.Load()
	if id >= int64(len(slots)) {
		return nil
	}
	if a := slots[id].Load(); a != nil {
		return a.f
	}
	return nil
}

// TestForgetReloaded: once a layer is read again whole (a sync after
// another process wrote it), the encoder keeps none of its features of
// the version before (a weak pointer to one is cleared by the garbage
// collector), while other layers keep their slots.
func TestForgetReloaded(t *testing.T) {
	st, snap := tilestest.Demo(t, "small")
	enc := NewEncoder()
	first := func(layer string) *geo.Feature {
		var found *geo.Feature
		snap.Layer(layer).Scan(func(f *geo.Feature) bool { found = f; return f.ID <= 0 })
		if _, err := enc.Encode(snap, []string{layer}, maptile.At(firstVertex(found.Geom), 16)); err != nil {
			t.Fatal(err)
		}
		if slotOf(enc, layer, found.ID) != found {
			t.Fatalf("%s %d drawn, yet not in its slot", layer, found.ID)
		}
		return found
	}
	park, road := first(geo.Green), first(geo.Roads)
	parkID, old := park.ID, weak.Make(park)
	park = nil
	var green []geo.LayerInfo
	infos, err := st.Layers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.ID == geo.Green {
			green = append(green, info)
		}
	}
	next, dirty, err := snap.Reload(t.Context(), green, st.Scan)
	if err != nil {
		t.Fatal(err)
	}
	enc.Forget(dirty)
	if !dirty.Reloaded[geo.Green] || len(dirty.Reloaded) != 1 {
		t.Fatalf("reloaded %v, want green alone", dirty.Reloaded)
	}
	snap, dirty = next, index.Dirty{}
	if f := slotOf(enc, geo.Green, parkID); f != nil {
		t.Errorf("green slot %d still holds the park of the version before", parkID)
	}
	if slotOf(enc, geo.Roads, road.ID) != road {
		t.Errorf("roads slot %d lost its road", road.ID)
	}
	runtime.GC()
	runtime.GC()
	if old.Value() != nil {
		t.Error("the park of the version before is kept alive")
	}
	if _, ok := snap.Layer(geo.Green).Get(parkID); !ok {
		t.Errorf("park %d is not in the reloaded layer", parkID)
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

// TestKeep: kept holds each kind of geometry as it is (rebuilt from the
// held vertices and ends, it equals the original) next to the same values
// and bytes, in blocks of each size; a geometry of another kind is not
// held.
func TestKeep(t *testing.T) {
	sq := func(x, y, s float64) orb.Ring {
		return orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
	}
	var circle orb.Polygon = []orb.Ring{{}}
	for i := 0; i <= 64; i++ {
		a := 2 * math.Pi * float64(i%64) / 64
		circle[0] = append(circle[0], orb.Point{104 + 0.01*math.Cos(a), 30 + 0.01*math.Sin(a)})
	}
	tests := []struct {
		g    orb.Geometry
		kind geomKind
	}{
		{orb.Point{104.06, 30.66}, heldPoint},
		{orb.MultiPoint{{104.06, 30.66}, {104.07, 30.67}, {104.08, 30.61}}, heldMultiPoint},
		{orb.LineString{{104.06, 30.66}, {104.07, 30.67}}, heldLines},
		{orb.MultiLineString{{{104, 30}, {104.1, 30.1}, {104.2, 30}}, {{105, 31}, {105.1, 31}}}, heldLines},
		{orb.Polygon{sq(104, 30, 0.1), sq(104.02, 30.02, 0.01), sq(104.05, 30.05, 0.01)}, heldPolygons},
		{orb.MultiPolygon{{sq(104, 30, 0.1), sq(104.02, 30.02, 0.01)}, {sq(105, 31, 0.2)}, {sq(106, 32, 0.1)}}, heldPolygons},
		{circle, heldPolygons}, // a block of its own (over 512 bytes)
		{orb.Collection{orb.Point{104, 30}}, heldNone},
	}
	sc := geo.SchemaOf(geo.Green)
	sizes := map[int]int{}
	for _, tc := range tests {
		f := &geo.Feature{ID: 7, Layer: geo.Green, Geom: tc.g, Props: map[string]any{"name": "人民公园", "area_m2": 1234.5, "public": true}}
		var made attrs
		made.fill(f, sc, f.Props, nil)
		k := made.keep(f.Geom)
		sizes[blockSize(k)]++
		if k.f != f || k.kind != tc.kind {
			t.Errorf("%T: kind %d, want %d", tc.g, k.kind, tc.kind)
			continue
		}
		if !slices.Equal(k.vals(), made.vals) || !bytes.Equal(k.data(), made.data) || len(made.vals) != 3 {
			t.Errorf("%T: values %v %q, want %v %q", tc.g, k.vals(), k.data(), made.vals, made.data)
		}
		if got := heldGeometry(k); tc.kind != heldNone && !orb.Equal(got, tc.g) {
			t.Errorf("%T: held %v, want %v", tc.g, got, tc.g)
		}
	}
	if sizes[-1] > 0 || sizes[128] == 0 || sizes[256] == 0 || sizes[512] == 0 || sizes[0] == 0 {
		t.Errorf("block sizes %v: want 128, 256, 512 and apart", sizes)
	}
}

// blockSize is the block size class withBlock chose for k: 64–512 bytes
// when the block follows k, 0 when allocated apart.
func blockSize(k *kept) int {
	d := uintptr(k.block) - uintptr(unsafe.Pointer(k))
	if d != unsafe.Sizeof(kept{}) {
		return 0
	}
	for _, n := range []int{64, 128, 256, 512} {
		if int(k.size()) <= n {
			return n
		}
	}
	return -1
}

// heldGeometry rebuilds the geometry k holds.
func heldGeometry(k *kept) orb.Geometry {
	pts := k.pts()
	lines := func() []orb.LineString {
		var out []orb.LineString
		start := uint32(0)
		for _, end := range k.ends() {
			out = append(out, orb.LineString(pts[start:end]))
			start = end
		}
		return out
	}
	switch k.kind {
	case heldPoint:
		return pts[0]
	case heldMultiPoint:
		return orb.MultiPoint(pts)
	case heldLines:
		ls := lines()
		if len(ls) == 1 {
			return ls[0]
		}
		return orb.MultiLineString(ls)
	case heldPolygons:
		ls := lines()
		var mp orb.MultiPolygon
		ring := 0
		for _, part := range k.parts() {
			var p orb.Polygon
			for ; ring < int(part); ring++ {
				p = append(p, orb.Ring(ls[ring]))
			}
			mp = append(mp, p)
		}
		if len(mp) == 1 {
			return mp[0]
		}
		return mp
	}
	return nil
}

// TestHeldDrawsAsGeometry: every public feature of the demo town, in the
// tiles at zooms 12, 14 and 16 around its first vertex and in one its
// bound crosses the edge of, is drawn from the geometry its attrs hold
// exactly as from the feature's own (the same command stream, kept or
// not).
func TestHeldDrawsAsGeometry(t *testing.T) {
	snap := demoIndex(t)
	c, w := new(cutter), newLayerWriter("x", geo.SchemaOf(geo.Green))
	n, crossing := 0, 0
	for _, layer := range Public {
		sc := geo.SchemaOf(layer)
		snap.Layer(layer).Scan(func(f *geo.Feature) bool {
			var made attrs
			made.fill(f, sc, f.Props, nil)
			k := made.keep(f.Geom)
			fb := f.Geom.Bound()
			for _, z := range []maptile.Zoom{12, 14, 16} {
				for _, tile := range []maptile.Tile{maptile.At(firstVertex(f.Geom), z), maptile.At(fb.Max, z)} {
					c.bound = SearchBound(tile)
					if !c.bound.Intersects(fb) {
						continue
					}
					c.wide = tile.Bound(2 * float64(Buffer) / Extent)
					c.proj = newProjection(tile, c.wide)
					typ, ok := c.feature(w, f.Geom, fb)
					want := append([]byte(nil), w.geom...)
					htyp, hok := c.held(w, k, fb)
					if typ != htyp || ok != hok || !bytes.Equal(w.geom, want) {
						t.Fatalf("%s %d in %v: held drew %d %v %v, the feature %d %v %v", layer, f.ID, tile, htyp, hok, w.geom, typ, ok, want)
					}
					n++
					if !within(fb, c.bound) {
						crossing++
					}
				}
			}
			return true
		})
	}
	if n < 1000 || crossing == 0 {
		t.Fatalf("only %d drawings compared, %d across a tile's edge", n, crossing)
	}
	t.Logf("%d drawings compared, %d across a tile's edge", n, crossing)
}

func firstVertex(g orb.Geometry) orb.Point {
	switch t := g.(type) {
	case orb.Point:
		return t
	case orb.MultiPoint:
		return t[0]
	case orb.LineString:
		return t[0]
	case orb.MultiLineString:
		return t[0][0]
	case orb.Polygon:
		return t[0][0]
	case orb.MultiPolygon:
		return t[0][0][0]
	}
	return g.Bound().Min
}

// TestHeldFollowsEdits: after an edit moves a park, tiles of the old and
// new snapshots, asked in turn, equal those drawn from the features' own
// geometries (a view with its own Props keeps nothing).
func TestHeldFollowsEdits(t *testing.T) {
	before := demoIndex(t)
	var park *geo.Feature
	before.Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return false })
	moved := *park
	moved.Geom = project.Geometry(orb.Clone(park.Geom), func(p orb.Point) orb.Point { return orb.Point{p[0] + 0.0004, p[1] - 0.0003} })
	after := before.With([]*geo.Feature{&moved}, nil)
	tile := maptile.At(park.Geom.Bound().Center(), 16)
	held := LayerViews([]string{geo.Green})
	enc := NewEncoder()
	own := []View{{Name: geo.Green, From: geo.Green, Props: func(f *geo.Feature) map[string]any { return f.Props }}}
	var tiles [2][]byte
	for i, snap := range []*index.Snapshot{before, after, before, after, after, before} {
		got, err := enc.AppendViews(nil, snap, held, tile)
		if err != nil {
			t.Fatal(err)
		}
		want, err := enc.AppendViews(nil, snap, own, tile)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: the tile differs from one drawn from the features", i)
		}
		tiles[map[*index.Snapshot]int{before: 0, after: 1}[snap]] = got
	}
	if bytes.Equal(tiles[0], tiles[1]) {
		t.Fatal("moving the park did not change its tile")
	}
}
