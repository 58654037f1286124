// Command abuseload floods greenreach's expensive anonymous routes — the
// longest walks, nearest by walk with the largest k, within the whole town,
// search, at, OGC items with the largest page, uncached tiles — and streams
// of random HTTP methods and huge query strings, from many connections,
// while a bystander probes /healthz at a steady rate. Before each flood it
// measures the same service idle under the probe alone: the baseline. It
// prints, per flood, the answers by status, the service's peak RSS ÷ its
// idle RSS, its CPU seconds during the flood (and the cores it and the load
// generator kept busy: on a shared machine a slow /healthz is explained by
// who had the cores) and /healthz p50/p99, against the goals (RSS < 2×
// idle, p99 < 50 ms). Used by bench/abuse.
//
// Each flood gets a fresh service process: Go returns freed memory to the
// system slowly, and some floods keep what they grow (metric series), so
// in one long-lived process a flood's peak would carry the floods before
// it. A restart of the demo town takes well under a second.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

type options struct {
	bin, db   string
	serve     []string // extra serve flags
	conns     int
	dur, idle time.Duration
	rate      float64 // /healthz probes per second
	only      []string
	rssLimit  float64 // MiB: a flood past it is stopped
	maxRatio  float64
	maxP99    time.Duration
}

func main() {
	if probeMain() {
		return
	}
	var o options
	var only string
	flag.StringVar(&o.bin, "bin", "bin/greenreach", "the greenreach binary")
	flag.StringVar(&o.db, "db", "", "the store the service serves (--db): a GeoPackage holding a town")
	flag.IntVar(&o.conns, "c", 64, "concurrent connections of each flood")
	flag.DurationVar(&o.dur, "d", 30*time.Second, "duration of each flood")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "duration of each idle baseline")
	flag.Float64Var(&o.rate, "probe", 20, "/healthz probes per second, idle and during floods")
	flag.StringVar(&only, "floods", "", "comma-separated floods to run (default all: "+strings.Join(floodNames(), ",")+")")
	flag.Float64Var(&o.rssLimit, "rss-limit", 4096, "stop a flood when the service's RSS passes this many MiB (0: never)")
	flag.Float64Var(&o.maxRatio, "goal-rss", 2, "goal: peak RSS under this many times idle RSS")
	flag.DurationVar(&o.maxP99, "goal-p99", 50*time.Millisecond, "goal: /healthz p99 during a flood under this")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: abuseload -db FILE [flags] [-- extra serve flags]")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.serve = flag.Args()
	if only != "" {
		o.only = strings.Split(only, ",")
	}
	if o.db == "" {
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "abuseload:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func floodNames() []string {
	var names []string
	for _, f := range floods(orb.Bound{}) {
		names = append(names, f.name)
	}
	return names
}

// outcome is one flood's measures.
type outcome struct {
	f             flood
	c             counts
	took          time.Duration
	idleRSS, peak float64 // MiB
	hwmExact      bool    // peak is VmHWM reset before the flood
	idleHz, hz    probeResult
	stopped       string // why the flood ended early
	crashed       bool
	// CPU seconds: the service's during the idle window and the flood
	// (/proc/PID/stat), this load generator's during the flood (getrusage);
	// idleTook is the idle window's length.
	idleCPU, cpu, loadCPU float64
	idleTook              time.Duration
}

func (o outcome) ratio() float64 { return o.peak / o.idleRSS }

// met reports whether the flood met the goals (a crash never does).
func (o outcome) met(opt options) bool {
	return o.ratio() < opt.maxRatio && percentile(o.hz.lat, 99) < opt.maxP99 && !o.crashed
}

func run(o options) (bool, error) {
	s, err := startService(o.bin, o.db, o.serve)
	if err != nil {
		return false, err
	}
	bb, err := townBound(s.base)
	s.stop()
	if err != nil {
		return false, err
	}
	var todo []flood
	for _, f := range floods(bb) {
		if o.only == nil || slices.Contains(o.only, f.name) {
			todo = append(todo, f)
		}
	}
	if len(todo) == 0 {
		return false, fmt.Errorf("no flood named %s (floods: %s)", strings.Join(o.only, ", "), strings.Join(floodNames(), ", "))
	}
	flags := "default flags"
	if len(o.serve) > 0 {
		flags = strings.Join(o.serve, " ")
	}
	fmt.Printf("%s serve (%s); %d connections per flood, %s each, /healthz probed %.0f/s; a fresh process per flood, idle %s before it\n",
		o.bin, flags, o.conns, o.dur, o.rate, o.idle)
	var outs []outcome
	for i, f := range todo {
		out, err := runOne(o, f, bb, uint64(i))
		if err != nil {
			return false, fmt.Errorf("%s: %w", f.name, err)
		}
		outs = append(outs, out)
		fmt.Fprintf(os.Stderr, "%s: %d requests, peak %.0f MiB (%.2f× idle), /healthz p99 %.1f ms\n", f.name, out.c.n, out.peak, out.ratio(), ms(percentile(out.hz.lat, 99)))
	}
	return report(os.Stdout, o, outs), nil
}

// runOne measures one flood on a fresh service: warm it with light requests
// (the walking network, built on the first walk, belongs in the idle
// figure; a heavy request's garbage, which Go hands back to the system only
// minutes later, does not), let it settle, measure it idle, then flood it.
func runOne(o options, f flood, bb orb.Bound, seed uint64) (outcome, error) {
	out := outcome{f: f}
	s, err := startService(o.bin, o.db, o.serve)
	if err != nil {
		return out, err
	}
	defer s.stop()
	warm := flooder{client: &http.Client{Timeout: time.Minute}, base: s.base}
	for _, path := range warmUp(bb) {
		warm.do(context.Background(), http.MethodGet, path)
	}
	time.Sleep(2 * time.Second)

	sampler := sampleRSS(s.pid, 50*time.Millisecond, 0, nil)
	cpu0, idleStart := cpuOf(s.pid), time.Now()
	waitIdle, err := probeProcess(s.base+"/healthz", o.rate, o.idle)
	if err != nil {
		return out, err
	}
	if out.idleHz, err = waitIdle(); err != nil {
		return out, err
	}
	out.idleCPU, out.idleTook = cpuOf(s.pid)-cpu0, time.Since(idleStart)
	out.idleRSS, _ = sampler.end()

	out.hwmExact = resetPeak(s.pid) == nil
	ctx, cancel := context.WithTimeout(context.Background(), o.dur)
	defer cancel()
	sampler = sampleRSS(s.pid, 50*time.Millisecond, o.rssLimit, func(mb float64) {
		out.stopped = fmt.Sprintf("stopped at %.0f MiB (-rss-limit)", mb)
		cancel()
	})
	go func() { // a crashed service ends its flood
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	waitHz, err := probeProcess(s.base+"/healthz", o.rate, o.dur)
	if err != nil {
		return out, err
	}
	fl := flooder{
		client: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns}},
		base:   s.base,
		conns:  o.conns,
	}
	start, cpu0, load0 := time.Now(), cpuOf(s.pid), selfCPU()
	out.c = fl.run(ctx, seed, f.next)
	out.took = time.Since(start)
	out.cpu, out.loadCPU = cpuOf(s.pid)-cpu0, selfCPU()-load0
	if out.hz, err = waitHz(); err != nil {
		return out, err
	}
	_, out.peak = sampler.end()
	if _, hwm, err := memMB(s.pid); err == nil && out.hwmExact {
		out.peak = max(out.peak, hwm)
	}
	out.crashed = s.exited()
	if out.crashed {
		out.stopped = "the service exited: " + s.log.tail()
	}
	return out, nil
}

// warmUp are a visitor's first requests: a short walk, a tile, a page of
// items, a search.
func warmUp(bb orb.Bound) []string {
	c := bb.Center()
	t := maptile.At(c, 14)
	return []string{
		fmt.Sprintf("/api/reach?lon=%.6f&lat=%.6f&meters=500", c[0], c[1]),
		fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f&by=walk", c[0], c[1]),
		fmt.Sprintf("/tiles/public/%d/%d/%d.mvt", t.Z, t.X, t.Y),
		"/collections/green/items?limit=10",
		"/api/search?q=a",
	}
}

// townBound is the extent of the town the service holds: the union of its
// public layers' boxes.
func townBound(base string) (orb.Bound, error) {
	resp, err := http.Get(base + "/api/layers")
	if err != nil {
		return orb.Bound{}, err
	}
	defer resp.Body.Close()
	var layers []struct {
		ID   string
		BBox *[4]float64
	}
	if err := json.NewDecoder(resp.Body).Decode(&layers); err != nil {
		return orb.Bound{}, fmt.Errorf("/api/layers: %w", err)
	}
	var bb *orb.Bound
	for _, l := range layers {
		if l.BBox == nil || !slices.Contains(publicLayers, l.ID) {
			continue
		}
		b := orb.Bound{Min: orb.Point{l.BBox[0], l.BBox[1]}, Max: orb.Point{l.BBox[2], l.BBox[3]}}
		if bb == nil {
			bb = &b
		} else {
			*bb = bb.Union(b)
		}
	}
	if bb == nil {
		return orb.Bound{}, fmt.Errorf("%s holds no public layer with features", base)
	}
	return *bb, nil
}

// report prints the table and the goals; it reports whether every flood
// met them.
func report(w io.Writer, o options, outs []outcome) bool {
	var idle probeResult
	var idleRSS []float64
	var idleCPU float64
	var idleTook time.Duration
	for _, out := range outs {
		idle.lat = append(idle.lat, out.idleHz.lat...)
		idle.fail += out.idleHz.fail
		idleRSS = append(idleRSS, out.idleRSS)
		idleCPU += out.idleCPU
		idleTook += out.idleTook
	}
	sort.Float64s(idleRSS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flood\trequests\treq/s\t2xx\t4xx\t429\t503\t5xx\terrors\tcut\tidle MiB\tpeak MiB\tpeak÷idle\tCPU s\tcores\tload cores\thealthz p50\tp99\tgoal\t")
	idleMB := fmt.Sprintf("%.0f", idleRSS[0])
	if hi := fmt.Sprintf("%.0f", idleRSS[len(idleRSS)-1]); hi != idleMB {
		idleMB += "–" + hi
	}
	fmt.Fprintf(tw, "idle (probe only)\t%d\t\t\t\t\t\t\t%d\t\t%s\t\t\t%.1f\t%.2f\t\t%.1f ms\t%.1f ms\t\t\n",
		len(idle.lat), idle.fail, idleMB, idleCPU, idleCPU/max(idleTook.Seconds(), 1e-9), ms(percentile(idle.lat, 50)), ms(percentile(idle.lat, 99)))
	allMet := true
	for _, out := range outs {
		met := out.met(o)
		allMet = allMet && met
		verdict := "PASS"
		if !met {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.2f×\t%.1f\t%.2f\t%.2f\t%.1f ms\t%.1f ms\t%s\t\n",
			out.f.name, out.c.n, float64(out.c.n)/out.took.Seconds(), out.c.ok, out.c.c4xx, out.c.c429, out.c.c503, out.c.c5xx, out.c.errs, out.c.cut,
			out.idleRSS, out.peak, out.ratio(), out.cpu, out.cpu/out.took.Seconds(), out.loadCPU/out.took.Seconds(),
			ms(percentile(out.hz.lat, 50)), ms(percentile(out.hz.lat, 99)), verdict)
	}
	tw.Flush()
	fmt.Fprintln(w, "errors: requests without an answer (reset, refused); cut: requests still open when the flood ended, given up")
	fmt.Fprintln(w, "CPU s: the service's CPU seconds (user + system) during the flood (idle row: all idle windows); cores: that ÷ the flood's time; load cores: this load generator's, the same way")
	fmt.Fprintf(w, "goals: peak RSS < %.0f× idle, /healthz p99 < %s during each flood; %d of %d floods met them\n", o.maxRatio, o.maxP99, countMet(o, outs), len(outs))
	for _, out := range outs {
		var notes []string
		if out.stopped != "" {
			notes = append(notes, out.stopped)
		}
		if out.hz.fail > 0 {
			notes = append(notes, fmt.Sprintf("%d of %d /healthz probes failed", out.hz.fail, len(out.hz.lat)))
		}
		if out.c.other > 0 {
			notes = append(notes, fmt.Sprintf("%d answers neither 2xx, 4xx nor 5xx", out.c.other))
		}
		if !out.hwmExact {
			notes = append(notes, "VmHWM could not be reset: peak is the largest VmRSS sampled every 50 ms")
		}
		for _, e := range topErrors(out.c.errText, 3) {
			notes = append(notes, e)
		}
		fmt.Fprintf(w, "  %-14s %s", out.f.name, out.f.what)
		if len(notes) > 0 {
			fmt.Fprintf(w, "; %s", strings.Join(notes, "; "))
		}
		fmt.Fprintln(w)
	}
	return allMet
}

func countMet(o options, outs []outcome) int {
	n := 0
	for _, out := range outs {
		if out.met(o) {
			n++
		}
	}
	return n
}

// topErrors are the n most frequent errors, "×count: text".
func topErrors(m map[string]int, n int) []string {
	type e struct {
		text string
		n    int
	}
	var es []e
	for k, v := range m {
		es = append(es, e{k, v})
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].n != es[j].n {
			return es[i].n > es[j].n
		}
		return es[i].text < es[j].text
	})
	var out []string
	for _, x := range es[:min(n, len(es))] {
		out = append(out, fmt.Sprintf("error ×%d: %s", x.n, x.text))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
