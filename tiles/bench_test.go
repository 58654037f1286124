package tiles

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

// BenchmarkEncode cuts the public tiles of Chengdu at zooms 12–16,
// cycling through them.
func BenchmarkEncode(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	if _, _, err := osm.ImportFile(ctx, st, storetest.SharedData(b, "chengdu.osm.pbf"), osm.Options{}); err != nil {
		b.Fatal(err)
	}
	infos, err := st.Layers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := index.Read(ctx, infos, st.Scan, nil)
	if err != nil {
		b.Fatal(err)
	}
	benchTiles(b, NewEncoder(), snap)
}

func benchTiles(b *testing.B, enc *Encoder, snap *index.Snapshot) {
	bd, _ := snap.Layer(geo.Roads).Bound()
	ts := coverTiles(bd, 12, 16)
	b.ResetTimer()
	encodeEach(b, enc, snap, ts)
}

// encodeEach cuts b.N tiles, cycling through ts, into one reused buffer
// as the service does (a fresh slice per tile would have the garbage
// collector mark the whole index again and again: ~17% of the time).
func encodeEach(b *testing.B, enc *Encoder, snap *index.Snapshot, ts []maptile.Tile) {
	views := LayerViews(Public)
	var out []byte
	var err error
	for i := 0; i < b.N; i++ {
		if out, err = enc.AppendViews(out[:0], snap, views, ts[i%len(ts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCity cuts the public tiles of the generated city town at
// zooms 12–16, then those of single zooms (z12: a few tiles of thousands
// of features each; z16: many small ones).
func BenchmarkEncodeCity(b *testing.B) {
	snap := demoIndexSize(b, "city")
	enc := NewEncoder() // kept from run to run, as in a running service
	b.Run("z12-16", func(b *testing.B) { benchTiles(b, enc, snap) })
	bd, _ := LayersBound(snap, Public)
	for _, z := range []maptile.Zoom{12, 14, 16} {
		ts := slices.Collect(Covering(bd, z).All())
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) { encodeEach(b, enc, snap, ts) })
	}
}

// BenchmarkEncodeVsOrb cuts each public tile of the city town at zooms
// 12–16 with our writer and with orb's encoding/mvt as its documentation
// shows (features found by the same R-tree search, cloned into GeoJSON
// features, projected, clipped to the same buffer, simplified, emptied
// features removed, marshalled), alternating tile by tile, and reports
// orb's time over ours (x-orb) and each one's µs per tile.
func BenchmarkEncodeVsOrb(b *testing.B) {
	snap := demoIndexSize(b, "city")
	bd, _ := snap.Layer(geo.Roads).Bound()
	ts := coverTiles(bd, 12, 16)
	enc := NewEncoder()
	for _, t := range ts { // attributes encoded once, as in a running service
		if _, err := enc.Encode(snap, Public, t); err != nil {
			b.Fatal(err)
		}
	}
	var ours, theirs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := ts[i%len(ts)]
		t0 := time.Now()
		if _, err := enc.Encode(snap, Public, t); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := orbEncode(snap, Public, t); err != nil {
			b.Fatal(err)
		}
		ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
	}
	b.ReportMetric(float64(theirs)/float64(ours), "x-orb")
	b.ReportMetric(float64(ours.Microseconds())/float64(b.N), "µs-ours/tile")
	b.ReportMetric(float64(theirs.Microseconds())/float64(b.N), "µs-orb/tile")
}

// orbEncode is tile t of the layers encoded with orb's encoding/mvt.
func orbEncode(snap *index.Snapshot, layers []string, t maptile.Tile) ([]byte, error) {
	var ls mvt.Layers
	for _, name := range layers {
		fc := geojson.NewFeatureCollection()
		snap.Layer(name).SearchBounds(SearchBound(t), func(f *geo.Feature, _ orb.Bound) bool {
			g := geojson.NewFeature(orb.Clone(f.Geom))
			g.ID, g.Properties = f.ID, f.Props
			fc.Append(g)
			return true
		})
		ls = append(ls, mvt.NewLayer(name, fc))
	}
	ls.ProjectToTile(t)
	ls.Clip(clipBound)
	ls.Simplify(simplify.DouglasPeucker(0.5))
	ls.RemoveEmpty(1, 1)
	return mvt.Marshal(ls)
}

// coverTiles lists the tiles over b at zooms from–to.
func coverTiles(b orb.Bound, from, to maptile.Zoom) []maptile.Tile {
	var ts []maptile.Tile
	for z := from; z <= to; z++ {
		ts = slices.AppendSeq(ts, Covering(b, z).All())
	}
	return ts
}
