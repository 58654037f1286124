package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/anyfile"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store"
)

// runImport imports OSM, GeoJSON, Shapefile and GeoPackage files, each in
// one all-or-nothing transaction. An import adds features and updates those
// of the same source and source id; it deletes only with --replace, which
// needs the source named with --source, and then lists what it deleted.
func runImport(ctx context.Context, cfg *config, args []string) error {
	fs, f := newImportFlags(cfg)
	files, err := parseFiles(fs, args)
	if err != nil {
		return err
	}
	nOSM, nOther, err := countKinds(files)
	if err != nil {
		return err
	}
	if err := f.checkKinds(nOSM, nOther); err != nil {
		return err
	}
	mapping := osm.DefaultMapping()
	if *f.mapFile != "" && nOther == 0 {
		if mapping, err = osm.LoadMapping(*f.mapFile); err != nil {
			return err
		}
	}
	if *f.printMap {
		return mapping.WriteYAML(cfg.stdout)
	}
	if err := f.checkFiles(files); err != nil {
		return err
	}
	var fields map[string]string
	if *f.mapFile != "" && nOther > 0 {
		if fields, err = importer.LoadFields(*f.mapFile, *f.layer); err != nil {
			return err
		}
	}
	tmp, err := openTempDir(*f.tmpRoot)
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
		if i > 0 && *f.source != "" && !anyfile.IsOSM(file) {
			fmt.Fprintf(cfg.stderr, "import: warning: %s updates the features of source %q just imported from %s that have the same id\n", file, *f.source, files[i-1])
		}
		sum, err := f.importFile(ctx, cfg, st, file, anyfile.Options{
			Layer: *f.layer, Source: *f.source, Fields: fields, CRS: *f.crsDef, Encoding: *f.encoding, IDField: *f.idField, Table: *f.table,
			Mapping: mapping, TempDir: tmp.Path,
		})
		if err != nil {
			return err
		}
		if !*f.asJSON {
			if i > 0 {
				fmt.Fprintln(cfg.stdout)
			}
			if err := sum.WriteTable(cfg.stdout); err != nil {
				return err
			}
		}
		sums = append(sums, sum)
	}
	if *f.asJSON {
		return cfg.printJSON(sums)
	}
	return nil
}

// importFlags are import's flags.
type importFlags struct {
	mapFile, source, layer, crsDef, encoding, idField, table, tmpRoot *string
	replace, asJSON, printMap                                         *bool
}

func newImportFlags(cfg *config) (fs *flag.FlagSet, f *importFlags) {
	f = &importFlags{}
	fs = flags(cfg, "import", "[--layer LAYER] [--table T] [--crs CRS] [--encoding ENC] [--id FIELD] [--map FILE] [--source NAME [--replace]] [--json] FILE...")
	f.mapFile = fs.String("map", "", "OSM: YAML tag → layer mapping extending the default (see --print-map); GeoJSON: YAML field → property map")
	f.source = fs.String("source", "", "source the features are kept under; features of the same source and id are updated (default: osm for OSM files; for others the format, file name and a content hash, e.g. geojson:parks.geojson@1f3a5c7e9b0d)")
	f.replace = fs.Bool("replace", false, "replace the --source named: delete its features that the file does not have (listed in the summary)")
	f.layer = fs.String("layer", "", "GeoJSON: the layer the file's features go to (green, parcels, roads, waste, areas)")
	f.crsDef = fs.String("crs", "", "GeoJSON, Shapefile: the file's coordinate system (EPSG:4547, gcj02, WKT or a PROJ string); overrides the file's own (.prj, crs member)")
	f.encoding = fs.String("encoding", "", "Shapefile: the .dbf text encoding (utf-8, gbk); overrides the .cpg")
	f.idField = fs.String("id", "", "Shapefile, GeoPackage: the field with a stable id (re-imports replace by it); default: record number / fid")
	f.table = fs.String("table", "", "GeoPackage: the feature table to import (default: the only one)")
	f.asJSON = fs.Bool("json", false, "print the summaries as a JSON array")
	f.printMap = fs.Bool("print-map", false, "print the mapping in effect as YAML and exit")
	f.tmpRoot = tmpDirFlag(fs)
	return fs, f
}

// countKinds counts the OSM files and the others (GeoJSON, Shapefiles,
// GeoPackages), refusing a file of no supported format.
func countKinds(files []string) (nOSM, nOther int, err error) {
	for _, f := range files {
		switch {
		case anyfile.IsOSM(f):
			nOSM++
		case anyfile.Supported(f):
			nOther++ // all go into one --layer through a field map
		default:
			return 0, 0, fmt.Errorf("%s: unsupported format (supported: %s)", f, strings.Join(anyfile.Extensions, ", "))
		}
	}
	return nOSM, nOther, nil
}

// checkKinds refuses flags that do not apply to the kinds of files given.
func (f *importFlags) checkKinds(nOSM, nOther int) error {
	if *f.mapFile != "" && nOSM > 0 && nOther > 0 {
		return usageError{"--map means a tag mapping for OSM files and a field map for GeoJSON and Shapefiles: import them separately"}
	}
	if *f.crsDef != "" && nOSM > 0 {
		return usageError{"--crs does not apply to OSM files: OpenStreetMap is always WGS84"}
	}
	if nOther > 0 && *f.layer == "" {
		return usageError{"GeoJSON, Shapefiles and GeoPackages need --layer (green, parcels, roads, waste or areas)"}
	}
	return nil
}

// checkFiles refuses an import of no file, and a --replace that would not
// name one source and one file.
func (f *importFlags) checkFiles(files []string) error {
	if len(files) == 0 {
		return usageError{"no FILE to import"}
	}
	if *f.replace && *f.source == "" {
		return usageError{"--replace needs --source: name the source whose features the file replaces"}
	}
	if *f.replace && len(files) > 1 {
		return usageError{"--replace takes one FILE: each file would replace the one before it"}
	}
	return nil
}

// importFile reads one file and loads it into the store in one
// transaction, showing progress; on an error nothing of it is written.
func (f *importFlags) importFile(ctx context.Context, cfg *config, st store.Store, file string, opts anyfile.Options) (*importer.Summary, error) {
	tag := ""
	if *f.source == "" && !anyfile.IsOSM(file) {
		var err error
		if tag, err = importer.ContentTag(file); err != nil {
			return nil, fmt.Errorf("%w (nothing of it written)", err)
		}
	}
	rp := newProgress(cfg, "read "+file)
	opts.Progress = func(n int) { rp.add("reading", n) }
	feats, sum, err := anyfile.ReadFile(ctx, file, opts)
	if err != nil {
		rp.done()
		return nil, fmt.Errorf("%w (nothing of it written)", err)
	}
	rp.status("read")
	rp.done()
	if tag != "" {
		sum.Source += "@" + tag
	}

	wp := newProgress(cfg, "write "+file)
	start := time.Now()
	load := []importer.Option{importer.WithProgress(wp.add)}
	if *f.replace {
		load = append(load, importer.WithReplace())
	}
	if _, err := importer.Load(ctx, st, sum.Source, feats, sum, load...); err != nil {
		wp.done()
		return nil, fmt.Errorf("%s: not imported, store unchanged: %w", file, err)
	}
	sum.LoadSeconds = time.Since(start).Seconds()
	wp.status("committed")
	wp.done()
	cfg.log.Info("imported", "file", file, "source", sum.Source, "features", sum.Totals().Imported, "deleted", sum.Totals().Deleted, "db", cfg.DB)
	return sum, nil
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
