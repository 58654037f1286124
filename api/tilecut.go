package api

import (
	"strconv"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/gzip"
)

// cut encodes views of snap (the baseline base, or a scenario's snapshot
// on it); the cache keeps the tile unless an edit has replaced base since.
func (s *Server) cut(base, snap *index.Snapshot, key tiles.Key, views []tiles.View, layers []string, global bool) (*tiles.Entry, error) {
	bufs := tileBufs.Get().(*tileBuf)
	defer func() {
		if cap(bufs.raw) <= 4<<20 { // don't keep a huge tile's buffers
			tileBufs.Put(bufs)
		}
	}()
	raw, err := s.index.Tiles().AppendViews(bufs.raw[:0], snap, views, key.Tile)
	if err != nil {
		return nil, err
	}
	bufs.raw = raw
	if bufs.gz, err = gzip.Append(bufs.gz[:0], raw, gzip.ForSize(len(raw))); err != nil {
		return nil, err
	}
	// The ETag hashes the tile's bytes: xxHash64 is cheap, and 64 bits
	// tell a tile's versions apart.
	sum := xxhash.Sum64(raw)
	gz := append([]byte(nil), bufs.gz...) // the buffers go back to the pool
	e := &tiles.Entry{Key: key, Layers: layers, Global: global, Gzip: gz, Raw: len(raw), ETag: `"` + strconv.FormatUint(sum, 16) + `"`}
	s.tiles.Put(e, func() bool { return s.index.Snapshot() == base })
	return e, nil
}

// tileBuf holds a tile being cut and compressed; tileBufs reuses them.
type tileBuf struct {
	raw, gz []byte
}

var tileBufs = sync.Pool{New: func() any { return new(tileBuf) }}
