package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHelpExitsZero: -h, --help, help, help COMMAND and COMMAND -h print
// usage on stdout, nothing on stderr, and exit 0; a wrong flag still
// prints usage on stderr and exits 2.
func TestHelpExitsZero(t *testing.T) {
	ctx := context.Background()
	cases := [][]string{{"-h"}, {"--help"}, {"help"}, {"help", "serve"}, {"token", "-h"}, {"token", "create", "-h"}, {"token", "revoke", "-h"}}
	for _, c := range commands {
		if c.run != nil {
			cases = append(cases, []string{c.name, "-h"})
		}
	}
	for _, args := range cases {
		code, out, errs := runCLI(t, ctx, args...)
		if code != 0 || errs != "" || !strings.Contains(out, "usage: greenreach") {
			t.Errorf("greenreach %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
	for _, args := range [][]string{{"--nope"}, {"layers", "--nope"}, {"import", "--nope", "x.osm"}} {
		code, out, errs := runCLI(t, ctx, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "usage: greenreach") || !strings.Contains(errs, "nope") {
			t.Errorf("greenreach %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
	code, out, _ := runCLI(t, ctx, "help", "layers")
	if code != 0 || !strings.Contains(out, "-json") {
		t.Errorf("help layers does not list layers' flags: %d %q", code, out)
	}
}

// TestVersion: --version and version print one line naming the program,
// the version and the Go release, and exit 0 without touching a store.
func TestVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.gpkg")
	for _, args := range [][]string{{"--version"}, {"--db", db, "--version"}, {"version"}} {
		code, out, errs := runCLI(t, context.Background(), args...)
		if code != 0 || errs != "" || !strings.HasPrefix(out, "greenreach ") || !strings.HasSuffix(out, " "+runtime.Version()+"\n") || strings.Count(out, "\n") != 1 {
			t.Errorf("greenreach %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
	}
	version, commit = "9.8.7", "0123abcd"
	defer func() { version, commit = "", "" }()
	if _, out, _ := runCLI(t, context.Background(), "--version"); !strings.HasPrefix(out, "greenreach 9.8.7 commit 0123abcd ") {
		t.Errorf("-ldflags' version and commit not printed: %q", out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("--version created the store")
	}
}

// TestReadOnlyOnMissingStore: layers, audit, export and token list/revoke
// on a GeoPackage that does not exist fail with one line naming it and
// create nothing.
func TestReadOnlyOnMissingStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "missing.gpkg")
	for _, args := range [][]string{{"layers"}, {"layers", "--json"}, {"audit"}, {"export", "--out", filepath.Join(dir, "x.pmtiles")}, {"token", "list"}, {"token", "revoke", "1"}} {
		code, out, errs := runCLI(t, context.Background(), append([]string{"--db", db}, args...)...)
		if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, db) || !strings.Contains(errs, "no such GeoPackage") {
			t.Errorf("%s on a missing store: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
		if _, err := os.Stat(filepath.Dir(db)); err == nil {
			t.Fatalf("%s created %s", strings.Join(args, " "), filepath.Dir(db))
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "--log-level", "loud", "layers"); code != 2 || !strings.Contains(errs, "--log-level") {
		t.Errorf("--log-level loud: %d %q", code, errs)
	}
}

// TestTokenWriteLog: token create and revoke each log one line naming the
// token; --log-level warn keeps them out.
func TestTokenWriteLog(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.gpkg")
	logLines := func(errs, msg string) []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(errs, "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
				out = append(out, m)
			}
		}
		return out
	}
	code, _, errs := runCLI(t, ctx, "--db", db, "--log-json", "token", "create", "--name", "张三", "--role", "planner")
	if ls := logLines(errs, "token created"); code != 0 || len(ls) != 1 || ls[0]["token"] != "张三" || ls[0]["role"] != "planner" || ls[0]["level"] != "INFO" {
		t.Errorf("create: %d, log %v\n%s", code, ls, errs)
	}
	code, _, errs = runCLI(t, ctx, "--db", db, "--log-json", "token", "revoke", "1")
	if ls := logLines(errs, "token revoked"); code != 0 || len(ls) != 1 || ls[0]["token"] != "张三" || ls[0]["id"] != float64(1) {
		t.Errorf("revoke: %d, log %v\n%s", code, ls, errs)
	}
	t.Setenv("GREENREACH_LOG_LEVEL", "warn")
	code, _, errs = runCLI(t, ctx, "--db", db, "--log-json", "token", "create", "--name", "李四", "--role", "admin")
	if ls := logLines(errs, "token created"); code != 0 || len(ls) != 0 {
		t.Errorf("GREENREACH_LOG_LEVEL=warn: %d, log %v", code, ls)
	}
	code, _, errs = runCLI(t, ctx, "--db", db, "--log-json", "--log-level", "debug", "token", "revoke", "2")
	if ls := logLines(errs, "token revoked"); code != 0 || len(ls) != 1 || ls[0]["token"] != "李四" {
		t.Errorf("--log-level debug over the environment: %d, log %v", code, ls)
	}
}
