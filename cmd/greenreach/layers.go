package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/greenreach/greenreach/store"
)

func runLayers(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "layers", "[--json]")
	asJSON := fs.Bool("json", false, "print the JSON array GET /api/layers answers")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	infos, err := st.Layers(ctx)
	if err != nil {
		return err
	}
	ls := store.LayersJSON(infos)
	if *asJSON {
		return cfg.printJSON(ls)
	}
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\ttitle\tfeatures\tversion\tbbox (west south east north)\t")
	for _, l := range ls {
		bb := "-"
		if l.BBox != nil {
			bb = fmt.Sprintf("%.5f %.5f %.5f %.5f", l.BBox[0], l.BBox[1], l.BBox[2], l.BBox[3])
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t\n", l.ID, l.Title, l.Count, l.Version, bb)
	}
	return tw.Flush()
}
