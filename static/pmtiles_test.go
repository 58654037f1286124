package static_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/pmtiles"
	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

type pmRead struct {
	Header struct {
		NumAddressedTiles, NumTileContents int
		LeafDirectoryLength                int
		MinZoom, MaxZoom                   int
	}
	Meta  map[string]any
	Tiles map[string]string // z/x/y → sha256 of the tile (decompressed)
}

// TestPMTilesReadByNPM: archives we write are read by the npm pmtiles
// library (MapLibre's reader): Chengdu's public tiles, every one found with
// the bytes we cut; and 40,000 distinct tiles, enough to need leaf
// directories.
func TestPMTilesReadByNPM(t *testing.T) {
	_, ix, _ := browserServer(t, "chengdu.osm.pbf")
	snap := ix.Snapshot()
	want := map[string]string{}
	if _, err := tiles.Pyramid(context.Background(), snap, tiles.Public, 0, 15, func(tl maptile.Tile, mvt []byte) error {
		sum := sha256.Sum256(mvt)
		want[fmt.Sprintf("%d/%d/%d", tl.Z, tl.X, tl.Y)] = hex.EncodeToString(sum[:])
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "chengdu.pmtiles")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, size, err := pmtiles.Export(context.Background(), snap, tiles.Public, 0, 15, map[string]any{"attribution": "© OpenStreetMap contributors"}, f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var got pmRead
	runNode(t, &got, nil, "test/pmtiles-read.mjs", path)
	if n != len(want) || got.Header.NumAddressedTiles != n || len(got.Tiles) != n {
		t.Fatalf("wrote %d tiles (%d cut); the reader's header says %d, it found %d", n, len(want), got.Header.NumAddressedTiles, len(got.Tiles))
	}
	for k, h := range want {
		if got.Tiles[k] != h {
			t.Errorf("tile %s: read %q, cut %q", k, got.Tiles[k], h)
		}
	}
	t.Logf("Chengdu z0–15: %d tiles, %d distinct, %.1f MB, all read back equal", n, got.Header.NumTileContents, float64(size)/1e6)

	// 200 × 200 distinct tiles at z16 (and one repeated run): leaf
	// directories.
	lo := maptile.At(orb.Point{104, 31}, 16)
	hi := maptile.New(lo.X+199, lo.Y+199, 16)
	// Bounds just inside the block, so the reader looks at its 40,000 tiles.
	b := orb.Bound{Min: orb.Point{lo.Bound().Min[0] + 1e-7, hi.Bound().Min[1] + 1e-7}, Max: orb.Point{hi.Bound().Max[0] - 1e-7, lo.Bound().Max[1] - 1e-7}}
	w := pmtiles.NewWriter(b, map[string]any{"name": "synthetic"})
	rng := rand.New(rand.NewPCG(1, 2))
	wantSyn := map[string]string{}
	for x := lo.X; x < lo.X+200; x++ {
		for y := lo.Y; y < lo.Y+200; y++ {
			// Lengths at random, so that the directory does not compress
			// into the first 16 KiB.
			body := fmt.Appendf(nil, "tile %d/%d %s", x, y, strings.Repeat("x", rng.IntN(2000)))
			if x == lo.X {
				body = []byte("the same") // a run of equal tiles
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(body)
			zw.Close()
			w.Add(maptile.New(x, y, 16), gz.Bytes())
			sum := sha256.Sum256(body)
			wantSyn[fmt.Sprintf("16/%d/%d", x, y)] = hex.EncodeToString(sum[:])
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	syn := filepath.Join(dir, "syn.pmtiles")
	os.WriteFile(syn, buf.Bytes(), 0o644)
	var sg pmRead
	runNode(t, &sg, nil, "test/pmtiles-read.mjs", syn)
	if sg.Header.LeafDirectoryLength == 0 {
		t.Error("40,000 tiles but no leaf directories")
	}
	for k, h := range wantSyn {
		if sg.Tiles[k] != h {
			t.Errorf("synthetic tile %s: read %q", k, sg.Tiles[k])
			break
		}
	}
	if len(sg.Tiles) < len(wantSyn) {
		t.Errorf("read %d synthetic tiles of %d", len(sg.Tiles), len(wantSyn))
	}
	t.Logf("synthetic: %d tiles, %d distinct contents, leaf directories %d bytes, all read back", len(wantSyn), sg.Header.NumTileContents, sg.Header.LeafDirectoryLength)
}

// TestPMTilesMapInBrowser: the public map on Chengdu's PMTiles archive,
// served as a plain file (as a CDN would), through MapLibre's pmtiles
// protocol: the parks are drawn and no tile comes from /tiles.
func TestPMTilesMapInBrowser(t *testing.T) {
	srv, ix, _ := browserServer(t, "chengdu.osm.pbf")
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "chengdu.pmtiles"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pmtiles.Export(context.Background(), ix.Snapshot(), tiles.Public, 0, 15, map[string]any{"attribution": "© OpenStreetMap contributors"}, f, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The page from the service, the archive from a static file server on
	// the same origin (http.FileServer answers Range requests).
	files := http.StripPrefix("/cdn/", http.FileServer(http.Dir(dir)))
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/cdn/") {
			files.ServeHTTP(w, r)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		buf := new(bytes.Buffer)
		buf.ReadFrom(resp.Body)
		w.Write(buf.Bytes())
	}))
	defer front.Close()
	var got struct {
		Rendered    []int64
		Requests    []string
		Attribution string
		Problems    []string
	}
	runNode(t, &got, nil, "test/pmtiles.test.mjs", front.URL+"/?pmtiles=/cdn/chengdu.pmtiles", artifacts(t))
	green := ix.Snapshot().Layer(geo.Green)
	for _, id := range got.Rendered {
		if _, ok := green.Get(id); !ok {
			t.Errorf("rendered green feature %d is not in the index", id)
		}
	}
	if len(got.Rendered) < 10 {
		t.Errorf("only %d parks drawn from the archive", len(got.Rendered))
	}
	archive := 0
	for _, u := range got.Requests {
		if strings.Contains(u, "/tiles/") {
			t.Errorf("a tile came from the service, not the archive: %s", u)
		}
		if strings.Contains(u, "/cdn/chengdu.pmtiles") {
			archive++
		}
	}
	if archive == 0 || !strings.Contains(got.Attribution, "OpenStreetMap") {
		t.Errorf("%d requests to the archive; attribution %q", archive, got.Attribution)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("%d parks drawn from the PMTiles archive in %d range requests", len(got.Rendered), archive)
}
