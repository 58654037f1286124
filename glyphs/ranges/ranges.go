// Package ranges holds the glyph ranges greenreach serves for map labels,
// embedded into the binary: the font stack glyphs.Stack, drawn from
// Noto Sans CJK SC (Debian's fonts-noto-cjk, SIL Open Font License 1.1,
// see OFL.txt) by glyphs/mkglyphs into data/ at build time (make assets).
// A build without them still serves the pages; the map's labels then fail.
package ranges

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/greenreach/greenreach/glyphs"
)

//go:embed all:data
var files embed.FS

// ErrNotBuilt: the binary was built without the ranges.
var ErrNotBuilt = errors.New("the glyph ranges are not in this build: they are made by make assets (glyphs/mkglyphs) before go build")

// maxRange bounds a range file's decompressed size (the largest CJK range
// is about a quarter of it).
const maxRange = 4 << 20

// Built reports whether the ranges were generated before the build.
func Built() bool {
	_, err := fs.Stat(files, "data/0-255.pbf.gz")
	return err == nil
}

// Range is one range file of glyphs.Stack.
type Range struct {
	Content io.ReadSeeker
	Gzip    bool   // Content is gzip-compressed
	ETag    string // quoted; changes with the content and its encoding
}

// Open returns the range starting at code point start (a
// glyphs.ParseRange result), gzip-compressed as stored. A range the font
// has no glyph in is an empty range, not an error: MapLibre drops every
// label of a tile when one of the tile's ranges fails to load.
func Open(start rune) (Range, error) {
	if !Built() {
		return Range{}, ErrNotBuilt
	}
	f, err := files.Open("data/" + glyphs.RangeName(start) + ".pbf.gz")
	if errors.Is(err, fs.ErrNotExist) {
		return Range{Content: bytes.NewReader(glyphs.Encode(glyphs.Stack, start, nil)), ETag: `"empty"`}, nil
	}
	if err != nil {
		return Range{}, err
	}
	rs := f.(io.ReadSeeker) // embed's files seek
	etag, err := trailer(rs)
	if err != nil {
		return Range{}, err
	}
	return Range{Content: rs, Gzip: true, ETag: etag}, nil
}

// Decompressed returns the range for a client that does not take gzip.
func (r Range) Decompressed() (Range, error) {
	if !r.Gzip {
		return r, nil
	}
	zr, err := gzip.NewReader(r.Content)
	if err != nil {
		return Range{}, err
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxRange+1))
	if err != nil {
		return Range{}, err
	}
	if len(b) > maxRange {
		return Range{}, fmt.Errorf("glyph range over %d bytes", maxRange)
	}
	return Range{Content: bytes.NewReader(b), ETag: r.ETag[:len(r.ETag)-len(`-gz"`)] + `"`}, nil
}

// trailer makes an ETag of the gzip member's trailer (the CRC-32 and the
// length of the content) and the compressed length, leaving rs at 0.
func trailer(rs io.ReadSeeker) (string, error) {
	n, err := rs.Seek(-8, io.SeekEnd)
	if err != nil {
		return "", err
	}
	var t [8]byte
	if _, err := io.ReadFull(rs, t[:]); err != nil {
		return "", err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return fmt.Sprintf(`"%s-%x-gz"`, hex.EncodeToString(t[:]), n+8), nil
}
