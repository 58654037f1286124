package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/live/livetest"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1000; i >= 1; i-- { // unsorted on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Millisecond}, {99, 990 * time.Millisecond}, {99.9, 999 * time.Millisecond}, {100, time.Second}, {0, time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%g of 1…1000 ms = %s, want %s", c.p, got, c.want)
		}
	}
	// Nearest rank: of 10 values the p99 is the largest, not the 9th.
	ten := []time.Duration{5, 1, 9, 3, 7, 2, 8, 4, 10, 6}
	if got := percentile(ten, 99); got != 10 {
		t.Errorf("p99 of 1…10 = %d, want 10", got)
	}
	if got := percentile(ten, 50); got != 5 {
		t.Errorf("p50 of 1…10 = %d, want 5", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %s", got)
	}
}

func TestStatusKB(t *testing.T) {
	status := "Name:\tgreenreach\nVmPeak:\t 2000000 kB\nVmHWM:\t  150000 kB\nVmRSS:\t   70312 kB\nThreads:\t12\n"
	for field, want := range map[string]int64{"VmRSS": 70312, "VmHWM": 150000} {
		if got, ok := statusKB(status, field); !ok || got != want {
			t.Errorf("%s = %d, %v; want %d", field, got, ok, want)
		}
	}
	for _, field := range []string{"Threads", "VmSwap", "Vm"} {
		if got, ok := statusKB(status, field); ok {
			t.Errorf("%s read as %d kB", field, got)
		}
	}
	// This process: resident, and its peak at least that.
	rss, hwm, err := memMB(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || hwm < rss {
		t.Errorf("this process: VmRSS %.1f MiB, VmHWM %.1f MiB", rss, hwm)
	}
}

// TestStatCPU: utime and stime (fields 14 and 15) are read after the
// command name, whatever it holds; this process's CPU time read from
// /proc grows as getrusage says it does.
func TestStatCPU(t *testing.T) {
	// A command name with spaces and a ')' of its own; utime 250, stime 75.
	stat := "4242 (green reach) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 12 0 100 2000000 17000 18446744073709551615"
	if got, err := statCPU(stat); err != nil || got != 3.25 {
		t.Errorf("statCPU = %v, %v; want 3.25 s", got, err)
	}
	for _, bad := range []string{"", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 2x5 75 0"} {
		if got, err := statCPU(bad); err == nil {
			t.Errorf("statCPU(%q) = %v, want an error", bad, got)
		}
	}
	before, err := cpuSeconds(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ru := selfCPU()
	for selfCPU()-ru < 0.3 { // spin
	}
	after, _ := cpuSeconds(os.Getpid())
	if d := after - before; d < 0.25 || d > 0.5 {
		t.Errorf("this process spun 0.3 s of CPU (getrusage); /proc says %.2f s", d)
	}
}

func TestCounts(t *testing.T) {
	var c counts
	for _, s := range []int{200, 204, 400, 404, 405, 431, 429, 503, 500, 502, 301} {
		c.add(s, nil, false)
	}
	// The same failure on two URLs is one kind of error.
	reset := &os.SyscallError{Syscall: "read", Err: errors.New("connection reset by peer")}
	c.add(0, &url.Error{Op: "Get", URL: "http://h/api/reach?lon=1", Err: reset}, false)
	c.add(0, fmt.Errorf("client: %w", &url.Error{Op: "Get", URL: "http://h/api/at?lon=2", Err: reset}), false)
	c.add(0, context.Canceled, true)
	want := counts{n: 14, ok: 2, c4xx: 4, c429: 1, c503: 1, c5xx: 2, other: 1, errs: 2, cut: 1,
		errText: map[string]int{"Get: read: connection reset by peer": 2}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	var sum counts
	sum.merge(c)
	sum.merge(c)
	if sum.n != 28 || sum.c4xx != 8 || sum.cut != 2 || sum.errText["Get: read: connection reset by peer"] != 4 {
		t.Errorf("two merged: %+v", sum)
	}
}

// TestFloodAndProbe: what the flooder counts by status is what the server
// answered, less what the flood's end cut off; the probe probes at its
// rate and counts failures.
func TestFloodAndProbe(t *testing.T) {
	codes := map[string]int{"/ok": 200, "/missing": 404, "/limited": 429, "/busy": 503, "/broken": 500}
	var mu sync.Mutex
	served := map[int]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := codes[r.URL.Path]
		if r.Method != http.MethodGet {
			code = http.StatusMethodNotAllowed
		}
		mu.Lock()
		served[code]++
		mu.Unlock()
		w.WriteHeader(code)
		w.Write([]byte(strings.Repeat("x", 100)))
	}))
	defer srv.Close()
	paths := []string{"/ok", "/missing", "/limited", "/busy", "/broken"}
	next := func(r *rand.Rand) (string, string) {
		if r.IntN(6) == 0 {
			return token(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 5), "/ok"
		}
		return http.MethodGet, paths[r.IntN(len(paths))]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	f := flooder{client: srv.Client(), base: srv.URL, conns: 4}
	c := f.run(ctx, 1, next)
	srv.Close() // every handler has returned
	if c.n != c.ok+c.c4xx+c.c429+c.c503+c.c5xx+c.other+c.errs+c.cut {
		t.Errorf("classes do not add up to the %d requests: %+v", c.n, c)
	}
	if c.errs != 0 || c.other != 0 || c.cut > 4 {
		t.Errorf("%d errors %v, %d other, %d cut by the end of 4 connections", c.errs, c.errText, c.other, c.cut)
	}
	for _, x := range []struct {
		class  string
		client int
		server int
	}{
		{"2xx", c.ok, served[200]},
		{"4xx", c.c4xx, served[404] + served[405]},
		{"429", c.c429, served[429]},
		{"503", c.c503, served[503]},
		{"5xx", c.c5xx, served[500]},
	} {
		if x.client == 0 || x.client > x.server || x.server-x.client > c.cut {
			t.Errorf("%s: the flood counted %d, the server answered %d (%d cut)", x.class, x.client, x.server, c.cut)
		}
	}

	for _, x := range []struct {
		path string
		fail bool
	}{{"/ok", false}, {"/busy", true}} {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		hz := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(codes[r.URL.Path]) }))
		res := probe(ctx, hz.Client(), hz.URL+x.path, 40)
		cancel()
		hz.Close()
		// 40/s for 0.5 s: 20 probes, give or take a busy machine's ticks.
		if len(res.lat) < 10 || len(res.lat) > 20 {
			t.Errorf("%s: %d probes in 0.5 s at 40/s", x.path, len(res.lat))
		}
		if want := map[bool]int{false: 0, true: len(res.lat)}[x.fail]; res.fail != want {
			t.Errorf("%s: %d of %d probes failed, want %d", x.path, res.fail, len(res.lat), want)
		}
	}
}

// TestFloodsReachTheirRoutes: on the small demo town served by the api
// package with the default configuration, one request of each route flood
// is answered 200 to an anonymous caller (a flood of 400s or 401s would
// measure nothing), a random method is refused, a huge query is answered,
// and the huge queries stay under the server's 1 MB header limit.
func TestFloodsReachTheirRoutes(t *testing.T) {
	st, ix := livetest.Demo(t, "small")
	srv := httptest.NewServer(api.New(api.DefaultConfig(), st, ix, nil).Handler())
	defer srv.Close()
	bb, err := townBound(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if bb.Min[0] < 73 || bb.Max[0] > 135 || bb.Min[1] < 18 || bb.Max[1] > 54 || bb.Max[0]-bb.Min[0] < 0.001 {
		t.Fatalf("the town's extent %v is not a town in China", bb)
	}
	f := flooder{client: srv.Client(), base: srv.URL}
	seen := map[string]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for _, fl := range floods(bb) {
		if seen[fl.name] {
			t.Errorf("two floods named %s", fl.name)
		}
		seen[fl.name] = true
		// One request each: a per-client rate limit in the default
		// configuration must not turn this test into one of 429s.
		method, path := fl.next(r)
		code, err := f.do(context.Background(), method, path)
		if err != nil {
			t.Fatalf("%s: %s %.100s: %v", fl.name, method, path, err)
		}
		switch fl.name {
		case "random-method":
			if method == http.MethodGet || code < 400 || code >= 500 {
				t.Errorf("%s %s: %d, want a 4xx", method, path, code)
			}
		case "huge-query":
			if code >= 500 {
				t.Errorf("%s: %.100s…: %d", fl.name, path, code)
			}
		default:
			if code != http.StatusOK {
				t.Errorf("%s: %s: %d, want 200", fl.name, path, code)
			}
		}
	}
	huge := hugeQueries(bb)
	for _, p := range huge {
		if len(p) < 16<<10 || len(p) > 900<<10+100 {
			t.Errorf("a huge query of %d bytes", len(p))
		}
	}
	if !strings.Contains(huge[0], ";p1=1;p2=2") {
		t.Errorf("the first huge query has no ;-parameters: %.80s", huge[0])
	}
}

// TestProbeSpec: the probe process reads its duration as a duration (30s
// is 30 seconds, not 30 ns) and refuses what it cannot read.
func TestProbeSpec(t *testing.T) {
	url, rate, dur, err := parseProbeSpec("http://127.0.0.1:1/healthz 20 30s")
	if err != nil || url != "http://127.0.0.1:1/healthz" || rate != 20 || dur != 30*time.Second {
		t.Errorf("parseProbeSpec: %q %v %v %v", url, rate, dur, err)
	}
	for _, bad := range []string{"", "u 20", "u 0 5s", "u 20 5", "u x 5s", "u 20 5s extra"} {
		if _, _, _, err := parseProbeSpec(bad); err == nil {
			t.Errorf("parseProbeSpec(%q) accepted", bad)
		}
	}
}
