package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/anyfile"
	"github.com/greenreach/greenreach/importer/osm"
)

// runImport imports OSM, GeoJSON, Shapefile and GeoPackage files, each in
// one all-or-nothing transaction. An import adds features and updates those
// of the same source and source id; it deletes only with --replace, which
// needs the source named with --source, and then lists what it deleted.
func runImport(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "import", "[--layer LAYER] [--table T] [--crs CRS] [--encoding ENC] [--id FIELD] [--map FILE] [--source NAME [--replace]] [--json] FILE...")
	mapFile := fs.String("map", "", "OSM: YAML tag → layer mapping extending the default (see --print-map); GeoJSON: YAML field → property map")
	source := fs.String("source", "", "source the features are kept under; features of the same source and id are updated (default: osm for OSM files; for others the format, file name and a content hash, e.g. geojson:parks.geojson@1f3a5c7e9b0d)")
	replace := fs.Bool("replace", false, "replace the --source named: delete its features that the file does not have (listed in the summary)")
	layer := fs.String("layer", "", "GeoJSON: the layer the file's features go to (green, parcels, roads, waste, areas)")
	crsDef := fs.String("crs", "", "GeoJSON, Shapefile: the file's coordinate system (EPSG:4547, gcj02, WKT or a PROJ string); overrides the file's own (.prj, crs member)")
	encoding := fs.String("encoding", "", "Shapefile: the .dbf text encoding (utf-8, gbk); overrides the .cpg")
	idField := fs.String("id", "", "Shapefile, GeoPackage: the field with a stable id (re-imports replace by it); default: record number / fid")
	table := fs.String("table", "", "GeoPackage: the feature table to import (default: the only one)")
	asJSON := fs.Bool("json", false, "print the summaries as a JSON array")
	printMap := fs.Bool("print-map", false, "print the mapping in effect as YAML and exit")
	tmpRoot := tmpDirFlag(fs)
	files, err := parseFiles(fs, args)
	if err != nil {
		return err
	}
	var nOSM, nGeoJSON int
	for _, f := range files {
		switch {
		case anyfile.IsOSM(f):
			nOSM++
		case anyfile.Supported(f):
			nGeoJSON++ // all go into one --layer through a field map
		default:
			return fmt.Errorf("%s: unsupported format (supported: %s)", f, strings.Join(anyfile.Extensions, ", "))
		}
	}
	if *mapFile != "" && nOSM > 0 && nGeoJSON > 0 {
		return usageError{"--map means a tag mapping for OSM files and a field map for GeoJSON and Shapefiles: import them separately"}
	}
	if *crsDef != "" && nOSM > 0 {
		return usageError{"--crs does not apply to OSM files: OpenStreetMap is always WGS84"}
	}
	if nGeoJSON > 0 && *layer == "" {
		return usageError{"GeoJSON, Shapefiles and GeoPackages need --layer (green, parcels, roads, waste or areas)"}
	}
	mapping := osm.DefaultMapping()
	if *mapFile != "" && nGeoJSON == 0 {
		if mapping, err = osm.LoadMapping(*mapFile); err != nil {
			return err
		}
	}
	if *printMap {
		return mapping.WriteYAML(cfg.stdout)
	}
	if len(files) == 0 {
		return usageError{"no FILE to import"}
	}
	if *replace && *source == "" {
		return usageError{"--replace needs --source: name the source whose features the file replaces"}
	}
	if *replace && len(files) > 1 {
		return usageError{"--replace takes one FILE: each file would replace the one before it"}
	}
	var fields map[string]string
	if *mapFile != "" && nGeoJSON > 0 {
		if fields, err = importer.LoadFields(*mapFile, *layer); err != nil {
			return err
		}
	}
	tmp, err := openTempDir(*tmpRoot)
	if err != nil {
		return err
	}
	defer tmp.Close()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	var sums []*importer.Summary
	for i, file := range files {
		if i > 0 && *source != "" && !anyfile.IsOSM(file) {
			fmt.Fprintf(cfg.stderr, "import: warning: %s updates the features of source %q just imported from %s that have the same id\n", file, *source, files[i-1])
		}
		tag := ""
		if *source == "" && !anyfile.IsOSM(file) {
			if tag, err = importer.ContentTag(file); err != nil {
				return fmt.Errorf("%w (nothing of it written)", err)
			}
		}
		rp := newProgress(cfg, "read "+file)
		var (
			feats []*geo.Feature
			sum   *importer.Summary
			err   error
		)
		feats, sum, err = anyfile.ReadFile(ctx, file, anyfile.Options{
			Layer: *layer, Source: *source, Fields: fields, CRS: *crsDef, Encoding: *encoding, IDField: *idField, Table: *table,
			Mapping: mapping, Progress: func(n int) { rp.add("reading", n) }, TempDir: tmp.Path,
		})
		if err != nil {
			rp.done()
			return fmt.Errorf("%w (nothing of it written)", err)
		}
		rp.status("read")
		rp.done()
		if tag != "" {
			sum.Source += "@" + tag
		}

		wp := newProgress(cfg, "write "+file)
		start := time.Now()
		load := []importer.Option{importer.WithProgress(wp.add)}
		if *replace {
			load = append(load, importer.WithReplace())
		}
		if _, err := importer.Load(ctx, st, sum.Source, feats, sum, load...); err != nil {
			wp.done()
			return fmt.Errorf("%s: not imported, store unchanged: %w", file, err)
		}
		sum.LoadSeconds = time.Since(start).Seconds()
		wp.status("committed")
		wp.done()
		cfg.log.Info("imported", "file", file, "source", sum.Source, "features", sum.Totals().Imported, "deleted", sum.Totals().Deleted, "db", cfg.DB)
		if !*asJSON {
			if i > 0 {
				fmt.Fprintln(cfg.stdout)
			}
			if err := sum.WriteTable(cfg.stdout); err != nil {
				return err
			}
		}
		sums = append(sums, sum)
	}
	if *asJSON {
		return cfg.printJSON(sums)
	}
	return nil
}

// parseFiles parses flags that may come before, between or after the file
// names.
func parseFiles(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parseArgs(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return files, nil
		}
		files = append(files, args[0])
		args = args[1:]
	}
}
