// Command tileload measures tile throughput: greenreach's tile route over
// real HTTP on loopback, with the cache off (every tile cut) and on (warm),
// beside PostGIS ST_AsMVT (store/postgis.TileMVT) cutting the same tiles
// from the same data, at the same concurrency, in the same run. It is run by
// bench/tiles; see there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/gzip"
	"github.com/paulmach/orb/maptile"
)

func main() {
	var (
		dsn      = flag.String("pg", os.Getenv("GREENREACH_TEST_PG"), "PostGIS URL of a throwaway database (a new schema is made and left there)")
		data     = flag.String("data", "city", "an OSM file, or a demo town size (small, city, metro)")
		conns    = flag.Int("c", 64, "concurrent connections")
		dur      = flag.Duration("d", 5*time.Second, "duration of each run")
		minZ     = flag.Int("minzoom", 12, "smallest zoom of the tile list")
		maxZ     = flag.Int("maxzoom", 16, "largest zoom of the tile list")
		maxTiles = flag.Int("tiles", 2000, "at most this many tiles (spread over the zooms)")
		roundsN  = flag.Int("rounds", 3, "measure every run this many times, in turn, and report the median")
	)
	prof := flag.String("cpuprofile", "", "write a CPU profile of the uncached run here")
	clientFlag := flag.String("client", "", "HTTP load generator: wrk (Debian's, the default when installed) or go (net/http in this process)")
	flag.Parse()
	cpuProfile = *prof
	httpClient = *clientFlag
	rounds = max(1, *roundsN)
	if httpClient == "" {
		httpClient = "go"
		if _, err := exec.LookPath("wrk"); err == nil {
			httpClient = "wrk"
		}
	}
	if err := run(context.Background(), *dsn, *data, *conns, *dur, *minZ, *maxZ, *maxTiles); err != nil {
		fmt.Fprintln(os.Stderr, "tileload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn, data string, conns int, dur time.Duration, minZ, maxZ, maxTiles int) error {
	if dsn == "" {
		return errors.New("no PostGIS: pass -pg or set GREENREACH_TEST_PG")
	}
	sep := "?"
	for _, c := range dsn {
		if c == '?' {
			sep = "&"
		}
	}
	schema := fmt.Sprintf("tileload_%d", time.Now().UnixNano())
	pg, err := postgis.Open(ctx, fmt.Sprintf("%s%sschema=%s&pool_max_conns=%d", dsn, sep, schema, conns))
	if err != nil {
		return err
	}
	defer pg.Close()
	start := time.Now()
	if err := load(ctx, pg, data); err != nil {
		return err
	}
	ix, err := live.Load(ctx, pg, nil)
	if err != nil {
		return err
	}
	n := 0
	for _, l := range ix.Snapshot().Infos() {
		n += int(l.Count)
	}
	b, _ := tiles.LayersBound(ix.Snapshot(), tiles.Public)
	list := tiles.Sample(b, maptile.Zoom(minZ), maptile.Zoom(maxZ), maxTiles)
	fmt.Fprintf(os.Stderr, "%s: %d features loaded into PostGIS and the index in %s; %d tiles at z%d–%d; %d connections, %s a run\n",
		data, n, time.Since(start).Round(time.Millisecond), len(list), minZ, maxZ, conns, dur)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	serve := func(cacheBytes int64) (string, func()) {
		cfg := api.DefaultConfig()
		cfg.TileCacheBytes = cacheBytes
		return listen(api.New(cfg, pg, ix, quiet).Handler())
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: false}}
	for _, t := range list { // warm PostGIS's buffers and plan cache
		if _, err := pg.TileMVT(ctx, tiles.Public, int(t.Z), int(t.X), int(t.Y)); err != nil {
			return err
		}
	}
	// The server's CPU time per tile: PostGIS's processes (found through
	// GREENREACH_PG_DIR, set by .ci/postgis); this process when wrk loads it
	// (with the Go client, the load generator shares it: not measured).
	var pgCPU, pgFrontCPU, serverCPU cpuClock
	if dir := os.Getenv("GREENREACH_PG_DIR"); dir != "" {
		pgCPU = clusterCPU(dir)
	}
	if httpClient == "wrk" {
		serverCPU = selfCPU
		if pgCPU != nil {
			pgFrontCPU = sum(pgCPU, selfCPU)
		}
	}
	// Each round measures every run once, in turn, so a slow spell of this
	// shared machine falls on all of them; the table gives each run's median
	// round (its rate, p50 and p99 from that round), ratios between medians.
	var all [][]result
	for round := 1; round <= rounds; round++ {
		if rounds > 1 {
			fmt.Fprintf(os.Stderr, "round %d of %d\n", round, rounds)
		}
		var rows []result
		// PostGIS ST_AsMVT: the baseline.
		rows = append(rows, timed(pgCPU, func() result {
			return measure("PostGIS ST_AsMVT (no HTTP)", list, conns, dur, func(t maptile.Tile) error {
				_, err := pg.TileMVT(ctx, tiles.Public, int(t.Z), int(t.X), int(t.Y))
				return err
			})
		}))
		// The same tiles from PostGIS behind HTTP and gzip, as pg_tileserv or
		// Martin would serve them: the like-for-like baseline.
		pgBase, pgStop := servePG(ctx, pg)
		rows = append(rows, timed(pgFrontCPU, func() result {
			return measureHTTP("PostGIS ST_AsMVT (HTTP, gzip)", list, conns, dur, client, pgBase+"/pg")
		}))
		pgStop()
		base, stop := serve(0)
		if cpuProfile != "" && round == 1 {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return err
			}
			pprof.StartCPUProfile(f)
		}
		rows = append(rows, timed(serverCPU, func() result {
			return measureHTTP("greenreach uncached (HTTP, gzip)", list, conns, dur, client, base+"/tiles/public")
		}))
		if cpuProfile != "" && round == 1 {
			pprof.StopCPUProfile()
		}
		stop()
		base, stop = serve(1 << 30)
		get := httpGetPath(client, base+"/tiles/public")
		for _, t := range list { // warm the cache
			if err := get(t); err != nil {
				return err
			}
		}
		rows = append(rows, timed(serverCPU, func() result {
			return measureHTTP("greenreach cached (HTTP, gzip)", list, conns, dur, client, base+"/tiles/public")
		}))
		stop()
		all = append(all, rows)
	}
	rows := make([]result, len(all[0]))
	for i := range rows {
		runs := make([]result, len(all))
		for k := range all {
			runs[k] = all[k][i]
		}
		sort.Slice(runs, func(a, b int) bool { return runs[a].rate < runs[b].rate })
		rows[i] = runs[len(runs)/2]
		sort.Slice(runs, func(a, b int) bool { return runs[a].cpuPerTile < runs[b].cpuPerTile })
		rows[i].cpuPerTile = runs[len(runs)/2].cpuPerTile // its own median
	}

	fmt.Printf("\ntiles of %s (%d features), /tiles/public at z%d–%d, %d tiles, %d connections, HTTP load from %s, median of %d rounds\n", data, n, minZ, maxZ, len(list), conns, httpClient, rounds)
	fmt.Printf("%-34s %10s %9s %9s %7s %12s %12s %12s %12s\n", "run", "tiles/s", "p50 ms", "p99 ms", "errors", "vs ST_AsMVT", "vs ST_AsMVT", "server CPU", "CPU/tile vs")
	fmt.Printf("%-34s %10s %9s %9s %7s %12s %12s %12s %12s\n", "", "", "", "", "", "(no HTTP)", "(HTTP)", "µs/tile", "ST_AsMVT")
	for _, r := range rows {
		cpu, vs := "-", "-"
		if r.cpuPerTile > 0 {
			cpu = fmt.Sprintf("%.0f", float64(r.cpuPerTile)/1e3)
			if rows[0].cpuPerTile > 0 {
				vs = fmt.Sprintf("%.2fx", float64(rows[0].cpuPerTile)/float64(r.cpuPerTile))
			}
		}
		fmt.Printf("%-34s %10.0f %9.2f %9.2f %7d %11.2fx %11.2fx %12s %12s\n", r.name, r.rate, ms(r.p50), ms(r.p99), r.errors, r.rate/rows[0].rate, r.rate/rows[1].rate, cpu, vs)
	}
	return nil
}

var (
	cpuProfile, httpClient string
	rounds                 int
)

// measureHTTP fetches base/z/x/y.mvt for the tiles of list, in turn, from
// conns connections for dur, with wrk or with net/http (-client).
func measureHTTP(name string, list []maptile.Tile, conns int, dur time.Duration, client *http.Client, base string) result {
	if httpClient == "wrk" {
		r, err := measureWrk(name, list, conns, dur, base)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tileload:", err)
			os.Exit(1)
		}
		return r
	}
	return measure(name, list, conns, dur, httpGetPath(client, base))
}

// wrkScript makes each wrk thread request the paths of a file in turn,
// each thread starting at its own place in the list, asking for gzip.
const wrkScript = `
local paths = {}
for l in io.lines(%q) do paths[#paths + 1] = l end
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local i = 0
function init(args)
  i = math.floor((first or 0) * #paths / 2)
end
function request()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end
`

// measureWrk runs Debian's wrk (two threads) against base and reads its
// report: requests/s, the 50th and 99th latency percentiles, and
// non-2xx answers and socket errors as errors.
func measureWrk(name string, list []maptile.Tile, conns int, dur time.Duration, base string) (result, error) {
	u, err := url.Parse(base)
	if err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp("", "tileload")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	var paths strings.Builder
	for _, t := range list {
		fmt.Fprintf(&paths, "%s/%d/%d/%d.mvt\n", u.Path, t.Z, t.X, t.Y)
	}
	pathFile, script := filepath.Join(dir, "paths"), filepath.Join(dir, "tiles.lua")
	if err := os.WriteFile(pathFile, []byte(paths.String()), 0o644); err != nil {
		return result{}, err
	}
	if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, pathFile)), 0o644); err != nil {
		return result{}, err
	}
	u.Path = ""
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(dur.Seconds()+0.5)),
		"--latency", "--timeout", "10s", "-s", script, u.String()).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	r, err := parseWrk(name, string(out))
	if err != nil {
		return result{}, fmt.Errorf("%w in wrk's report:\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "  %-34s %.0f tiles/s (wrk)\n", name, r.rate)
	return r, nil
}

// parseWrk reads wrk --latency's report.
func parseWrk(name, out string) (result, error) {
	r := result{name: name}
	var haveRate, have50, have99 bool
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return r, fmt.Errorf("requests/s %q", f[1])
			}
			r.rate, haveRate = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := time.ParseDuration(f[1])
			if err != nil {
				return r, fmt.Errorf("latency %q", f[1])
			}
			if f[0] == "50%" {
				r.p50, have50 = d, true
			} else {
				r.p99, have99 = d, true
			}
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:"):
			n, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
			r.errors += n
		case strings.HasPrefix(strings.TrimSpace(line), "Socket errors:"):
			for _, part := range strings.Split(strings.TrimPrefix(strings.TrimSpace(line), "Socket errors:"), ",") {
				if kv := strings.Fields(part); len(kv) == 2 {
					n, _ := strconv.ParseInt(kv[1], 10, 64)
					r.errors += n
				}
			}
		}
	}
	if !haveRate || !have50 || !have99 {
		return r, errors.New("no requests/s or latency percentiles")
	}
	return r, nil
}

// httpGetPath fetches base/z/x/y.mvt with gzip.
func httpGetPath(client *http.Client, base string) func(maptile.Tile) error {
	return func(t maptile.Tile) error {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/%d/%d/%d.mvt", base, t.Z, t.X, t.Y), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d", req.URL, resp.StatusCode)
		}
		return err
	}
}

// servePG serves /pg/{z}/{x}/{y}.mvt straight from ST_AsMVT, gzipped.
func servePG(ctx context.Context, pg *postgis.Store) (string, func()) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var z, x, y int
		if _, err := fmt.Sscanf(r.URL.Path, "/pg/%d/%d/%d.mvt", &z, &x, &y); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		data, err := pg.TileMVT(r.Context(), tiles.Public, z, x, y)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		gz, err := gzip.Append(nil, data, gzip.ForSize(len(data))) // as greenreach compresses
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz)
	})
	return listen(h)
}

// listen serves h on a free loopback port: its base URL and a stop.
func listen(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// load fills the store from an OSM file or a demo town.
func load(ctx context.Context, st store.Store, data string) error {
	switch data {
	case "small", "city", "metro":
		_, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: data})
		return err
	}
	_, _, err := osm.ImportFile(ctx, st, data, osm.Options{})
	return err
}

type result struct {
	name       string
	rate       float64
	p50, p99   time.Duration
	errors     int64
	cpuPerTile time.Duration // the server's CPU time per tile; 0: not measured
}

// measure runs fn over the tile list, round and round, from conns
// goroutines for dur.
func measure(name string, list []maptile.Tile, conns int, dur time.Duration, fn func(maptile.Tile) error) result {
	var next, errs atomic.Int64
	lat := make([][]time.Duration, conns)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	begin := time.Now()
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t := list[int(next.Add(1)-1)%len(list)]
				s := time.Now()
				err := fn(t)
				lat[c] = append(lat[c], time.Since(s))
				if err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, name+":", err)
					}
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := result{name: name, errors: errs.Load()}
	if len(all) > 0 {
		r.rate = float64(len(all)) / elapsed.Seconds()
		r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	fmt.Fprintf(os.Stderr, "  %-34s %d tiles in %s\n", name, len(all), elapsed.Round(time.Millisecond))
	return r
}
