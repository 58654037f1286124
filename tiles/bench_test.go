package tiles

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/importer/demotown"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// BenchmarkEncode cuts the public tiles of Chengdu at zooms 12–16 (or of
// the small demo town when the extract is absent), cycling through them.
func BenchmarkEncode(b *testing.B) {
	ctx := context.Background()
	var ix *index.Index
	if _, err := os.Stat("../../shared/data/chengdu.osm.pbf"); err == nil {
		st := memstore.New()
		if _, _, err := osm.ImportFile(ctx, st, "../../shared/data/chengdu.osm.pbf", osm.Options{}); err != nil {
			b.Fatal(err)
		}
		if ix, err = index.Load(ctx, st, nil); err != nil {
			b.Fatal(err)
		}
	} else {
		ix = demoIndex(b)
	}
	benchTiles(b, ix.Snapshot())
}

func benchTiles(b *testing.B, snap *index.Snapshot) {
	bd, _ := snap.Layer(geo.Roads).Bound()
	ts := coverTiles(bd, 12, 16)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Encode(snap, Public, ts[i%len(ts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCity cuts the public tiles of the generated city town at
// zooms 12–16, then those of single zooms (z12: a few tiles of thousands
// of features each; z16: many small ones).
func BenchmarkEncodeCity(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: "city"}); err != nil {
		b.Fatal(err)
	}
	ix, err := index.Load(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	snap := ix.Snapshot()
	b.Run("z12-16", func(b *testing.B) { benchTiles(b, snap) })
	bd, _ := LayersBound(snap, Public)
	for _, z := range []maptile.Zoom{12, 14, 16} {
		ts := slices.Collect(Covering(bd, z).All())
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Encode(snap, Public, ts[i%len(ts)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// coverTiles lists the tiles over b at zooms from–to.
func coverTiles(b orb.Bound, from, to maptile.Zoom) []maptile.Tile {
	var ts []maptile.Tile
	for z := from; z <= to; z++ {
		ts = slices.AppendSeq(ts, Covering(b, z).All())
	}
	return ts
}
