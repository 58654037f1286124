package api

import (
	"io"
	"log/slog"
	"testing"

	"github.com/greenreach/greenreach/live/livetest"
)

// TestAutoTileCacheFollowsData: by default the tile cache is bounded by
// the loaded data (a quarter of the live heap, 8–256 MiB), so a caller who
// fills it cannot double a small town's service, as the fixed 256 MiB
// could; a given size, and 0, stay as given.
func TestAutoTileCacheFollowsData(t *testing.T) {
	if DefaultConfig().TileCacheBytes != AutoTileCache {
		t.Fatalf("the default tile cache is %d bytes, want automatic", DefaultConfig().TileCacheBytes)
	}
	st, ix := livetest.Demo(t, "small")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := openConfig()
	cfg.TileCacheBytes = DefaultConfig().TileCacheBytes
	s := New(cfg, st, ix, log)
	live := liveHeap()
	got := s.tiles.Stats().MaxBytes
	if got < minAutoTileCache || got > max(int64(live/4), minAutoTileCache) {
		t.Errorf("automatic tile cache of %d bytes with %d bytes live, want 8 MiB–a quarter of it", got, live)
	}
	for _, c := range []struct {
		live uint64
		want int64
	}{{0, 8 << 20}, {100 << 20, 25 << 20}, {4 << 30, 256 << 20}} {
		if b := autoTileCacheBytes(c.live); b != c.want {
			t.Errorf("autoTileCacheBytes(%d) = %d, want %d", c.live, b, c.want)
		}
	}
	for _, size := range []int64{0, 64 << 20} {
		cfg.TileCacheBytes = size
		if b := New(cfg, st, ix, log).tiles.Stats().MaxBytes; b != size {
			t.Errorf("tile cache of %d bytes given, has %d", size, b)
		}
	}
}
