package tiles

import (
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// demoIndex is a snapshot of the small demo town.
func demoIndex(t testing.TB) *index.Snapshot { t.Helper(); return demoIndexSize(t, "small") }

// demoIndexSize is a snapshot of a demo town of the given size (seed 1).
func demoIndexSize(t testing.TB, size string) *index.Snapshot {
	t.Helper()
	_, snap := tilestest.Demo(t, size)
	return snap
}

func TestAddress(t *testing.T) {
	tests := []struct {
		z, x, y int
		ok      bool
	}{
		{0, 0, 0, true}, {14, 12000, 6000, true}, {25, 0, 0, false}, {-1, 0, 0, false},
		{3, 8, 0, false}, {3, 0, -1, false}, {24, 1<<24 - 1, 0, true},
	}
	for _, tc := range tests {
		if _, err := Address(tc.z, tc.x, tc.y); (err == nil) != tc.ok {
			t.Errorf("%d/%d/%d: %v", tc.z, tc.x, tc.y, err)
		}
	}
}

// TestTilesDecode: every tile of zooms 9–14 over the demo town of the demo town decodes with orb;
// polygons keep their parts and holes; each feature whose geometry clearly
// lies inside the tile is in it.
func TestTilesDecode(t *testing.T) {
	snap := demoIndex(t)
	enc := NewEncoder()
	b, _ := snap.Layer(geo.Green).Bound()
	tilesSeen, holes := 0, 0
	for z := maptile.Zoom(9); z <= 14; z++ { // tile edges nest: a park on a z12 edge lies on every deeper one
		for tile := range Covering(b, z).All() {
			data, err := enc.Encode(snap, []string{geo.Green, geo.Parcels, geo.Roads}, tile)
			if err != nil {
				t.Fatal(err)
			}
			ls, err := mvt.Unmarshal(data)
			if err != nil {
				t.Fatalf("%v: %v", tile, err)
			}
			tilesSeen++
			got := map[uint64]orb.Geometry{}
			for _, l := range ls {
				if l.Name != geo.Green {
					continue
				}
				for _, f := range l.Features {
					got[uint64(f.ID.(float64))] = f.Geometry
				}
			}
			// Parks wholly inside the tile arrive with every part and hole.
			tb := tile.Bound()
			snap.Layer(geo.Green).Search(tb, func(f *geo.Feature) bool {
				fb := f.Bound()
				if !tb.Contains(fb.Min) || !tb.Contains(fb.Max) || geo.Area(f.Geom) < 2000 {
					return true
				}
				g, ok := got[uint64(f.ID)]
				if !ok {
					t.Errorf("tile %v lacks park %d", tile, f.ID)
					return true
				}
				want := f.Geom.(orb.MultiPolygon)
				var parts int
				var rings int
				switch gg := g.(type) {
				case orb.Polygon:
					parts, rings = 1, len(gg)
				case orb.MultiPolygon:
					parts = len(gg)
					for _, p := range gg {
						rings += len(p)
					}
				}
				wantRings := 0
				for _, p := range want {
					wantRings += len(p)
				}
				if parts != len(want) || rings != wantRings {
					t.Errorf("park %d: decoded %d parts %d rings, want %d, %d", f.ID, parts, rings, len(want), wantRings)
				}
				if wantRings > len(want) {
					holes++
				}
				return true
			})
		}
	}
	if tilesSeen < 1 || holes == 0 {
		t.Errorf("checked %d tiles, %d parks with holes: the test saw too little", tilesSeen, holes)
	}
}

// TestGDALReadsTile: ogrinfo (GDAL's MVT driver) opens a tile and finds the
// layers and as many features as orb decodes.
func TestGDALReadsTile(t *testing.T) {
	tilestest.NeedOgrinfo(t)
	snap := demoIndex(t)
	enc := NewEncoder()
	b, _ := snap.Layer(geo.Parcels).Bound()
	tile := maptile.At(b.Center(), 14)
	data, err := enc.Encode(snap, Public, tile)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	counts := tilestest.GDALCounts(t, data, int(tile.Z), int(tile.X), int(tile.Y))
	seen := 0
	for _, l := range ls {
		if len(l.Features) == 0 {
			continue
		}
		seen++
		if counts[l.Name] != len(l.Features) {
			t.Errorf("ogrinfo reads %d features of %s, orb %d", counts[l.Name], l.Name, len(l.Features))
		}
	}
	if seen < 3 {
		t.Errorf("only %d non-empty layers in the tile", seen)
	}
}

// TestEmptyLayersLeftOut: MVT 2.1 §4.1 — a layer without features is not
// written. Tiles at a waste point and the town's centre, and one on the
// other side of the world, are cut from every layer: no decoded layer is
// empty, and the far tile has no layer (zero bytes).
func TestEmptyLayersLeftOut(t *testing.T) {
	snap := demoIndex(t)
	enc := NewEncoder()
	b, _ := snap.Layer(geo.Waste).Bound()
	all := []string{geo.Areas, geo.Green, geo.Parcels, geo.Roads, geo.Waste}
	var at orb.Point
	snap.Layer(geo.Waste).Scan(func(f *geo.Feature) bool { at = f.Geom.(orb.Point); return false })
	far := maptile.At(orb.Point{b.Center()[0] - 180, -b.Center()[1]}, 14)
	for _, tile := range []maptile.Tile{maptile.At(at, 18), maptile.At(b.Center(), 14), far} {
		data, err := enc.Encode(snap, all, tile)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range ls {
			if len(l.Features) == 0 {
				t.Errorf("%v: layer %s written without features", tile, l.Name)
			}
			got = append(got, l.Name)
		}
		if tile == far && (len(data) != 0 || len(ls) != 0) {
			t.Errorf("%v: a tile without features is %d bytes, %d layers", tile, len(data), len(ls))
		}
		t.Logf("%v: layers %v", tile, got)
	}
}
