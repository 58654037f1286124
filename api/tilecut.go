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
// on it) into bufs; the cache keeps a copy of the tile unless an edit has
// replaced base since or its doorkeeper refuses it. The entry's bytes are
// bufs' own (or the cache's copy) and stay valid until bufs go back to the
// pool: a tile the cache refuses, most of a flood of tiles asked for once,
// is answered from bufs and never copied.
func (s *Server) cut(bufs *tileBuf, base, snap *index.Snapshot, key tiles.Key, views []tiles.View, layers []string, global bool) (*tiles.Entry, error) {
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
	var tag [18]byte
	etag := append(strconv.AppendUint(append(tag[:0], '"'), xxhash.Sum64(raw), 16), '"')
	e := &tiles.Entry{Key: key, Layers: layers, Global: global, Gzip: bufs.gz, Raw: len(raw), ETag: string(etag)}
	s.tiles.Put(e, func() bool { return s.index.Snapshot() == base })
	return e, nil
}

// tileBuf holds a tile being cut and compressed; tileBufs reuses them.
type tileBuf struct {
	raw, gz []byte
}

var tileBufs = sync.Pool{New: func() any { return new(tileBuf) }}

func getTileBuf() *tileBuf { return tileBufs.Get().(*tileBuf) }

// release returns b to the pool, unless it grew for a huge tile.
func (b *tileBuf) release() {
	if cap(b.raw) <= 4<<20 {
		tileBufs.Put(b)
	}
}
