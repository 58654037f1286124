// Command loadgen drives a running greenreach with a mixed load — tiles,
// nearest (straight and walking), within, at, search, OGC items — from many
// connections for a set time, and prints requests/s, p50/p99 per kind,
// errors, and the server's RSS before and after (from /proc/PID). The
// baseline, measured first in the same run, is GET /healthz: the same
// HTTP path doing no work. Used by bench/load.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the service")
	pid := flag.Int("pid", 0, "the service's process id (for RSS)")
	conns := flag.Int("c", 64, "concurrent connections")
	dur := flag.Duration("d", 60*time.Second, "duration of the mixed run")
	baseDur := flag.Duration("baseline", 10*time.Second, "duration of the /healthz baseline")
	flag.Parse()
	if err := run(*base, *pid, *conns, *dur, *baseDur); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type sample struct {
	kind string
	d    time.Duration
	err  string
}

func run(base string, pid, conns int, dur, baseDur time.Duration) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: false}, Timeout: 30 * time.Second}
	var layers []struct {
		ID   string
		BBox *[4]float64
	}
	resp, err := client.Get(base + "/api/layers")
	if err != nil {
		return err
	}
	json.NewDecoder(resp.Body).Decode(&layers)
	resp.Body.Close()
	var bb *[4]float64
	for _, l := range layers {
		if l.ID == "green" {
			bb = l.BBox
		}
	}
	if bb == nil {
		return fmt.Errorf("%s has no green layer", base)
	}
	point := func(r *rand.Rand) orb.Point {
		return orb.Point{bb[0] + r.Float64()*(bb[2]-bb[0]), bb[1] + r.Float64()*(bb[3]-bb[1])}
	}
	// The mix: what a public map's visitors ask, tiles most.
	mix := []struct {
		kind   string
		weight int
		path   func(r *rand.Rand) string
	}{
		{"tile", 60, func(r *rand.Rand) string {
			t := maptile.At(point(r), maptile.Zoom(12+r.IntN(5)))
			return fmt.Sprintf("/tiles/public/%d/%d/%d.mvt", t.Z, t.X, t.Y)
		}},
		{"nearest", 10, func(r *rand.Rand) string {
			p := point(r)
			return fmt.Sprintf("/api/nearest?lon=%f&lat=%f&k=5", p[0], p[1])
		}},
		{"nearest-walk", 5, func(r *rand.Rand) string {
			p := point(r)
			return fmt.Sprintf("/api/nearest?lon=%f&lat=%f&k=5&by=walk&meters=2000", p[0], p[1])
		}},
		{"within", 8, func(r *rand.Rand) string {
			p := point(r)
			return fmt.Sprintf("/api/within?lon=%f&lat=%f&meters=800", p[0], p[1])
		}},
		{"at", 5, func(r *rand.Rand) string {
			p := point(r)
			return fmt.Sprintf("/api/at?lon=%f&lat=%f", p[0], p[1])
		}},
		{"search", 5, func(r *rand.Rand) string {
			return "/api/search?q=" + []string{"%E5%85%AC%E5%9B%AD", "park", "%E7%BB%BF", "a"}[r.IntN(4)]
		}},
		{"items", 7, func(r *rand.Rand) string {
			p := point(r)
			return fmt.Sprintf("/collections/green/items?bbox=%f,%f,%f,%f&limit=50", p[0]-0.005, p[1]-0.005, p[0]+0.005, p[1]+0.005)
		}},
	}
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	pick := func(r *rand.Rand) (string, string) {
		n := r.IntN(total)
		for _, m := range mix {
			if n < m.weight {
				return m.kind, m.path(r)
			}
			n -= m.weight
		}
		panic("unreachable")
	}
	healthz := func(*rand.Rand) (string, string) { return "healthz", "/healthz" }

	rssBefore, _ := rss(pid)
	hz, hzTime := load(client, base, conns, baseDur, healthz)
	ss, took := load(client, base, conns, dur, pick)
	rssAfter, peak := rss(pid)

	report := func(title string, ss []sample, took time.Duration) (float64, int) {
		byKind := map[string][]time.Duration{}
		errs := map[string]int{}
		var all []time.Duration
		for _, s := range ss {
			if s.err != "" {
				errs[s.err]++
				continue
			}
			byKind[s.kind] = append(byKind[s.kind], s.d)
			all = append(all, s.d)
		}
		rps := float64(len(ss)) / took.Seconds()
		nerr := 0
		for _, n := range errs {
			nerr += n
		}
		fmt.Printf("%-14s %9d requests %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d\n", title, len(ss), rps, ms(pct(all, 50)), ms(pct(all, 99)), nerr)
		kinds := make([]string, 0, len(byKind))
		for k := range byKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		if len(kinds) > 1 {
			for _, k := range kinds {
				d := byKind[k]
				fmt.Printf("  %-12s %9d requests                  p50 %7.2f ms  p99 %7.2f ms\n", k, len(d), ms(pct(d, 50)), ms(pct(d, 99)))
			}
		}
		for e, n := range errs {
			fmt.Printf("  error ×%d: %s\n", n, e)
		}
		return rps, nerr
	}
	fmt.Printf("%s, %d connections; load generator and service share this machine's cores\n", base, conns)
	hzRPS, _ := report("baseline", hz, hzTime)
	rps, nerr := report(fmt.Sprintf("mixed %s", dur), ss, took)
	fmt.Printf("mixed / baseline: %.2f× the requests/s of /healthz\n", rps/hzRPS)
	if pid > 0 {
		fmt.Printf("service RSS: %.0f MB before, %.0f MB after (peak %.0f MB)\n", rssBefore, rssAfter, peak)
	}
	if nerr > 0 {
		return fmt.Errorf("%d errors", nerr)
	}
	return nil
}

// load runs conns workers for d, each asking next's paths in turn.
func load(client *http.Client, base string, conns int, d time.Duration, next func(*rand.Rand) (string, string)) ([]sample, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var out []sample
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 99))
			var mine []sample
			for ctx.Err() == nil {
				kind, path := next(r)
				t := time.Now()
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := client.Do(req)
				s := sample{kind: kind}
				if err != nil {
					s.err = kind + ": " + err.Error()
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						s.err = fmt.Sprintf("%s: HTTP %d", kind, resp.StatusCode)
					}
				}
				s.d = time.Since(t)
				mine = append(mine, s)
			}
			mu.Lock()
			out = append(out, mine...)
			mu.Unlock()
		}(uint64(i))
	}
	wg.Wait()
	return out, time.Since(start)
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p/100))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rss reads VmRSS and VmHWM (peak) of a process, in MB.
func rss(pid int) (now, peak float64) {
	if pid <= 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb float64
		if n, _ := fmt.Sscanf(line, "VmRSS: %f kB", &kb); n == 1 {
			now = kb / 1024
		}
		if n, _ := fmt.Sscanf(line, "VmHWM: %f kB", &kb); n == 1 {
			peak = kb / 1024
		}
	}
	return now, peak
}
