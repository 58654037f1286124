package coverage

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
)

// corridorRule is the default rule set's corridor rule alone.
func corridorRule(tb testing.TB) *RuleSet {
	tb.Helper()
	for _, r := range Default().Rules {
		if r.Type == Corridor {
			return &RuleSet{Name: "corridor", Rules: []Rule{r}}
		}
	}
	tb.Fatal("the default rules have no corridor rule")
	return nil
}

// cityTown is a snapshot of the generated city town.
func cityTown(tb testing.TB) *index.Snapshot {
	tb.Helper()
	ctx := context.Background()
	var fs []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "city"}, func(x []*geo.Feature) error { fs = append(fs, x...); return nil }); err != nil {
		tb.Fatal(err)
	}
	st := memstore.New()
	if _, err := st.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, fs) }); err != nil {
		tb.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ix.Snapshot()
}

// benchCorridor times the corridor rule alone on snap, its units and
// parcels read once beforehand, and the rule as it was (refCorridor).
func benchCorridor(b *testing.B, snap *index.Snapshot) {
	ctx := context.Background()
	rs := corridorRule(b)
	a, err := Run(ctx, snap, rs, Options{Mode: Straight})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rule", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		var res *Result
		for i := 0; i < b.N; i++ {
			if res, err = a.corridor(ctx, snap, &rs.Rules[0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(res.corridor.roads)), "roads")
		b.ReportMetric(float64(len(res.Units)), "units")
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; i < b.N; i++ {
			a.refCorridor(snap, &rs.Rules[0])
		}
	})
}

// reportCPU starts counting the process's CPU time; the function it
// returns reports it per op (the machine is shared: wall time runs slow
// when others use the cores).
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

// BenchmarkCorridorCity times the ring-road belt rule on the city town.
func BenchmarkCorridorCity(b *testing.B) {
	benchCorridor(b, cityTown(b))
}

// BenchmarkCorridorMetro times the ring-road belt rule on the GeoPackage
// named by GREENREACH_METRO (greenreach demo --size metro); it is opened
// for writing, so give it a copy.
func BenchmarkCorridorMetro(b *testing.B) {
	path := os.Getenv("GREENREACH_METRO")
	if path == "" {
		b.Skip("GREENREACH_METRO names no GeoPackage of the metro town")
	}
	ctx := context.Background()
	st, err := gpkg.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	benchCorridor(b, ix.Snapshot())
}
