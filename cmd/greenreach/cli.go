package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/open"
)

// config is what every command shares.
type config struct {
	DB      string // --db or GREENREACH_DB
	LogJSON bool   // --log-json or GREENREACH_LOG=json
	stdout  io.Writer
	stderr  io.Writer
	log     *slog.Logger
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, cfg *config, args []string) error
}

var commands = []command{
	{"serve", "run the HTTP service", runServe},
	{"layers", "list the layers of the store", runLayers},
	{"demo", "write the generated demo town into an empty store", runDemo},
	{"import", "import OpenStreetMap files (.osm, .osm.pbf) into the store, all or nothing", runImport},
	{"audit", "check every district and community against the coverage rules", runAudit},
	{"export", "write the public tiles into one PMTiles archive (export --format pmtiles --out FILE)", runExport},
	{"token", "create, list and revoke API tokens (create|list|revoke)", runToken},
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: greenreach [--db DSN] COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nThe store is --db, else $GREENREACH_DB, else %s: a postgres:// URL\nselects PostGIS, anything else is a GeoPackage path. 'greenreach COMMAND -h' for a command's flags.\n", open.DefaultDSN)
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := &config{DB: os.Getenv("GREENREACH_DB"), LogJSON: os.Getenv("GREENREACH_LOG") == "json", stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("greenreach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	fs.StringVar(&cfg.DB, "db", cfg.DB, "store: postgres:// URL or GeoPackage path")
	fs.BoolVar(&cfg.LogJSON, "log-json", cfg.LogJSON, "log as JSON lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.DB == "" {
		cfg.DB = open.DefaultDSN
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.LogJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	cfg.log = slog.New(h)
	if fs.NArg() == 0 {
		usage(stderr)
		return 2
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, cfg, rest)
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "greenreach %s: %s\n", name, ue.msg)
			return 2
		default:
			fmt.Fprintf(stderr, "greenreach %s: %s\n", name, oneLine(err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "greenreach: unknown command %q\n", name)
	usage(stderr)
	return 2
}

// printJSON writes v to stdout as indented JSON (the --json of commands).
func (cfg *config) printJSON(v any) error {
	enc := json.NewEncoder(cfg.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// flags returns a flag set for a command that reports errors as usageError.
func flags(cfg *config, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	fs.Usage = func() {
		fmt.Fprintf(cfg.stderr, "usage: greenreach [--db DSN] %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func openStore(ctx context.Context, cfg *config) (store.Store, error) {
	return open.Store(ctx, cfg.DB)
}
