package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/store"
)

func runLayers(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "layers", "[--json] [--lang zh-CN|en]")
	asJSON := fs.Bool("json", false, "print the JSON array GET /api/layers answers")
	langFlag := fs.String("lang", string(i18n.Default), "the language of the table's titles and headings: zh-CN or en")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := i18n.Parse(*langFlag)
	if err != nil {
		return usageError{"--lang: " + err.Error()}
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
	// tabwriter counts a Chinese character as one column, so the title (a
	// Chinese one is two columns a character) comes last.
	t := func(k string) string { return messages.T(lang, k) }
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t %s\n", t("layers.layer"), t("layers.features"), t("layers.version"), t("layers.bbox"), t("layers.title"))
	for _, l := range ls {
		bb := "-"
		if l.BBox != nil {
			bb = fmt.Sprintf("%.5f %.5f %.5f %.5f", l.BBox[0], l.BBox[1], l.BBox[2], l.BBox[3])
		}
		title := l.Title
		if sc := geo.SchemaOf(l.ID); sc != nil {
			title = sc.TitleIn(lang)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t %s\n", l.ID, l.Count, l.Version, bb, title)
	}
	return tw.Flush()
}
