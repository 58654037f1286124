// Package pmtiles writes PMTiles version 3 archives
// (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): one file
// holding a tile pyramid, read with HTTP range requests — a static map any
// CDN or file server can host. Tiles are added in any order; identical
// tiles are stored once and runs of them are run-length encoded.
package pmtiles

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

const (
	headerLen   = 127
	rootMaxLen  = 16384 - headerLen
	compGzip    = 2
	typeMVT     = 1
	clusteredOn = 1
)

// TileID is a tile's position on the PMTiles Hilbert curve: the tiles of
// every lower zoom, then the Hilbert index within its zoom.
func TileID(t maptile.Tile) uint64 {
	z := uint(t.Z)
	acc := ((uint64(1) << (2 * z)) - 1) / 3
	n := uint64(1) << z
	x, y := uint64(t.X), uint64(t.Y)
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if x&s > 0 {
			rx = 1
		}
		if y&s > 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return acc + d
}

type entry struct {
	id     uint64
	offset uint64
	length uint32
	run    uint32
}

// Writer collects tiles (already gzip-compressed MVT) and writes the
// archive with WriteTo. Each distinct tile is kept once.
type Writer struct {
	blobs map[[32]byte][]byte // tile contents by their hash
	tiles map[uint64][32]byte // tile id → contents
	minZ  int
	maxZ  int
	// Bound is the archive's extent (lon/lat), written in its header.
	Bound orb.Bound
	meta  map[string]any
}

// NewWriter returns a writer of an archive whose bounds are b (lon/lat) and
// whose JSON metadata is meta (name, attribution, vector_layers…).
func NewWriter(b orb.Bound, meta map[string]any) *Writer {
	return &Writer{blobs: map[[32]byte][]byte{}, tiles: map[uint64][32]byte{}, minZ: 99, maxZ: -1, Bound: b, meta: meta}
}

// Add stores one gzip-compressed tile; the writer keeps gz, which the
// caller must not change afterwards.
func (w *Writer) Add(t maptile.Tile, gz []byte) {
	h := sha256.Sum256(gz)
	if _, ok := w.blobs[h]; !ok {
		w.blobs[h] = gz
	}
	w.tiles[TileID(t)] = h
	w.minZ, w.maxZ = min(w.minZ, int(t.Z)), max(w.maxZ, int(t.Z))
}

// Len is the number of tiles added.
func (w *Writer) Len() int { return len(w.tiles) }

// WriteTo writes the archive: header, directories and metadata, then the
// tile contents in the order of their first tile id (clustered).
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	if len(w.tiles) == 0 {
		return 0, errors.New("pmtiles: no tiles")
	}
	ids := make([]uint64, 0, len(w.tiles))
	for id := range w.tiles {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	placed := map[[32]byte]uint64{}
	var order [][]byte // contents in the order written
	var dataLen uint64
	var entries []entry
	for _, id := range ids {
		h := w.tiles[id]
		blob := w.blobs[h]
		off, ok := placed[h]
		if !ok {
			off = dataLen
			placed[h] = off
			order = append(order, blob)
			dataLen += uint64(len(blob))
		}
		if n := len(entries); n > 0 && entries[n-1].offset == off && entries[n-1].id+uint64(entries[n-1].run) == id {
			entries[n-1].run++
			continue
		}
		entries = append(entries, entry{id: id, offset: off, length: uint32(len(blob)), run: 1})
	}
	root, leaves, err := directories(entries)
	if err != nil {
		return 0, err
	}
	meta, err := gzipJSON(w.meta)
	if err != nil {
		return 0, err
	}
	h := make([]byte, headerLen)
	copy(h, "PMTiles")
	h[7] = 3
	le := binary.LittleEndian
	rootOff := uint64(headerLen)
	metaOff := rootOff + uint64(len(root))
	leafOff := metaOff + uint64(len(meta))
	dataOff := leafOff + uint64(len(leaves))
	for i, v := range []uint64{rootOff, uint64(len(root)), metaOff, uint64(len(meta)), leafOff, uint64(len(leaves)), dataOff, dataLen,
		uint64(len(ids)), uint64(len(entries)), uint64(len(placed))} {
		le.PutUint64(h[8+8*i:], v)
	}
	h[96], h[97], h[98], h[99] = clusteredOn, compGzip, compGzip, typeMVT
	h[100], h[101] = byte(w.minZ), byte(w.maxZ)
	e7 := func(f float64) uint32 { return uint32(int32(f * 1e7)) }
	le.PutUint32(h[102:], e7(w.Bound.Min[0]))
	le.PutUint32(h[106:], e7(w.Bound.Min[1]))
	le.PutUint32(h[110:], e7(w.Bound.Max[0]))
	le.PutUint32(h[114:], e7(w.Bound.Max[1]))
	c := w.Bound.Center()
	h[118] = byte(min(w.maxZ, max(w.minZ, 14)))
	le.PutUint32(h[119:], e7(c[0]))
	le.PutUint32(h[123:], e7(c[1]))
	var n int64
	for _, part := range append([][]byte{h, root, meta, leaves}, order...) {
		m, err := out.Write(part)
		n += int64(m)
		if err != nil {
			return n, fmt.Errorf("pmtiles: %w", err)
		}
	}
	return n, nil
}

// directories builds the root directory and, when it would not fit in the
// first 16 KiB, leaf directories it points to.
func directories(entries []entry) (root, leaves []byte, err error) {
	if root, err = encodeDir(entries); err != nil || len(root) <= rootMaxLen {
		return root, nil, err
	}
	for size := 4096; ; size *= 2 {
		var rootEntries []entry
		var lb bytes.Buffer
		for i := 0; i < len(entries); i += size {
			leaf, err := encodeDir(entries[i:min(len(entries), i+size)])
			if err != nil {
				return nil, nil, err
			}
			rootEntries = append(rootEntries, entry{id: entries[i].id, offset: uint64(lb.Len()), length: uint32(len(leaf)), run: 0})
			lb.Write(leaf)
		}
		if root, err = encodeDir(rootEntries); err != nil {
			return nil, nil, err
		}
		if len(root) <= rootMaxLen {
			return root, lb.Bytes(), nil
		}
	}
}

// encodeDir writes a directory: the count, then tile id deltas, run
// lengths, lengths and offsets (0 for "right after the previous one",
// else offset+1), each a varint column, gzip-compressed.
func encodeDir(es []entry) ([]byte, error) {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(es)))
	var last uint64
	for _, e := range es {
		b = binary.AppendUvarint(b, e.id-last)
		last = e.id
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.run))
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.length))
	}
	for i, e := range es {
		if i > 0 && e.offset == es[i-1].offset+uint64(es[i-1].length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
	}
	return gzipBytes(b)
}

func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
