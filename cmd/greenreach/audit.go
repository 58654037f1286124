package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/geo/grid"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/live"
)

func runAudit(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "audit", "[--rules FILE] [--mode walk|straight] [--grid-size M] [--format table|json|csv|geojson|html] [--lang zh-CN|en] [--bom=false] [--out FILE] [--print-rules]")
	rulesFile := fs.String("rules", envOr("GREENREACH_RULES", ""), "coverage rules (YAML); default: the shipped set ($GREENREACH_RULES)")
	mode := fs.String("mode", coverage.Walk, "distances for walk_access rules: walk (the network) or straight")
	format := fs.String("format", "table", "output: "+strings.Join(report.Formats, ", "))
	out := fs.String("out", "", "write the report to this file instead of standard output")
	gridSize := fs.Int("grid-size", 0, "side in metres of the management cells reported on when the store has no administrative areas (100–100000; default: the rules' grid_size_m, else 1000 = 1 km²)")
	printRules := fs.Bool("print-rules", false, "print the default rules (YAML) and exit")
	langFlag := fs.String("lang", string(i18n.Default), "the report's language: zh-CN or en")
	bom := fs.Bool("bom", true, "start a CSV with a UTF-8 byte-order mark, so that Excel reads its Chinese (--bom=false: without)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *printRules {
		_, err := cfg.stdout.Write(coverage.DefaultYAML())
		return err
	}
	if !slices.Contains(report.Formats, *format) {
		return usageError{fmt.Sprintf("--format %q: want %s", *format, strings.Join(report.Formats, ", "))}
	}
	lang, err := i18n.Parse(*langFlag)
	if err != nil {
		return usageError{"--lang: " + err.Error()}
	}
	opt := report.Options{Lang: lang, NoBOM: !*bom}
	if *mode != coverage.Walk && *mode != coverage.Straight {
		return usageError{fmt.Sprintf("--mode %q: want walk or straight", *mode)}
	}
	if *gridSize != 0 {
		if _, err := grid.New(*gridSize); err != nil {
			return usageError{"--grid-size: " + err.Error()}
		}
	}
	rs := coverage.Default()
	if *rulesFile != "" {
		if rs, err = coverage.Load(*rulesFile); err != nil {
			return err
		}
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		return err
	}
	a, err := coverage.Run(ctx, ix.Snapshot(), rs, coverage.Options{Mode: *mode, GridSize: *gridSize, Progress: func(stage string) {
		cfg.log.Info("audit", "stage", stage, "elapsed", time.Since(start).Round(time.Millisecond))
	}})
	if err != nil {
		return err
	}
	if *out == "" {
		return report.Write(cfg.stdout, a, *format, opt)
	}
	// Write beside the target and rename, so a failed write leaves no
	// half report.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".audit-*")
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := report.Write(tmp, a, *format, opt); err != nil {
		tmp.Close()
		return fmt.Errorf("audit: write %s: %w", *out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("audit: write %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	cfg.log.Info("audit written", "file", *out, "format", *format, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}
