// Command whatifload times what-if deltas — a new 100×100 m public park
// dropped at random residential parcels — on a generated town, beside a
// full recompute of the audit with the park added, and checks that the
// first delta equals that recompute. It is run by bench/whatif.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"time"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/live"
	"github.com/paulmach/orb"
)

func main() {
	size := flag.String("size", "metro", "demo town size")
	n := flag.Int("n", 200, "what-ifs to time")
	flag.Parse()
	if err := run(context.Background(), *size, *n); err != nil {
		fmt.Fprintln(os.Stderr, "whatifload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, size string, n int) error {
	var feats []*geo.Feature
	if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: size}, func(b []*geo.Feature) error {
		for _, f := range b {
			if err := geo.Prepare(f); err != nil {
				return err
			}
		}
		feats = append(feats, b...)
		return nil
	}); err != nil {
		return err
	}
	ix := live.FromFeatures(feats)
	snap := ix.Snapshot()
	start := time.Now()
	base, err := coverage.Run(ctx, snap, coverage.Default(), coverage.Options{})
	if err != nil {
		return err
	}
	fullTime := time.Since(start)
	fmt.Fprintf(os.Stderr, "%s: %d features, %d parcels; full audit (%d rules) in %s\n", size, len(feats), len(base.Parcels), len(base.Rules.Rules), fullTime.Round(time.Millisecond))
	rng := rand.New(rand.NewSource(1))
	park := func(c orb.Point) *geo.Feature {
		kx := 111319.49 * math.Cos(c[1]*math.Pi/180)
		dx, dy := 50/kx, 50/110900.0
		return &geo.Feature{Layer: geo.Green, Geom: orb.Polygon{{{c[0] - dx, c[1] - dy}, {c[0] + dx, c[1] - dy}, {c[0] + dx, c[1] + dy}, {c[0] - dx, c[1] + dy}, {c[0] - dx, c[1] - dy}}},
			Props: map[string]any{"kind": "park", "public": true}}
	}
	var lat []time.Duration
	var first []*geo.Feature
	var firstDelta *coverage.Delta
	for i := 0; i < n; i++ {
		p := base.Parcels[rng.Intn(len(base.Parcels))]
		add := []*geo.Feature{park(p.Point)}
		t := time.Now()
		d, err := base.WhatIf(ctx, add)
		if err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
		if i == 0 {
			first, firstDelta = add, d
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	// Check the first against a full recompute with the park added.
	start = time.Now()
	full, err := coverage.Run(ctx, snap.With(first, nil), coverage.Default(), coverage.Options{})
	if err != nil {
		return err
	}
	recompute := time.Since(start)
	differ := 0
	for i, rd := range firstDelta.Rules {
		for j, ud := range rd.Units {
			w := full.Results[i].Units[j]
			if math.Abs(ud.After.Value-w.Value) > 1e-9*math.Max(1, math.Abs(w.Value)) && !(math.IsInf(ud.After.Value, 1) && math.IsInf(w.Value, 1)) || ud.After.Pass != w.Pass {
				differ++
			}
		}
	}
	med, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	fmt.Printf("\nwhat-if on the %s town (%d parcels): a 100×100 m park at %d random parcels, all %d rules\n", size, len(base.Parcels), n, len(base.Rules.Rules))
	fmt.Printf("%-34s %12s %12s\n", "run", "ms", "vs recompute")
	fmt.Printf("%-34s %12.1f %11.2fx\n", "full recompute with the park", float64(recompute.Microseconds())/1000, 1.0)
	fmt.Printf("%-34s %12.2f %11.0fx\n", "what-if delta, median", float64(med.Microseconds())/1000, float64(recompute)/float64(med))
	fmt.Printf("%-34s %12.2f %11.0fx\n", "what-if delta, p99", float64(p99.Microseconds())/1000, float64(recompute)/float64(p99))
	fmt.Printf("goal: median < 50 ms: %v; the first delta differs from the recompute in %d unit figures\n", med < 50*time.Millisecond, differ)
	if differ > 0 {
		return fmt.Errorf("delta differs from recompute")
	}
	return nil
}
