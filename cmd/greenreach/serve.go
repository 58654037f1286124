package main

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/geo/index"
)

func runServe(ctx context.Context, cfg *config, args []string) error {
	acfg := api.DefaultConfig()
	fs := flags(cfg, "serve", "[--addr :8080]")
	fs.StringVar(&acfg.Addr, "addr", envOr("GREENREACH_ADDR", acfg.Addr), "listen address ($GREENREACH_ADDR)")
	if err := parse(fs, args); err != nil {
		return err
	}
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
	if err := api.New(acfg, st, ix, cfg.log).ListenAndServe(ctx); err != nil {
		return fmt.Errorf("serve %s: %w", acfg.Addr, err)
	}
	return nil
}
