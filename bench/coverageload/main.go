// Command coverageload times a whole-city walking coverage evaluation (the
// park-500m-walk rule: every parcel's walking distance to the nearest
// public green space of at least 1000 m²) beside pgRouting's
// pgr_drivingDistance on the same graph in the same run, and checks that
// both give the same answers. It is run by bench/coverage.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

var cpuProfile string

// repeat is how many times the audit rule is timed (the median is shown).
var repeat int

func main() {
	dsn := flag.String("pg", os.Getenv("GREENREACH_TEST_PG"), "PostGIS URL of a throwaway database with pgRouting")
	data := flag.String("data", "city", "an OSM file, or a demo town size (small, city, metro)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the audit rule (all its runs) here")
	flag.IntVar(&repeat, "repeat", 1, "time the audit rule and pgRouting's query this many times each and show the medians (the first run's answers are checked)")
	flag.Parse()
	cpuProfile = *prof
	if err := run(context.Background(), *dsn, *data); err != nil {
		fmt.Fprintln(os.Stderr, "coverageload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn, data string) error {
	if dsn == "" {
		return fmt.Errorf("no PostGIS: pass -pg or set GREENREACH_TEST_PG")
	}
	t0 := time.Now()
	feats, err := load(ctx, data)
	if err != nil {
		return err
	}
	ix := live.FromFeatures(feats)
	snap := ix.Snapshot()
	fmt.Fprintf(os.Stderr, "%s: %d features (%d parcels) loaded in %s\n", data, len(feats), snap.Layer(geo.Parcels).Len(), time.Since(t0).Round(time.Millisecond))

	var rule *coverage.Rule
	rs := coverage.Default()
	for i := range rs.Rules {
		if rs.Rules[i].ID == "park-500m-walk" {
			rule = &rs.Rules[i]
		}
	}
	one := &coverage.RuleSet{Name: "park-500m-walk", Rules: []coverage.Rule{*rule}}

	// greenreach: the whole evaluation, units and graph included.
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := sampleHeap()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
	}
	start := time.Now()
	a, err := coverage.Run(ctx, snap, one, coverage.Options{Mode: coverage.Walk})
	if err != nil {
		return err
	}
	ours := time.Since(start)
	heap := peak() - base.HeapInuse
	if repeat > 1 {
		times := []time.Duration{ours}
		var cpus []time.Duration
		for i := 1; i < repeat; i++ {
			start, c0 := time.Now(), cpuTime()
			if _, err := coverage.Run(ctx, snap, one, coverage.Options{Mode: coverage.Walk}); err != nil {
				return err
			}
			times = append(times, time.Since(start))
			cpus = append(cpus, cpuTime()-c0)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
		ours = times[len(times)/2]
		fmt.Fprintf(os.Stderr, "greenreach: the audit rule timed %d times: %s to %s, median %s; CPU (user+system, all threads, GC included) median %s of the last %d\n", repeat, times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), ours.Round(time.Millisecond), cpus[len(cpus)/2].Round(100*time.Microsecond), len(cpus))
	}
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	res := a.Results[0]
	// The residents' points (several per parcel) are the places walked to.
	covered, points := 0, 0
	for _, p := range a.Parcels {
		for _, d := range res.PointDistances(p) {
			points++
			if d <= rule.Meters {
				covered++
			}
		}
	}
	fmt.Fprintf(os.Stderr, "greenreach: %s; graph %s; %d of %d resident points (%d parcels) within %.0f m\n", ours.Round(time.Millisecond), a.Network, covered, points, len(a.Parcels), rule.Meters)

	// The same sources and places, for pgRouting.
	var roads []*geo.Feature
	snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool { roads = append(roads, f); return true })
	g := network.Build(roads)
	var srcs []network.Source
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if rule.Target.Match(f) {
			for _, acc := range g.AccessPoints(f.Geom, network.AccessGap, false) {
				srcs = append(srcs, acc.Source(0))
			}
		}
		return true
	})
	type place struct {
		ours   float64 // the audit's distance
		point  orb.Point
		at     network.Loc
		access float64
	}
	var places []place
	var locs []network.Loc
	for _, p := range a.Parcels {
		dist := res.PointDistances(p)
		for i, pt := range a.Points(p) {
			if at, d, ok := g.Snap(pt, coverage.SnapLimit); ok {
				places = append(places, place{dist[i], pt, at, d})
				locs = append(locs, at)
			}
		}
	}
	// The walk alone, on the prepared graph: what pgRouting's query does.
	walkStart := time.Now()
	var walked int
	for rep := 0; rep < 5; rep++ {
		d := g.Multi(srcs, rule.Meters)
		walked = 0
		for _, p := range places {
			if w, _ := d.To(p.at); w+p.access <= rule.Meters {
				walked++
			}
		}
	}
	walkTime := time.Since(walkStart) / 5
	if walked != covered {
		return fmt.Errorf("the walk alone covers %d resident points, the audit %d", walked, covered)
	}
	edges, vertex := g.PgRouting(srcs, locs)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("coverage_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE; CREATE SCHEMA %[1]s; CREATE TABLE %[1]s.e (id bigint, source bigint, target bigint, cost float8, reverse_cost float8)", schema)); err != nil {
		return err
	}
	copyStart := time.Now()
	rows := make([][]any, len(edges))
	for i, e := range edges {
		rows[i] = []any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "e"}, []string{"id", "source", "target", "cost", "reverse_cost"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	copyTime := time.Since(copyStart)
	// pgRouting's query, timed as often as the audit rule (median).
	var pg map[int64]float64
	var pgTimes []time.Duration
	for rep := 0; rep < max(repeat, 1); rep++ {
		pgStart := time.Now()
		m, err := drivingDistance(ctx, conn, schema, rule.Meters)
		if err != nil {
			return err
		}
		pgTimes = append(pgTimes, time.Since(pgStart))
		pg = m
	}
	sort.Slice(pgTimes, func(i, j int) bool { return pgTimes[i] < pgTimes[j] })
	pgTime := pgTimes[len(pgTimes)/2]
	if repeat > 1 {
		fmt.Fprintf(os.Stderr, "pgRouting: the query timed %d times: %s to %s, median %s\n", repeat, pgTimes[0].Round(time.Millisecond), pgTimes[len(pgTimes)-1].Round(time.Millisecond), pgTime.Round(time.Millisecond))
	}
	pgCovered, differ, worst := 0, 0, 0.0
	for _, p := range places {
		theirs := math.Inf(1)
		if c, ok := pg[vertex(p.at)]; ok {
			theirs = c + p.access
		}
		if p.ours == 0 && insidePark(snap, rule, p.point) {
			theirs = 0 // inside a park the rule counts: at it, no walk
		}
		oursD := p.ours
		in, pgIn := oursD <= rule.Meters, theirs <= rule.Meters
		if pgIn {
			pgCovered++
		}
		if in != pgIn {
			differ++
		} else if in {
			worst = math.Max(worst, math.Abs(oursD-theirs))
		}
	}
	conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	fmt.Printf("\nwalking coverage of %s: %d parcels, %d resident points, %d graph edges for pgRouting, rule park-500m-walk\n", data, len(a.Parcels), points, len(edges))
	fmt.Printf("%-44s %12s %10s\n", "run", "seconds", "vs pgRouting")
	fmt.Printf("%-44s %12.4f %9.2fx\n", "pgRouting pgr_drivingDistance (query only)", pgTime.Seconds(), 1.0)
	fmt.Printf("%-44s %12.4f %9.1fx\n", "greenreach walk on the same graph", walkTime.Seconds(), pgTime.Seconds()/walkTime.Seconds())
	fmt.Printf("%-44s %12.3f %9.2fx\n", "greenreach whole audit rule (from features)", ours.Seconds(), pgTime.Seconds()/ours.Seconds())
	fmt.Printf("loading pgRouting's edge table (COPY, not counted): %.3f s\n", copyTime.Seconds())
	fmt.Printf("greenreach heap for the evaluation: %.1f MiB (peak, above the loaded index)\n", float64(heap)/(1<<20))
	fmt.Printf("answers: %d points covered (greenreach) vs %d (pgRouting); %d points differ; worst distance difference %.2g m\n", covered, pgCovered, differ, worst)
	if differ > 0 || worst > 1 {
		return fmt.Errorf("answers differ")
	}
	return nil
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap samples HeapInuse every 5 ms until the returned func is
// called, which returns the peak.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return peak.Load() }
}

func load(ctx context.Context, data string) ([]*geo.Feature, error) {
	switch data {
	case "small", "city", "metro":
		var out []*geo.Feature
		_, err := demotown.Generate(demotown.Options{Seed: 1, Size: data}, func(b []*geo.Feature) error {
			for _, f := range b {
				if err := geo.Prepare(f); err != nil {
					return err
				}
			}
			out = append(out, b...)
			return nil
		})
		return out, err
	}
	feats, _, err := osm.ReadFile(ctx, data, osm.Options{})
	return feats, err
}

// drivingDistance runs pgRouting's pgr_drivingDistance from node 0 (the
// sources' node) over the edges of schema.e, and returns each node's
// least cost.
func drivingDistance(ctx context.Context, conn *pgx.Conn, schema string, meters float64) (map[int64]float64, error) {
	r, err := conn.Query(ctx, "SELECT node, agg_cost FROM pgr_drivingDistance($1, 0::bigint, $2::float8, true)",
		fmt.Sprintf("SELECT id, source, target, cost, reverse_cost FROM %s.e", schema), meters)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	pg := map[int64]float64{}
	for r.Next() {
		var n int64
		var c float64
		if err := r.Scan(&n, &c); err != nil {
			return nil, err
		}
		if old, ok := pg[n]; !ok || c < old {
			pg[n] = c
		}
	}
	return pg, r.Err()
}

// insidePark reports whether p lies in a park the rule counts: the audit
// puts a parcel there at 0 m, with no walk to compare.
func insidePark(snap *index.Snapshot, rule *coverage.Rule, p orb.Point) bool {
	in := false
	snap.Layer(rule.Target.Layer).Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
		in = in || (rule.Target.Match(f) && geo.Contains(f.Geom, p))
		return !in
	})
	return in
}
