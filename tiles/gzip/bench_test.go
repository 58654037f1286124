//go:build cgo && !purego

package gzip_test

import (
	"testing"
	"time"

	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/gzip"
	"github.com/greenreach/greenreach/tiles/tilestest"
)

// BenchmarkTownTiles compresses the city town's public tiles at zooms
// 12–16 (346 tiles, 1–130 KB, as bench/tiles asks for them) tile by tile
// with Append at level Fast and with libdeflate's level 1 alone,
// alternating, and reports libdeflate's time and bytes over Append's
// (x-time, x-bytes) and each one's µs per tile.
func BenchmarkTownTiles(b *testing.B) {
	_, snap := tilestest.Demo(b, "city")
	enc := tiles.NewEncoder()
	bd, _ := tiles.LayersBound(snap, tiles.Public)
	var raw [][]byte
	for _, t := range tiles.Sample(bd, 12, 16, 2000) { // bench/tiles' list
		out, err := enc.Encode(snap, tiles.Public, t)
		if err != nil {
			b.Fatal(err)
		}
		raw = append(raw, out)
	}
	var ours, theirs time.Duration
	var oursN, theirsN int
	var out []byte
	var err error
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := raw[i%len(raw)]
		t0 := time.Now()
		if out, err = gzip.Append(out[:0], in, gzip.ForSize(len(in))); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		oursN += len(out)
		if out, err = gzip.AppendLibdeflate(out[:0], in, gzip.ForSize(len(in))); err != nil {
			b.Fatal(err)
		}
		ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
		theirsN += len(out)
	}
	b.ReportMetric(float64(theirs)/float64(ours), "x-time")
	b.ReportMetric(float64(theirsN)/float64(oursN), "x-bytes")
	b.ReportMetric(float64(ours.Microseconds())/float64(b.N), "µs-ours/tile")
	b.ReportMetric(float64(theirs.Microseconds())/float64(b.N), "µs-libdeflate/tile")
}
