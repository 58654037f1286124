// Command incrload times the audit after a one-park commit on a town
// stored in a GeoPackage (a copy: it writes to it): the store and its live
// index are loaded as serve loads them, the baseline audited in full
// through the audit cache that follows the index, then each commit (a
// 100×100 m public park added at a random residential parcel, a park
// moved, a park deleted) is written through the index and the time from
// the commit to its audit being had from the cache is measured; beside it,
// a full audit of the last commit's data, whose figures the incremental
// audit's must equal. It is run by bench/incremental.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/paulmach/orb"
)

func main() {
	path := flag.String("gpkg", "", "the town's GeoPackage (a copy: commits are written to it)")
	n := flag.Int("n", 3, "rounds of commits (each adds, moves and deletes a park)")
	full := flag.Bool("full", true, "run a full audit of the last commit's data beside, and check the figures equal")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the commits (not the audits beside) to this file")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "incrload: -gpkg is required")
		os.Exit(2)
	}
	if err := run(context.Background(), *path, *n, *full, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "incrload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, path string, n int, full bool, profile string) error {
	st, err := gpkg.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		return err
	}
	fmt.Printf("load: %.1f s, %d parcels\n", time.Since(start).Seconds(), ix.Snapshot().Layer(geo.Parcels).Len())
	audits := coverage.NewCache(coverage.Default(), network.NewCache(0, nil))
	defer audits.Close()
	audits.Follow(ix)
	base := ix.Snapshot()
	start = time.Now()
	if _, err := audits.Audit(ctx, base, base, coverage.Walk); err != nil {
		return err
	}
	fmt.Printf("full audit of the baseline: %.1f s\n", time.Since(start).Seconds())

	rng := rand.New(rand.NewPCG(22, 4))
	var residential []*geo.Feature
	base.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if f.Int("population") > 0 {
			residential = append(residential, f)
		}
		return true
	})
	var times []float64
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	commit := func(what string, edit func(tx store.Tx) error) error {
		t0 := time.Now()
		if _, err := ix.Write(ctx, st, edit); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		wrote := time.Since(t0)
		snap := ix.Snapshot()
		if _, err := audits.Audit(ctx, snap, snap, coverage.Walk); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		took := time.Since(t0)
		times = append(times, took.Seconds())
		fmt.Printf("%-28s commit to audit %6.3f s (the store's write %.3f s)\n", what, took.Seconds(), wrote.Seconds())
		return nil
	}
	for i := range n {
		at := network.Inside(residential[rng.IntN(len(residential))].Geom)
		park := &geo.Feature{Layer: geo.Green, Source: "incrload", SourceID: fmt.Sprint(i), Geom: square(at, 100),
			Props: map[string]any{"name": "new park", "kind": "park", "public": true}}
		if err := commit("a park added", func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{park}) }); err != nil {
			return err
		}
		moved := *park
		moved.Version, moved.Geom = 0, square(orb.Point{at[0] + 0.002, at[1] + 0.001}, 100)
		if err := commit("the park moved 200 m", func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{&moved}) }); err != nil {
			return err
		}
		if i == n-1 {
			break // the last park stays, for the full audit beside
		}
		if err := commit("the park deleted", func(tx store.Tx) error { return tx.Delete(ctx, geo.Green, park.ID) }); err != nil {
			return err
		}
	}
	pprof.StopCPUProfile()
	runs, updates := audits.Counts()
	fmt.Printf("commits: %d, their audits' times (s): median %.3f, max %.3f; full runs %d, brought up to date %d\n",
		len(times), median(times), maxOf(times), runs, updates)
	if runs != 1 {
		return fmt.Errorf("%d full runs: a commit's audit was run afresh", runs)
	}
	if !full {
		return nil
	}
	snap := ix.Snapshot()
	got, _ := audits.Cached(snap, snap, coverage.Walk)
	start = time.Now()
	want, err := coverage.Run(ctx, snap, coverage.Default(), coverage.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("full audit of the last commit's data: %.1f s\n", time.Since(start).Seconds())
	if d := differ(got, want); d != "" {
		return fmt.Errorf("the incremental audit differs from the full one: %s", d)
	}
	fmt.Println("figures: every rule's every unit equal (value, pass, residents, covered, failing parcels, gaps)")
	return nil
}

// differ names the first unit whose figures differ between two audits of
// the same rules.
func differ(got, want *coverage.Audit) string {
	near := func(x, y float64) bool {
		return x == y || math.Abs(x-y) <= 1e-8*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	}
	for k, w := range want.Results {
		g := got.Results[k]
		if len(g.Units) != len(w.Units) {
			return fmt.Sprintf("%s: %d units, want %d", w.Rule.ID, len(g.Units), len(w.Units))
		}
		for i, wu := range w.Units {
			gu := g.Units[i]
			if !near(gu.Value, wu.Value) || gu.Pass != wu.Pass || gu.NA != wu.NA || gu.Residents != wu.Residents || gu.Covered != wu.Covered ||
				len(gu.Failing) != len(wu.Failing) || len(gu.Gaps) != len(wu.Gaps) || !near(gu.Land, wu.Land) || !near(gu.LandCovered, wu.LandCovered) {
				return fmt.Sprintf("%s %s %s: %+v, want %+v", w.Rule.ID, wu.Unit.Level, wu.Unit.Name, *gu, *wu)
			}
			for j := range wu.Failing {
				if gu.Failing[j] != wu.Failing[j] {
					return fmt.Sprintf("%s %s %s: failing parcel %d is %d, want %d", w.Rule.ID, wu.Unit.Level, wu.Unit.Name, j, gu.Failing[j], wu.Failing[j])
				}
			}
		}
	}
	return ""
}

// square is a d×d metre square centred on c.
func square(c orb.Point, d float64) orb.Polygon {
	kx, ky := geo.DegreeScale(c[1])
	hx, hy := d/2/kx, d/2/ky
	return orb.Polygon{{{c[0] - hx, c[1] - hy}, {c[0] + hx, c[1] - hy}, {c[0] + hx, c[1] + hy}, {c[0] - hx, c[1] + hy}, {c[0] - hx, c[1] - hy}}}
}

func median(xs []float64) float64 { return slices.Sorted(slices.Values(xs))[len(xs)/2] }

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}
