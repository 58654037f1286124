package pmtiles

import (
	"bytes"
	"context"
	"io"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/tiles"
	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Export cuts the tiles of layers from minZ to maxZ that hold features
// (tiles.Pyramid), gzips them and writes them as one archive to out. It
// returns the number of tiles and bytes written.
func Export(ctx context.Context, snap *index.Snapshot, layers []string, minZ, maxZ int, meta map[string]any, out io.Writer, progress func(z, done, total int)) (int, int64, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w := NewWriter(orb.Bound{}, meta)
	ext, err := tiles.Pyramid(ctx, snap, layers, minZ, maxZ, func(t maptile.Tile, mvt []byte) error {
		buf.Reset()
		zw.Reset(&buf)
		zw.Write(mvt)
		if err := zw.Close(); err != nil {
			return err
		}
		w.Add(t, bytes.Clone(buf.Bytes()))
		return nil
	}, progress)
	if err != nil {
		return 0, 0, err
	}
	w.Bound = ext
	n, err := w.WriteTo(out)
	return w.Len(), n, err
}
