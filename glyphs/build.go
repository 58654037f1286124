package glyphs

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// BuildStats says what Build wrote.
type BuildStats struct {
	Ranges, Glyphs int
	Bytes          int64 // the files' total size (gzip-compressed)
}

// Build writes every range of the Basic Multilingual Plane in which f has a
// glyph into dir as "<start>-<end>.pbf.gz" (the range file, gzip-
// compressed, as the service sends it), drawing ranges on workers
// goroutines. Ranges without glyphs get no file. Control characters
// (below U+0020) are left out.
func Build(ctx context.Context, f *sfnt.Font, stack, dir string, workers int) (BuildStats, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return BuildStats{}, err
	}
	starts := make(chan rune)
	var (
		mu    sync.Mutex
		stats BuildStats
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	for range max(1, workers) {
		r, err := NewRenderer(f)
		if err != nil {
			return BuildStats{}, err
		}
		wg.Go(func() {
			for start := range starts {
				n, size, err := buildRange(r, stack, dir, start)
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				if n > 0 {
					stats.Ranges++
				}
				stats.Glyphs += n
				stats.Bytes += size
				mu.Unlock()
			}
		})
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
	for start := rune(0); start <= MaxCodePoint && ctx.Err() == nil && !failed(); start += RangeSize {
		starts <- start
	}
	close(starts)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return stats, first
}

// buildRange draws one range and writes its file if it has glyphs.
func buildRange(r *Renderer, stack, dir string, start rune) (n int, size int64, err error) {
	gs, err := r.Range(start)
	if err != nil || len(gs) == 0 {
		return 0, 0, err
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := zw.Write(Encode(stack, start, gs)); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	name := filepath.Join(dir, RangeName(start)+".pbf.gz")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		return 0, 0, err
	}
	return len(gs), int64(b.Len()), nil
}

// Range draws the glyphs the font has among the RangeSize code points from
// start, in code point order.
func (r *Renderer) Range(start rune) ([]Glyph, error) {
	if start < 0 || start%RangeSize != 0 || start > MaxCodePoint {
		return nil, fmt.Errorf("glyph range from %d: not a range start", start)
	}
	var gs []Glyph
	for c := max(start, 0x20); c < start+RangeSize; c++ {
		g, ok, err := r.Glyph(c)
		if err != nil {
			return nil, err
		}
		if ok {
			gs = append(gs, g)
		}
	}
	return gs, nil
}

// OpenFace reads the face named face (its full name, e.g. "Noto Sans CJK
// SC") from a font file or collection; an empty name takes the only face.
func OpenFace(path, face string) (*sfnt.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := sfnt.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var names []string
	var buf sfnt.Buffer
	for i := range c.NumFonts() {
		f, err := c.Font(i)
		if err != nil {
			return nil, fmt.Errorf("%s: face %d: %w", path, i, err)
		}
		name, err := f.Name(&buf, sfnt.NameIDFamily)
		if err != nil {
			return nil, fmt.Errorf("%s: face %d: %w", path, i, err)
		}
		if name == face || (face == "" && c.NumFonts() == 1) {
			return f, nil
		}
		names = append(names, name)
	}
	return nil, fmt.Errorf("%s: no face %q (it has %q)", path, face, names)
}
