package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/pmtiles"
)

// runExport: greenreach export --format pmtiles --out FILE [--minzoom 0]
// [--maxzoom 15] — the public tiles (areas, green, roads, waste; never
// parcels) in one PMTiles archive for a CDN or any static file server.
// The file appears whole or not at all (written beside it, then renamed).
func runExport(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "export", "--format pmtiles --out FILE [--minzoom 0] [--maxzoom 15]")
	format := fs.String("format", "pmtiles", "archive format: pmtiles")
	out := fs.String("out", "", "the file to write")
	minZ := fs.Int("minzoom", 0, "smallest zoom")
	maxZ := fs.Int("maxzoom", 15, "largest zoom (tiles above it are overzoomed by the map)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "pmtiles" {
		return usageError{fmt.Sprintf("--format %q: only pmtiles", *format)}
	}
	if *out == "" {
		return usageError{"--out FILE is required"}
	}
	if *minZ < 0 || *maxZ > 16 || *minZ > *maxZ {
		return usageError{fmt.Sprintf("--minzoom %d --maxzoom %d: want 0 ≤ minzoom ≤ maxzoom ≤ 16", *minZ, *maxZ)}
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		return err
	}
	snap := ix.Snapshot()
	start := time.Now()
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".export-*.pmtiles")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	count, n, err := pmtiles.Export(ctx, snap, tiles.Public, *minZ, *maxZ, metadata(snap), tmp, func(z, done, total int) {
		if done == total {
			fmt.Fprintf(cfg.stderr, "export: zoom %d done, %s\n", z, time.Since(start).Round(time.Millisecond))
		}
	})
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(cfg.stderr, "export: %s: %d tiles, zoom %d–%d, %.1f MB in %s\n", *out, count, *minZ, *maxZ, float64(n)/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}

// metadata is the archive's JSON: name, attribution and vector_layers.
func metadata(snap *index.Snapshot) map[string]any {
	var layers []tiles.VectorLayer
	for _, l := range tiles.Public {
		layers = append(layers, tiles.VectorLayerOf(l, snap.Layer(l).Schema))
	}
	m := map[string]any{"name": "greenreach public tiles", "format": "pbf", "vector_layers": layers}
	if a := tiles.Attribution(snap, tiles.Public); a != "" {
		m["attribution"] = a
	}
	return m
}
