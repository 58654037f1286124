package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
)

// runServe: greenreach serve. It loads the store into the in-memory index,
// follows what other processes write and serves the API until ctx ends.
func runServe(ctx context.Context, cfg *config, args []string) error {
	acfg := api.DefaultConfig()
	fs, f := newServeFlags(cfg, &acfg)
	if err := flagsFromEnv(fs); err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.apply(&acfg); err != nil {
		return err
	}
	tmp, err := openTempDir(*f.tmpRoot)
	if err != nil {
		return err
	}
	defer tmp.Close()
	acfg.TempDir = tmp.Path
	cfg.log.Info("temporary files", "dir", tmp.Path, "stale_removed", tmp.Removed)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// The index loads in the background: meanwhile /healthz answers,
	// /readyz says how far the load has come and every other route 503.
	ix := live.Pending()
	// Cases go to the unit of the zone they fall in (the zones layer; in
	// management grid cells, which have no unit, a dispatcher chooses).
	zf, err := zones.New(ix.Snapshot, 0)
	if err != nil {
		return err
	}
	acfg.CaseZones = zf
	srv := api.New(acfg, st, ix, cfg.log)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	loadErr := make(chan error, 1)
	go func() {
		err := loadIndex(ctx, cfg, st, ix, srv.SizeTileCache)
		if err != nil {
			stop()
		}
		loadErr <- err
	}()
	if err := srv.ListenAndServe(ctx); err != nil {
		return fmt.Errorf("serve %s: %w", acfg.Addr, err)
	}
	stop()
	if err := <-loadErr; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// loadIndex reads the store into ix, which serve answers from meanwhile,
// calls loaded, and then follows what other processes write until ctx
// ends.
func loadIndex(ctx context.Context, cfg *config, st store.Store, ix *live.Index, loaded func()) error {
	start := time.Now()
	if err := ix.Fill(ctx, st, func(layer string, n int) {
		cfg.log.Info("loading", "layer", layer, "features", n, "elapsed", time.Since(start).Round(time.Millisecond))
	}); err != nil {
		return fmt.Errorf("loading the index: %w", err)
	}
	var total int64
	for _, l := range ix.Snapshot().Infos() {
		total += l.Count
	}
	cfg.log.Info("index loaded", "features", total, "elapsed", time.Since(start).Round(time.Millisecond))
	// What the load read and dropped goes back to the system now rather
	// than over the next minutes.
	debug.FreeOSMemory()
	loaded() // e.g. the tile cache sized by what the load holds
	// Writes by other processes (replicas on the same PostGIS, CLI
	// imports) reach the index: at once by NOTIFY on PostGIS, and by a
	// version check every 2 s on any store.
	ix.Follow(ctx, st, 2*time.Second, func(layers []string, err error) {
		if err != nil {
			cfg.log.Warn("following the store", "err", err)
			return
		}
		cfg.log.Info("reloaded layers written elsewhere", "layers", layers)
	})
	return nil
}

// serveFlags are serve's flags that are not themselves fields of
// api.Config: sizes in other units, lists, files.
type serveFlags struct {
	uploadMB, uploadRate                                        *int64
	headerKB                                                    *int
	cacheMB, anon, cors, proxies, publicURL, rulesFile, tmpRoot *string
	publicCORS                                                  *bool
}

// newServeFlags defines serve's flags, those of api.Config's fields
// straight into acfg.
func newServeFlags(cfg *config, acfg *api.Config) (fs *flag.FlagSet, f *serveFlags) {
	f = &serveFlags{}
	fs = flags(cfg, "serve", "[--addr :8080] [--tile-cache-mb auto]")
	fs.StringVar(&acfg.Addr, "addr", envOr("GREENREACH_ADDR", acfg.Addr), "listen address ($GREENREACH_ADDR)")
	f.cacheMB = fs.String("tile-cache-mb", "auto", "tile cache size in MiB of compressed tiles, 0 turns it off; auto: a quarter of the loaded data's memory, 8–256 ($GREENREACH_TILE_CACHE_MB)")
	fs.IntVar(&acfg.TileCacheDoorkeeper, "tile-doorkeeper", acfg.TileCacheDoorkeeper, "tiles cut once that the tile cache remembers; a tile is cached when cut again while remembered, 0: cached when first cut ($GREENREACH_TILE_DOORKEEPER)")
	fs.StringVar(&acfg.TileCacheControl, "tile-cache-control", envOr("GREENREACH_TILE_CACHE_CONTROL", acfg.TileCacheControl), "Cache-Control header of tiles ($GREENREACH_TILE_CACHE_CONTROL)")
	f.anon = fs.String("anonymous-role", envOr("GREENREACH_ANONYMOUS_ROLE", acfg.Anonymous), "role of requests without a token: public, or planner|auditor|admin for a closed network ($GREENREACH_ANONYMOUS_ROLE)")
	f.cors = fs.String("cors", envOr("GREENREACH_CORS", ""), "origins whose pages may call the API, comma-separated, * for any ($GREENREACH_CORS)")
	f.publicCORS = fs.Bool("public-cors", true, "let any origin's pages read tiles, TileJSON, the OGC API and /api without a token ($GREENREACH_PUBLIC_CORS)")
	f.uploadMB = fs.Int64("max-upload-mb", acfg.MaxUploadBytes>>20, "largest POST /api/import body in MiB ($GREENREACH_MAX_UPLOAD_MB)")
	f.uploadRate = fs.Int64("upload-min-rate", acfg.UploadMinRate>>10, "slowest average rate in KiB/s at which a POST /api/import body may arrive once the read timeout has passed (408 below it) ($GREENREACH_UPLOAD_MIN_RATE)")
	fs.DurationVar(&acfg.QueryTimeout, "query-timeout", acfg.QueryTimeout, "longest a request may work (503 past it; imports excepted) ($GREENREACH_QUERY_TIMEOUT)")
	f.tmpRoot = tmpDirFlag(fs)
	f.rulesFile = fs.String("rules", envOr("GREENREACH_RULES", ""), "coverage rules (YAML) for /api/audit; default: the shipped set ($GREENREACH_RULES)")
	fs.IntVar(&acfg.Workers, "workers", acfg.Workers, "expensive requests (walks, audit, what-if, suggest) running at once ($GREENREACH_WORKERS)")
	fs.IntVar(&acfg.QueueLength, "queue", acfg.QueueLength, "expensive requests waiting for a turn (503 + Retry-After past it) ($GREENREACH_QUEUE)")
	fs.DurationVar(&acfg.QueueWait, "queue-wait", acfg.QueueWait, "longest an expensive request waits for a turn (503 + Retry-After past it) ($GREENREACH_QUEUE_WAIT)")
	fs.IntVar(&acfg.ReadWorkers, "read-workers", acfg.ReadWorkers, "heavy reads (within, search, at, OGC items) running at once ($GREENREACH_READ_WORKERS)")
	fs.IntVar(&acfg.ReadQueue, "read-queue", acfg.ReadQueue, "heavy reads waiting for a turn (503 + Retry-After past it) ($GREENREACH_READ_QUEUE)")
	f.headerKB = fs.Int("max-header-kb", acfg.MaxHeaderBytes>>10, "largest request line and headers in KiB, the query string included (431 past it) ($GREENREACH_MAX_HEADER_KB)")
	fs.Float64Var(&acfg.RateLimit, "rate-limit", acfg.RateLimit, "expensive requests a second per anonymous client address, 0: no limit (429 + Retry-After past it) ($GREENREACH_RATE_LIMIT)")
	fs.IntVar(&acfg.RateBurst, "rate-burst", acfg.RateBurst, "burst of --rate-limit ($GREENREACH_RATE_BURST)")
	fs.IntVar(&acfg.RateClients, "rate-clients", acfg.RateClients, "client addresses the rate limiter remembers at most ($GREENREACH_RATE_CLIENTS)")
	fs.IntVar(&acfg.RepairCrossings, "repair-crossings", acfg.RepairCrossings, "self-crossings of a request's polygons GEOS may repair, in all (422 past it) ($GREENREACH_REPAIR_CROSSINGS)")
	fs.IntVar(&acfg.RepairVertices, "repair-vertices", acfg.RepairVertices, "vertices of a request's invalid polygons GEOS may repair, in all (422 past it) ($GREENREACH_REPAIR_VERTICES)")
	fs.IntVar(&acfg.RepairWorkers, "repair-workers", acfg.RepairWorkers, "GEOS repairs running at once ($GREENREACH_REPAIR_WORKERS)")
	f.proxies = fs.String("trusted-proxies", envOr("GREENREACH_TRUSTED_PROXIES", ""), "CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed, comma-separated ($GREENREACH_TRUSTED_PROXIES)")
	f.publicURL = fs.String("public-url", envOr("GREENREACH_PUBLIC_URL", ""), "the service's URL as users see it (https://host[/prefix]), the base of TileJSON and OGC API links ($GREENREACH_PUBLIC_URL)")
	return fs, f
}

// flagsFromEnv: the flags that read no environment variable as their
// default take it here: GREENREACH_ and the flag's name in capitals, - as _.
func flagsFromEnv(fs *flag.FlagSet) error {
	for _, name := range []string{"tile-cache-mb", "max-upload-mb", "upload-min-rate", "query-timeout",
		"workers", "queue", "queue-wait", "tile-doorkeeper", "read-workers", "read-queue", "max-header-kb",
		"rate-limit", "rate-burst", "rate-clients", "repair-crossings", "repair-vertices", "repair-workers",
		"public-cors"} {
		env := "GREENREACH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := envOr(env, ""); v != "" {
			if err := fs.Set(name, v); err != nil {
				return usageError{fmt.Sprintf("%s=%q: %v", env, v, err)}
			}
		}
	}
	return nil
}

// apply checks the flags and sets the fields of acfg they give.
func (f *serveFlags) apply(acfg *api.Config) error {
	if *f.cacheMB == "auto" {
		acfg.TileCacheBytes = api.AutoTileCache
	} else if mb, err := strconv.ParseInt(*f.cacheMB, 10, 64); err != nil || mb < 0 || mb > 1<<20 {
		return usageError{fmt.Sprintf("--tile-cache-mb %q: want auto or 0–%d", *f.cacheMB, 1<<20)}
	} else {
		acfg.TileCacheBytes = mb << 20
	}
	if *f.uploadMB < 1 || *f.uploadRate < 1 || acfg.QueryTimeout <= 0 {
		return usageError{"--max-upload-mb, --upload-min-rate and --query-timeout must be positive"}
	}
	acfg.MaxUploadBytes = *f.uploadMB << 20
	acfg.UploadMinRate = *f.uploadRate << 10
	if !slices.Contains(append([]string{store.RolePublic}, store.Roles...), *f.anon) {
		return usageError{fmt.Sprintf("--anonymous-role %q: want public, %s", *f.anon, strings.Join(store.Roles, ", "))}
	}
	acfg.Anonymous = *f.anon
	if *f.headerKB < 1 || *f.headerKB > 1<<20 {
		return usageError{fmt.Sprintf("--max-header-kb %d: want 1–%d", *f.headerKB, 1<<20)}
	}
	acfg.MaxHeaderBytes = *f.headerKB << 10
	if acfg.ReadWorkers < 1 || acfg.ReadQueue < 0 || acfg.TileCacheDoorkeeper < 0 || acfg.TileCacheDoorkeeper > 1<<24 {
		return usageError{fmt.Sprintf("--read-workers must be positive; --read-queue 0 or more; --tile-doorkeeper 0–%d", 1<<24)}
	}
	if acfg.Workers < 1 || acfg.QueueLength < 0 || acfg.QueueWait <= 0 || acfg.RateLimit < 0 || acfg.RateBurst < 1 || acfg.RateClients < 1 || acfg.RepairCrossings < 1 || acfg.RepairVertices < 4 || acfg.RepairWorkers < 1 {
		return usageError{"--workers, --queue-wait, --rate-burst, --rate-clients, --repair-crossings, --repair-vertices and --repair-workers must be positive; --queue and --rate-limit 0 or more"}
	}
	var perr error
	if acfg.TrustedProxies, perr = web.ParseProxies(*f.proxies); perr != nil {
		return usageError{"--trusted-proxies: " + perr.Error()}
	}
	if *f.publicURL != "" {
		if acfg.PublicURL, perr = web.ParsePublicURL(*f.publicURL); perr != nil {
			return usageError{"--public-url: " + perr.Error()}
		}
	}
	acfg.PublicCORSOff = !*f.publicCORS
	for _, o := range strings.Split(*f.cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			acfg.CORSOrigins = append(acfg.CORSOrigins, o)
		}
	}
	if *f.rulesFile != "" {
		rs, err := coverage.Load(*f.rulesFile)
		if err != nil {
			return err
		}
		acfg.Rules = rs
	}
	return nil
}
