package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerbs: the commands with verbs (token, units, cases) answer a
// missing verb and an unknown one with a usage error (exit 2) naming their
// verbs, and -h, --help, -help and help COMMAND with their usage on stdout
// (exit 0), before any store is opened.
func TestVerbs(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "none.gpkg")
	for _, c := range []struct {
		args []string
		code int
		out  string // stdout's first line
		err  string // stderr, whole
	}{
		{[]string{"token"}, 2, "", "greenreach token: want create, list or revoke (greenreach token create --name alice --role planner)\n"},
		{[]string{"token", "make"}, 2, "", "greenreach token: token \"make\": want create, list or revoke\n"},
		{[]string{"token", "Create"}, 2, "", "greenreach token: token \"Create\": want create, list or revoke\n"},
		{[]string{"units"}, 2, "", "greenreach units: want list or import (greenreach units import units.csv)\n"},
		{[]string{"units", "x"}, 2, "", "greenreach units: units \"x\": want list or import\n"},
		{[]string{"cases"}, 2, "", "greenreach cases: want import (greenreach cases import 12345.csv)\n"},
		{[]string{"cases", "export"}, 2, "", "greenreach cases: cases \"export\": want import\n"},
		{[]string{"token", "-h"}, 0, "usage: greenreach [--db DSN] token create|list|revoke [flags]", ""},
		{[]string{"token", "--help"}, 0, "usage: greenreach [--db DSN] token create|list|revoke [flags]", ""},
		{[]string{"help", "token"}, 0, "usage: greenreach [--db DSN] token create|list|revoke [flags]", ""},
		{[]string{"units", "-help"}, 0, "usage: greenreach [--db DSN] units list|import [flags]", ""},
		{[]string{"help", "units"}, 0, "usage: greenreach [--db DSN] units list|import [flags]", ""},
		{[]string{"cases", "-h"}, 0, "usage: greenreach [--db DSN] cases import FILE.csv [--dry-run] [--crs SYSTEM] [--map FILE.yaml] [--as NAME]", ""},
		{[]string{"help", "cases"}, 0, "usage: greenreach [--db DSN] cases import FILE.csv [--dry-run] [--crs SYSTEM] [--map FILE.yaml] [--as NAME]", ""},
		{[]string{"token", "list", "-h"}, 0, "usage: greenreach [--db DSN] token list [--json]", ""},
		{[]string{"units", "list", "-h"}, 0, "usage: greenreach [--db DSN] units list [--json]", ""},
		{[]string{"cases", "import", "-h"}, 0, "usage: greenreach [--db DSN] cases import FILE.csv [--dry-run] [--crs SYSTEM] [--map FILE.yaml] [--as NAME]", ""},
	} {
		code, out, errs := runCLI(t, ctx, append([]string{"--db", db}, c.args...)...)
		first, _, _ := strings.Cut(out, "\n")
		if code != c.code || first != c.out || errs != c.err {
			t.Errorf("%v: exit %d, stdout %q…, stderr %q; want %d, %q…, %q", c.args, code, first, errs, c.code, c.out, c.err)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the store %s was made (%v)", db, err)
	}
}
