package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
)

func runServe(ctx context.Context, cfg *config, args []string) error {
	acfg := api.DefaultConfig()
	fs := flags(cfg, "serve", "[--addr :8080] [--tile-cache-mb 256]")
	fs.StringVar(&acfg.Addr, "addr", envOr("GREENREACH_ADDR", acfg.Addr), "listen address ($GREENREACH_ADDR)")
	cacheMB := fs.Int64("tile-cache-mb", acfg.TileCacheBytes>>20, "tile cache size in MiB of compressed tiles, 0 turns it off ($GREENREACH_TILE_CACHE_MB)")
	fs.StringVar(&acfg.TileCacheControl, "tile-cache-control", envOr("GREENREACH_TILE_CACHE_CONTROL", acfg.TileCacheControl), "Cache-Control header of tiles ($GREENREACH_TILE_CACHE_CONTROL)")
	anon := fs.String("anonymous-role", envOr("GREENREACH_ANONYMOUS_ROLE", acfg.Anonymous), "role of requests without a token: public, or planner|auditor|admin for a closed network ($GREENREACH_ANONYMOUS_ROLE)")
	cors := fs.String("cors", envOr("GREENREACH_CORS", ""), "origins whose pages may call the API, comma-separated, * for any ($GREENREACH_CORS)")
	uploadMB := fs.Int64("max-upload-mb", acfg.MaxUploadBytes>>20, "largest POST /api/import body in MiB ($GREENREACH_MAX_UPLOAD_MB)")
	uploadRate := fs.Int64("upload-min-rate", acfg.UploadMinRate>>10, "slowest average rate in KiB/s at which a POST /api/import body may arrive once the read timeout has passed (408 below it) ($GREENREACH_UPLOAD_MIN_RATE)")
	fs.DurationVar(&acfg.QueryTimeout, "query-timeout", acfg.QueryTimeout, "longest a request may work (503 past it; imports excepted) ($GREENREACH_QUERY_TIMEOUT)")
	tmpRoot := tmpDirFlag(fs)
	rulesFile := fs.String("rules", envOr("GREENREACH_RULES", ""), "coverage rules (YAML) for /api/audit; default: the shipped set ($GREENREACH_RULES)")
	for name, env := range map[string]string{"tile-cache-mb": "GREENREACH_TILE_CACHE_MB", "max-upload-mb": "GREENREACH_MAX_UPLOAD_MB",
		"upload-min-rate": "GREENREACH_UPLOAD_MIN_RATE", "query-timeout": "GREENREACH_QUERY_TIMEOUT"} {
		if v := envOr(env, ""); v != "" {
			if err := fs.Set(name, v); err != nil {
				return usageError{fmt.Sprintf("%s=%q: %v", env, v, err)}
			}
		}
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cacheMB < 0 {
		return usageError{fmt.Sprintf("--tile-cache-mb %d: must be 0 or more", *cacheMB)}
	}
	acfg.TileCacheBytes = *cacheMB << 20
	if *uploadMB < 1 || *uploadRate < 1 || acfg.QueryTimeout <= 0 {
		return usageError{"--max-upload-mb, --upload-min-rate and --query-timeout must be positive"}
	}
	acfg.MaxUploadBytes = *uploadMB << 20
	acfg.UploadMinRate = *uploadRate << 10
	if !slices.Contains(append([]string{store.RolePublic}, store.Roles...), *anon) {
		return usageError{fmt.Sprintf("--anonymous-role %q: want public, %s", *anon, strings.Join(store.Roles, ", "))}
	}
	acfg.Anonymous = *anon
	for _, o := range strings.Split(*cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			acfg.CORSOrigins = append(acfg.CORSOrigins, o)
		}
	}
	if *rulesFile != "" {
		rs, err := coverage.Load(*rulesFile)
		if err != nil {
			return err
		}
		acfg.Rules = rs
	}
	tmp, err := openTempDir(*tmpRoot)
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
	start := time.Now()
	ix, err := index.Load(ctx, st, func(layer string, n int) {
		cfg.log.Info("loading", "layer", layer, "features", n, "elapsed", time.Since(start).Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	var total int64
	for _, l := range ix.Snapshot().Infos() {
		total += l.Count
	}
	cfg.log.Info("index loaded", "features", total, "elapsed", time.Since(start).Round(time.Millisecond))
	// Writes by other processes (replicas on the same PostGIS, CLI
	// imports) reach the index: at once by NOTIFY on PostGIS, and by a
	// version check every 2 s on any store.
	go ix.Follow(ctx, st, 2*time.Second, func(layers []string, err error) {
		if err != nil {
			cfg.log.Warn("following the store", "err", err)
			return
		}
		cfg.log.Info("reloaded layers written elsewhere", "layers", layers)
	})
	if err := api.New(acfg, st, ix, cfg.log).ListenAndServe(ctx); err != nil {
		return fmt.Errorf("serve %s: %w", acfg.Addr, err)
	}
	return nil
}
