package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/demotown/month"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
)

// demoCases writes the demo town's units and a month of cases ending at
// end, into st that holds the town.
func demoCases(ctx context.Context, st store.Store, opt demotown.Options, end time.Time) ([]*store.Unit, month.Stats, error) {
	units, err := demotown.Units(opt)
	if err != nil {
		return nil, month.Stats{}, err
	}
	if err := st.PutUnits(ctx, units); err != nil {
		return nil, month.Stats{}, fmt.Errorf("units: %w", err)
	}
	// The month needs the places and zones only: the parcels of a metro
	// town are not read.
	infos, err := st.Layers(ctx)
	if err != nil {
		return nil, month.Stats{}, err
	}
	infos = slices.DeleteFunc(infos, func(l store.LayerInfo) bool { return !slices.Contains(month.Layers, l.ID) })
	snap, err := index.Read(ctx, infos, st.Scan, nil)
	if err != nil {
		return nil, month.Stats{}, err
	}
	ms, err := month.Write(ctx, st, snap, cases.Default(), month.Options{Seed: opt.Seed, End: end, PerDay: month.PerDay[opt.Size]})
	return units, ms, err
}

func runDemo(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "demo", "[--seed N] [--size small|city|metro] [--if-empty] [--cases=false] [--month-end TIME]")
	opt := demotown.Options{}
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed: the same seed gives the same town")
	fs.StringVar(&opt.Size, "size", "city", "town size: "+strings.Join(demotown.Sizes(), ", "))
	ifEmpty := fs.Bool("if-empty", false, "do nothing (and succeed) when the store already holds features")
	withCases := fs.Bool("cases", true, "also write the units and a month of cases")
	endFlag := fs.String("month-end", "", "when the month of cases ends, RFC 3339 (default: the start of this hour; the same seed and end give the same cases)")
	if err := parse(fs, args); err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(time.Hour)
	if *endFlag != "" {
		t, err := time.Parse(time.RFC3339, *endFlag)
		if err != nil {
			return usageError{fmt.Sprintf("--month-end %q: want an RFC 3339 time such as 2026-12-01T00:00:00+08:00", *endFlag)}
		}
		end = t
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
	var units []*store.Unit
	var ms month.Stats
	if *withCases {
		if units, ms, err = demoCases(ctx, st, opt, end); err != nil {
			return fmt.Errorf("demo town written, its units and cases not all: %w", err)
		}
	}
	fmt.Fprintf(cfg.stdout, "demo town %q, seed %d, into %s (%s)\n", opt.Size, opt.Seed, cfg.DB, st.Kind())
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tfeatures\t")
	for _, sc := range geo.Schemas {
		fmt.Fprintf(tw, "%s\t%d\t\n", sc.ID, stats.Features[sc.ID])
	}
	fmt.Fprintf(tw, "residents\t%d\t\n", stats.Residents)
	if *withCases {
		fmt.Fprintf(tw, "units\t%d\t\n", len(units))
		fmt.Fprintf(tw, "cases\t%d\t\n", ms.Cases)
		for _, s := range []string{cases.Reported, cases.Registered, cases.Rejected, cases.Dispatched, cases.Handled, cases.Verified, cases.Closed} {
			fmt.Fprintf(tw, "  %s\t%d\t\n", s, ms.States[s])
		}
	}
	fmt.Fprintf(tw, "elapsed\t%s\t\n", time.Since(p.start).Round(time.Millisecond))
	return tw.Flush()
}
