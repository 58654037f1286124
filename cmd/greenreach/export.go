package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/i18n"
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
	count, n, err := pmtiles.Export(ctx, snap, tiles.Public, *minZ, *maxZ, metadata(snap, *minZ, *maxZ), tmp, func(z, done, total int) {
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

// metadata is the archive's JSON: name and description in Chinese then
// English (a file has no reader's language to answer in), the tiles'
// version, attribution, and vector_layers, each with its fields and zooms:
// from minZ to the layer's real maximum (tiles.DetailZoom) within maxZ,
// past which the map overzooms, as TileJSON says.
func metadata(snap *index.Snapshot, minZ, maxZ int) map[string]any {
	var layers []tiles.VectorLayer
	for _, id := range tiles.Public {
		l := snap.Layer(id)
		v := tiles.VectorLayerOf(id, l.Schema)
		v.Description = bilingual(l.Schema.TitleIn(i18n.ZH), l.Schema.TitleIn(i18n.EN))
		v.MinZoom, v.MaxZoom = minZ, min(max(tiles.DetailZoom(l), minZ), maxZ)
		layers = append(layers, v)
	}
	nameZH, descZH := tiles.Titles("public", i18n.ZH)
	nameEN, descEN := tiles.Titles("public", i18n.EN)
	m := map[string]any{
		"name":          "greenreach " + bilingual(strings.TrimPrefix(nameZH, "greenreach "), strings.TrimPrefix(nameEN, "greenreach ")),
		"description":   bilingual(descZH, descEN),
		"version":       tiles.Semver(snap, tiles.Public),
		"format":        "pbf",
		"type":          "overlay",
		"vector_layers": layers,
	}
	if a := tiles.Attribution(snap, tiles.Public); a != "" {
		m["attribution"] = a
	}
	return m
}

// bilingual is "中文 / English", Chinese first as the schema's comments;
// one of them when the other is missing or they are the same.
func bilingual(zh, en string) string {
	switch {
	case zh == "" || zh == en:
		return en
	case en == "":
		return zh
	}
	return zh + " / " + en
}
