// Command mkglyphs writes the glyph ranges greenreach serves for map labels
// from a font file, at build time (make assets):
//
//	go run ./glyphs/mkglyphs -font /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
//	    -face "Noto Sans CJK SC" -out glyphs/ranges/data
//
// It replaces the directory's range files, so that a range the font lost
// does not linger, once every range is drawn.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/greenreach/greenreach/glyphs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkglyphs:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log io.Writer) error {
	fl := flag.NewFlagSet("mkglyphs", flag.ContinueOnError)
	fl.SetOutput(log)
	fontPath := fl.String("font", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "the font file or collection (fonts-noto-cjk)")
	face := fl.String("face", "Noto Sans CJK SC", "the face's family name within the collection")
	stack := fl.String("stack", glyphs.Stack, "the font stack name the ranges are served under")
	out := fl.String("out", "glyphs/ranges/data", "the directory of the range files")
	workers := fl.Int("workers", runtime.GOMAXPROCS(0), "ranges drawn at once")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*fontPath); err != nil {
		return fmt.Errorf("%w (Debian: apt-get install fonts-noto-cjk)", err)
	}
	t0 := time.Now()
	f, err := glyphs.OpenFace(*fontPath, *face)
	if err != nil {
		return err
	}
	// Drawn into a scratch directory beside out, then moved in: an
	// interrupted build leaves the previous ranges whole.
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(*out, ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	st, err := glyphs.Build(ctx, f, *stack, tmp, *workers)
	if err != nil {
		return fmt.Errorf("%s: %w", *fontPath, err)
	}
	if err := replaceRanges(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(log, "mkglyphs: %s %q: %d glyphs in %d ranges, %.1f MB (gzip) in %s, %.1fs\n",
		*fontPath, *face, st.Glyphs, st.Ranges, float64(st.Bytes)/1e6, *out, time.Since(t0).Seconds())
	return nil
}

// replaceRanges moves the range files of tmp into dir, after deleting the
// range files a previous build left there (and nothing else).
func replaceRanges(tmp, dir string) error {
	old, err := filepath.Glob(filepath.Join(dir, "*-*.pbf.gz"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, err := glyphs.ParseRange(strings.TrimSuffix(filepath.Base(p), ".pbf.gz")); err != nil {
			continue // not ours
		}
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	made, err := filepath.Glob(filepath.Join(tmp, "*-*.pbf.gz"))
	if err != nil {
		return err
	}
	for _, p := range made {
		if err := os.Rename(p, filepath.Join(dir, filepath.Base(p))); err != nil {
			return err
		}
	}
	return nil
}
