package gpkg

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// parcels returns n parcel features numbered from first, on a grid near
// Chengdu.
func parcels(first, n int) []*geo.Feature {
	fs := make([]*geo.Feature, n)
	for i := range fs {
		k := first + i
		x, y := 103.9+float64(k%1000)*0.0005, 30.5+float64(k/1000%1000)*0.0005
		fs[i] = &geo.Feature{Layer: geo.Parcels, Source: "bench", SourceID: fmt.Sprint(k),
			Geom: orb.Polygon{{{x, y}, {x + 0.0004, y}, {x + 0.0004, y + 0.0004}, {x, y + 0.0004}, {x, y}}},
			Props: map[string]any{"name": "小区 " + fmt.Sprint(k), "kind": "compound", "population": int64(k % 3000),
				"households": int64(k % 1000), "pop_source": "given", "levels": int64(k%30 + 1)}}
	}
	return fs
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.gpkg"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// putBatches writes fs in one Write, in Puts of batch features.
func putBatches(b *testing.B, s *Store, fs []*geo.Feature, batch int) {
	b.Helper()
	ctx := context.Background()
	_, err := s.Write(ctx, func(tx store.Tx) error {
		for i := 0; i < len(fs); i += batch {
			if err := tx.Put(ctx, fs[i:min(i+batch, len(fs))]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPut reports features/s (geo.Prepare included) for parcels put in
// batches of 10,000:
//
//	import: 100,000 new parcels in one Write into an empty store (the
//	        RTree is bulk-built before commit);
//	grow:   one Write of 10,000 new parcels into a store of 200,000 (the
//	        RTree is maintained row by row);
//	replace: one Write replacing 10,000 stored parcels by source id.
func BenchmarkPut(b *testing.B) {
	const batch = 10000
	b.Run("import", func(b *testing.B) {
		const n = 100000
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := benchStore(b)
			fs := parcels(0, n)
			b.StartTimer()
			putBatches(b, s, fs, batch)
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "features/s")
	})
	b.Run("grow", func(b *testing.B) {
		const base = 200000
		s := benchStore(b)
		putBatches(b, s, parcels(0, base), batch)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			fs := parcels(base+i*batch, batch)
			b.StartTimer()
			putBatches(b, s, fs, batch)
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "features/s")
	})
	b.Run("replace", func(b *testing.B) {
		const base = 200000
		s := benchStore(b)
		putBatches(b, s, parcels(0, base), batch)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			fs := parcels(i*batch%base, batch)
			b.StartTimer()
			putBatches(b, s, fs, batch)
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "features/s")
	})
}

// BenchmarkPutMillion writes 1,000,000 parcels in one Write (Puts of
// 10,000) into an empty store.
func BenchmarkPutMillion(b *testing.B) {
	const n = 1000000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := benchStore(b)
		fs := parcels(0, n)
		b.StartTimer()
		putBatches(b, s, fs, 10000)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "features/s")
}

// BenchmarkScan scans a layer of 100,000 parcels.
func BenchmarkScan(b *testing.B) {
	const n = 100000
	s := benchStore(b)
	putBatches(b, s, parcels(0, n), 10000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got := 0
		if err := s.Scan(ctx, geo.Parcels, func(*geo.Feature) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("scanned %d, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "features/s")
}
