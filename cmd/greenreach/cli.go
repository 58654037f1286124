package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
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
	// LogLevel is --log-level or GREENREACH_LOG_LEVEL: debug, info, warn
	// or error.
	LogLevel string
	stdout   io.Writer
	stderr   io.Writer
	log      *slog.Logger
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
	{"token", "create, list and revoke API tokens (create|list|revoke)", tokenVerbs.run},
	{"units", "list and import the responsible units of zones and cases (list|import FILE.csv)", unitsVerbs.run},
	{"cases", "import a 12345 hotline export as reported cases, all or nothing (import FILE.csv)", casesVerbs.run},
	{"assess", "the units' monthly 百分制 assessment, or the year's (--month YYYY-MM | --year YYYY)", runAssess},
	{"help", "print this help, or a command's (help COMMAND)", nil},
	{"version", "print the version and the commit it was built from", nil},
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: greenreach [--db DSN] [--log-level LEVEL] [--log-json] COMMAND [flags]\n       greenreach --version\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nThe store is --db, else $GREENREACH_DB, else %s: a postgres:// URL\nselects PostGIS, anything else is a GeoPackage path. 'greenreach COMMAND -h' for a command's flags.\n", open.DefaultDSN)
	fmt.Fprintf(w, "\nflags:\n  --db DSN           the store ($GREENREACH_DB)\n  --log-level LEVEL  debug, info, warn or error ($GREENREACH_LOG_LEVEL; default info)\n  --log-json         log as JSON lines ($GREENREACH_LOG=json)\n  --version          print the version and exit\n")
}

// logLevels are the names --log-level takes.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := &config{DB: os.Getenv("GREENREACH_DB"), LogJSON: os.Getenv("GREENREACH_LOG") == "json", LogLevel: envOr("GREENREACH_LOG_LEVEL", "info"), stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("greenreach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	fs.StringVar(&cfg.DB, "db", cfg.DB, "store: postgres:// URL or GeoPackage path")
	fs.BoolVar(&cfg.LogJSON, "log-json", cfg.LogJSON, "log as JSON lines")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	if cfg.DB == "" {
		cfg.DB = open.DefaultDSN
	}
	level, ok := logLevels[strings.ToLower(cfg.LogLevel)]
	if !ok {
		fmt.Fprintf(stderr, "greenreach: --log-level %q: want debug, info, warn or error\n", cfg.LogLevel)
		return 2
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogJSON {
		h = slog.NewJSONHandler(stderr, opts)
	}
	cfg.log = slog.New(h)
	if fs.NArg() == 0 {
		usage(stderr)
		return 2
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	switch name {
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help":
		if len(rest) == 0 {
			usage(stdout)
			return 0
		}
		// help COMMAND is COMMAND -h.
		name, rest = rest[0], append(rest[1:len(rest):len(rest)], "-h")
	}
	for _, c := range commands {
		if c.name != name || c.run == nil {
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
// Its output is held until parse knows whether it is help (stdout) or a
// mistake (stderr).
func flags(cfg *config, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	out := &flagOutput{stdout: cfg.stdout, stderr: cfg.stderr}
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: greenreach [--db DSN] %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// flagOutput holds what a flag set prints while it parses.
type flagOutput struct {
	buf            bytes.Buffer
	stdout, stderr io.Writer
}

func (o *flagOutput) Write(p []byte) (int, error) { return o.buf.Write(p) }

// parseArgs is fs.Parse that sends -h's usage to stdout and a mistake's
// message and usage to stderr, and turns the mistake into a usageError.
func parseArgs(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if out, ok := fs.Output().(*flagOutput); ok && out.buf.Len() > 0 {
		w := out.stderr
		if errors.Is(err, flag.ErrHelp) {
			w = out.stdout
		}
		w.Write(out.buf.Bytes())
		out.buf.Reset()
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{err.Error()}
	}
	return err
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func openStore(ctx context.Context, cfg *config) (store.Store, error) {
	return open.Store(ctx, cfg.DB)
}

// openExisting opens the store for a command that only reads it: a
// GeoPackage path that does not exist is an error naming it, not a new
// empty store.
func openExisting(ctx context.Context, cfg *config) (store.Store, error) {
	if !open.IsPostGIS(cfg.DB) {
		if _, err := os.Stat(cfg.DB); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such GeoPackage (create one with greenreach demo or greenreach import, or give --db)", cfg.DB)
		}
	}
	return open.Store(ctx, cfg.DB)
}
