package api

import rtmetrics "runtime/metrics"

// AutoTileCache as Config.TileCacheBytes sizes the tile cache from the
// loaded data: a quarter of the live heap, within 8–256 MiB. A full cache
// then adds about half the loaded process's memory (its bytes and the
// collector's room for them), so a caller who fills it cannot double the
// service; a metro's data earns the largest cache.
const AutoTileCache = -1

// Bounds of the automatic tile cache.
const (
	minAutoTileCache = 8 << 20
	maxAutoTileCache = 256 << 20
)

// autoTileCacheBytes is the automatic tile cache's bound for a live heap
// of live bytes.
func autoTileCacheBytes(live uint64) int64 {
	return min(max(int64(live/4), minAutoTileCache), maxAutoTileCache)
}

// liveHeap is the heap the last garbage collection found live (0 before
// the first).
func liveHeap() uint64 {
	s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// SizeTileCache bounds the tile cache by the loaded data when it is sized
// automatically (call it again once a background load is done); a given
// size stays.
func (s *Server) SizeTileCache() {
	if s.cfg.TileCacheBytes == AutoTileCache {
		s.tiles.SetMax(autoTileCacheBytes(liveHeap()))
	}
}
