package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

func runDemo(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "demo", "[--seed N] [--size small|city|metro] [--if-empty]")
	opt := demotown.Options{}
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed: the same seed gives the same town")
	fs.StringVar(&opt.Size, "size", "city", "town size: "+strings.Join(demotown.Sizes(), ", "))
	ifEmpty := fs.Bool("if-empty", false, "do nothing (and succeed) when the store already holds features")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !slices.Contains(demotown.Sizes(), opt.Size) {
		return usageError{fmt.Sprintf("unknown size %q (want one of %s)", opt.Size, strings.Join(demotown.Sizes(), ", "))}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	infos, err := st.Layers(ctx)
	if err != nil {
		return err
	}
	var n int64
	for _, l := range infos {
		n += l.Count
	}
	if n > 0 {
		if *ifEmpty {
			fmt.Fprintf(cfg.stderr, "demo: %s already holds %d features; left as it is\n", cfg.DB, n)
			return nil
		}
		return fmt.Errorf("%s already holds %d features; the demo town is written only into an empty store", cfg.DB, n)
	}
	p := newProgress(cfg, "demo")
	var stats demotown.Stats
	_, err = st.Write(ctx, func(tx store.Tx) error {
		var err error
		stats, err = demotown.Generate(opt, func(batch []*geo.Feature) error {
			if err := tx.Put(ctx, batch); err != nil {
				return err
			}
			p.add(batch[0].Layer, len(batch))
			return nil
		})
		if err != nil {
			return err
		}
		p.status("committing")
		return nil
	})
	p.done()
	if err != nil {
		return fmt.Errorf("demo town not written (store unchanged): %w", err)
	}
	fmt.Fprintf(cfg.stdout, "demo town %q, seed %d, into %s (%s)\n", opt.Size, opt.Seed, cfg.DB, st.Kind())
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tfeatures\t")
	for _, sc := range geo.Schemas {
		fmt.Fprintf(tw, "%s\t%d\t\n", sc.ID, stats.Features[sc.ID])
	}
	fmt.Fprintf(tw, "residents\t%d\t\n", stats.Residents)
	fmt.Fprintf(tw, "elapsed\t%s\t\n", time.Since(p.start).Round(time.Millisecond))
	return tw.Flush()
}
