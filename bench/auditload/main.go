// Command auditload times the full audit (every rule of the default set)
// of a GeoPackage: its seconds and peak RSS, each stage's seconds, and
// beside each walk rule the walk kernel's — the multi-source network walk
// alone, on the audit's own graph and the rule's sources — as the floor. It
// runs each audit in a process of its own on a fresh copy of the file, and
// with -base also the audit of a baseline build of this command (alternating
// -rounds times), prints the ratios and checks that every figure of the two
// JSON reports is equal ("generated" aside); it exits 1 if not. It is run by
// bench/audit.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/paulmach/orb"
)

func main() {
	data := flag.String("gpkg", "", "the GeoPackage to audit (never written: each audit gets a copy)")
	base := flag.String("base", "", "an auditload binary of the baseline build, audited beside this one")
	baseName := flag.String("base-name", "base", "what to call the baseline in the table")
	rounds := flag.Int("rounds", 1, "audits of each build, alternating (medians shown)")
	dir := flag.String("dir", "", "where the copies and JSON reports go (default: a new temporary directory, removed after)")
	child := flag.Bool("child", false, "audit -gpkg in this process, write -json, print figures (the driver's own use)")
	jsonOut := flag.String("json", "", "with -child: write the audit's JSON report here")
	compare := flag.Bool("compare", false, "compare the two JSON reports named as arguments (\"generated\" aside); exit 1 if they differ")
	flag.Parse()
	var err error
	if *compare {
		err = compareFiles(flag.Args())
	} else if *child {
		err = audit(context.Background(), *data, *jsonOut, os.Stdout)
	} else {
		err = drive(*data, *base, *baseName, *rounds, *dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "auditload:", err)
		os.Exit(1)
	}
}

// audit loads the store at path, runs the full audit with the default
// rules, writes its JSON report to jsonPath and prints its figures to out,
// a line each: a kind, names, a value (tab-separated).
func audit(ctx context.Context, path, jsonPath string, out io.Writer) error {
	st, err := gpkg.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	t0 := time.Now()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		return err
	}
	snap := ix.Snapshot()
	fmt.Fprintf(out, "load\t%.6f\n", time.Since(t0).Seconds())
	fmt.Fprintf(out, "rss_loaded\t%d\n", procStatus("VmRSS"))
	// The peak from here on: the audit's, with the loaded index resident.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)

	rs := coverage.Default()
	nets := network.NewCache(1, nil)
	var mu sync.Mutex
	type stage struct {
		name string
		at   time.Time
	}
	var stages []stage
	start := time.Now()
	a, err := coverage.Run(ctx, snap, rs, coverage.Options{Networks: nets, Progress: func(s string) {
		mu.Lock()
		stages = append(stages, stage{s, time.Now()})
		mu.Unlock()
	}})
	if err != nil {
		return err
	}
	end := time.Now()
	peak := procStatus("VmHWM")
	mu.Lock()
	for i, s := range stages {
		next := end
		if i+1 < len(stages) {
			next = stages[i+1].at
		}
		fmt.Fprintf(out, "stage\t%s\t%.6f\n", s.name, next.Sub(s.at).Seconds())
	}
	mu.Unlock()
	fmt.Fprintf(out, "audit\t%.6f\n", end.Sub(start).Seconds())
	fmt.Fprintf(out, "rss_peak\t%d\n", peak)
	fmt.Fprintf(out, "info\tparcels\t%d\n", len(a.Parcels))
	fmt.Fprintf(out, "info\tgraph\t%s\n", a.Network)

	f, err := os.Create(jsonPath)
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := report.Write(f, a, "json", report.Options{Lang: i18n.Default}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "json\t%.6f\n", time.Since(t1).Seconds())

	// The walk kernel: each walk rule's multi-source walk alone, on the
	// audit's graph, from the sources the rule walks from.
	w, err := nets.Walks(ctx, snap.Layer(geo.Roads))
	if err != nil {
		return err
	}
	g := w.Graph
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if r.Type != coverage.WalkAccess {
			continue
		}
		var srcs []network.Source
		label := int32(0)
		snap.Layer(r.Target.Layer).Scan(func(f *geo.Feature) bool {
			if !r.Target.Match(f) {
				return true
			}
			switch t := f.Geom.(type) {
			case orb.Point:
				if at, d, ok := g.Snap(t, coverage.SnapLimit); ok {
					srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: d, Label: label})
				}
			default:
				for _, acc := range g.AccessPoints(t, network.AccessGap, false) {
					srcs = append(srcs, acc.Source(label))
				}
			}
			label++
			return true
		})
		var times []float64
		for range 3 {
			t := time.Now()
			g.Multi(srcs, r.Meters)
			times = append(times, time.Since(t).Seconds())
		}
		sort.Float64s(times)
		fmt.Fprintf(out, "kernel\t%s\t%.6f\n", r.ID, times[1])
	}
	return nil
}

// procStatus returns a figure of /proc/self/status in KiB (0 if unknown).
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// run is one audit's figures, by key ("audit", "stage\tunits and parcels",
// …), and its JSON report's path.
type run struct {
	figs map[string]string
	keys []string
	json string
}

// drive audits data with this binary and, if base is set, with base too,
// alternating, and prints the figures side by side.
func drive(data, base, baseName string, rounds int, dir string) error {
	if data == "" {
		return fmt.Errorf("no data: pass -gpkg FILE")
	}
	if rounds < 1 {
		return fmt.Errorf("-rounds %d: want at least 1", rounds)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "auditload-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	builds := []string{"this"}
	bins := map[string]string{"this": self}
	if base != "" {
		builds = append(builds, baseName)
		bins[baseName] = base
	}
	runs := map[string][]*run{}
	for i := range rounds {
		order := builds
		if i%2 == 1 && len(builds) == 2 {
			order = []string{builds[1], builds[0]}
		}
		for _, b := range order {
			fmt.Fprintf(os.Stderr, "auditload: round %d, %s build\n", i+1, b)
			r, err := auditIn(bins[b], data, filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(b, "/", "_"), i+1)))
			if err != nil {
				return fmt.Errorf("%s build: %w", b, err)
			}
			runs[b] = append(runs[b], r)
		}
	}
	printTable(data, builds, runs, rounds)
	// Every report equal to the first of this build.
	ref := runs["this"][0]
	differ := false
	for _, b := range builds {
		for i, r := range runs[b] {
			if r == ref {
				continue
			}
			diffs, err := compareReports(ref.json, r.json)
			if err != nil {
				return err
			}
			if len(diffs) > 0 {
				differ = true
				fmt.Printf("figures: %s build, round %d, differs from this build's first report in %d places:\n", b, i+1, len(diffs))
				for _, d := range diffs[:min(len(diffs), 20)] {
					fmt.Println("  " + d)
				}
			}
		}
	}
	if differ {
		return fmt.Errorf("the audits' figures differ")
	}
	n := 0
	for _, b := range builds {
		n += len(runs[b])
	}
	if n > 1 {
		fmt.Printf("figures: all %d reports equal (every value of the JSON report but \"generated\")\n", n)
	}
	return nil
}

// auditIn runs bin -child on a fresh copy of data in dir.
func auditIn(bin, data, dir string) (*run, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cp := filepath.Join(dir, "data.gpkg")
	if out, err := exec.Command("cp", "--reflink=auto", data, cp).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copying %s: %v: %s", data, err, bytes.TrimSpace(out))
	}
	defer func() {
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(cp + s)
		}
	}()
	r := &run{figs: map[string]string{}, json: filepath.Join(dir, "audit.json")}
	cmd := exec.Command(bin, "-child", "-gpkg", cp, "-json", r.json)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		i := strings.LastIndexByte(l, '\t')
		if i < 0 {
			continue
		}
		k, v := l[:i], l[i+1:]
		if _, ok := r.figs[k]; !ok {
			r.keys = append(r.keys, k)
		}
		r.figs[k] = v
	}
	return r, nil
}

// printTable prints each figure's median per build, and this build's
// ratio to the baseline's.
func printTable(data string, builds []string, runs map[string][]*run, rounds int) {
	var keys []string
	seen := map[string]bool{}
	for _, b := range builds {
		for _, r := range runs[b] {
			for _, k := range r.keys {
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	first := runs["this"][0].figs
	fmt.Printf("\nfull audit of %s: %s parcels; graph %s; %d round(s), medians\n", data, first["info\tparcels"], first["info\tgraph"], rounds)
	fmt.Printf("%-52s %12s", "figure", "this")
	if len(builds) == 2 {
		fmt.Printf(" %12s %10s", builds[1], "this÷"+builds[1])
	}
	fmt.Println()
	// Walk kernels beside their rules.
	kernel := map[string]string{}
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, "kernel\t"); ok {
			kernel["stage\trule "+id] = k
		}
	}
	row := func(label, k string, scale float64, unit string) {
		fmt.Printf("%-52s", label+" ("+unit+")")
		var vals []float64
		for _, b := range builds {
			v, ok := median(runs[b], k)
			if !ok {
				fmt.Printf(" %12s", "—")
				vals = append(vals, 0)
				continue
			}
			vals = append(vals, v*scale)
			fmt.Printf(" %12s", format(v*scale))
		}
		if len(vals) == 2 && vals[0] > 0 && vals[1] > 0 {
			fmt.Printf(" %9.2f×", vals[0]/vals[1])
		}
		fmt.Println()
	}
	row("loading the store", "load", 1, "s")
	row("RSS after loading", "rss_loaded", 1.0/1024, "MiB")
	row("full audit", "audit", 1, "s")
	row("peak RSS during the audit", "rss_peak", 1.0/1024, "MiB")
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, "stage\t")
		if !ok {
			continue
		}
		row("  "+name, k, 1, "s")
		if kk, ok := kernel[k]; ok {
			row("    walk kernel (the network walk alone)", kk, 1, "s")
		}
	}
	row("writing the JSON report", "json", 1, "s")
}

// median is the median of a figure over runs.
func median(runs []*run, k string) (float64, bool) {
	var vs []float64
	for _, r := range runs {
		if s, ok := r.figs[k]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	return vs[len(vs)/2], true
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// compareFiles prints where two JSON reports differ.
func compareFiles(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("-compare: want two JSON reports, have %d arguments", len(args))
	}
	diffs, err := compareReports(args[0], args[1])
	if err != nil {
		return err
	}
	for _, d := range diffs[:min(len(diffs), 20)] {
		fmt.Println("  " + d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s and %s differ in %d places", args[0], args[1], len(diffs))
	}
	fmt.Printf("figures: %s and %s equal (every value but \"generated\")\n", args[0], args[1])
	return nil
}

// compareReports returns where two JSON reports differ, "generated"
// aside: a line per differing value, naming its path.
func compareReports(a, b string) ([]string, error) {
	var va, vb any
	for _, p := range []struct {
		path string
		v    *any
	}{{a, &va}, {b, &vb}} {
		raw, err := os.ReadFile(p.path)
		if err != nil {
			return nil, err
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber() // compare numbers as written
		if err := d.Decode(p.v); err != nil {
			return nil, fmt.Errorf("%s: %w", p.path, err)
		}
		if m, ok := (*p.v).(map[string]any); ok {
			delete(m, "generated")
		}
	}
	var diffs []string
	diff("", va, vb, &diffs)
	return diffs, nil
}

// diff appends to out the paths where a and b differ (at most a few
// hundred).
func diff(path string, a, b any, out *[]string) {
	if len(*out) >= 200 {
		return
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range ta {
			keys[k] = true
		}
		for k := range tb {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			diff(path+"/"+k, ta[k], tb[k], out)
		}
		return
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			break
		}
		for i := range ta {
			diff(path+"/"+strconv.Itoa(i), ta[i], tb[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, fmt.Sprintf("%s: %s vs %s", path, short(a), short(b)))
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:77]) + "…"
	}
	return string(b)
}
