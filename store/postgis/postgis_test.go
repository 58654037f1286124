package postgis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

var schemaSeq atomic.Int64

// testURL returns the throwaway PostGIS URL with a fresh schema, dropped when
// the test ends. PostGIS tests never skip silently in CI.
func testURL(t testing.TB) string {
	t.Helper()
	return storetest.PostGISSchema(t, "t")
}

func TestPostGISContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		u := testURL(t)
		return func() (store.Store, error) { return Open(context.Background(), u) }
	})
}

// TestPostGISAreaMatchesGeography: the geodesic measures computed in Go equal
// PostGIS's own on the geography type.
func TestPostGISAreaMatchesGeography(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var fs []*geo.Feature
	for i, p := range []orb.Point{{104.06, 30.66}, {7.42, 43.73}, {-70.6, -33.4}, {25.0, 60.2}} {
		fs = append(fs, storetest.Sample("geog", fmt.Sprint(i), p[0], p[1])...)
	}
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		m := geo.SchemaOf(f.Layer).Measure
		if m == "" {
			continue
		}
		fn := "ST_Area"
		if m == "length_m" {
			fn = "ST_Length"
		}
		var pg float64
		if err := s.pool.QueryRow(ctx, fmt.Sprintf("SELECT %s(geom::geography) FROM %s WHERE fid = $1", fn, s.table(f.Layer)), f.ID).Scan(&pg); err != nil {
			t.Fatal(err)
		}
		if got := f.Float(m); math.Abs(got-pg) > 1e-4*pg {
			t.Errorf("%s %s: ours %.4f, PostGIS %s(geography) %.4f", f.Layer, f.SourceID, got, fn, pg)
		}
		n++
	}
	if n != 20 { // 4 places × 5 layers with a measure (zones included)
		t.Errorf("compared %d measures, want 20", n)
	}
}

func TestPostGISUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = Open(context.Background(), "postgres://nobody@"+addr+"/db?sslmode=disable")
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want one line with ErrUnavailable naming %s", err, addr)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("took %s", d)
	}
	if _, err := Open(context.Background(), "postgres://x@127.0.0.1/db?schema=Bad-Name"); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("bad schema name accepted: %v", err)
	}
}

func parcels(n, off int) []*geo.Feature {
	fs := make([]*geo.Feature, n)
	for i := range fs {
		x, y := 104+float64((i+off)%1000)*0.0004, 30.3+float64((i+off)/1000)*0.0004
		fs[i] = &geo.Feature{Layer: geo.Parcels, Source: "bench", SourceID: fmt.Sprint(i + off),
			Geom:  orb.Polygon{{{x, y}, {x + 0.0003, y}, {x + 0.0003, y + 0.0003}, {x, y + 0.0003}, {x, y}}},
			Props: map[string]any{"population": int64(100), "kind": "compound", "name": "小区"}}
	}
	return fs
}

func BenchmarkPostGISPut(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, testURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 10_000
	total := 0
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		fs := parcels(batch, i*batch)
		if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
			b.Fatal(err)
		}
		total += batch
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "features/s")
}

func BenchmarkPostGISScan(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, testURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fs := parcels(50_000, 0)
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		b.Fatal(err)
	}
	total := 0
	start := time.Now()
	for b.Loop() {
		if err := s.Scan(ctx, geo.Parcels, func(*geo.Feature) error { total++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "features/s")
}
