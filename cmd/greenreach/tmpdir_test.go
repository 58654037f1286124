package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTempDirSweep: serve started on a --tmp-dir holding what a killed run
// left (a run directory whose lock nobody holds, with an upload and an
// unpacked Shapefile, and an upload in the root) removes those at start;
// it leaves alone files not named as ours and the directory of a run whose
// lock is held; an upload leaves nothing behind, and serve's own directory
// goes at exit. import uses the directory too and leaves nothing.
func TestTempDirSweep(t *testing.T) {
	root := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{
		"run-dead.lock", "run-dead/greenreach-upload-1.geojson", "run-dead/greenreach-shp-2/layer.shp", // stale
		"run-gone.lock", "run-gone/greenreach-upload-3.zip", "greenreach-upload-4.gpkg", // stale
		"run-dead/notes.txt", "foreign.txt", "greenreach.conf", // not ours
		"run-live.lock", "run-live/greenreach-upload-5.osm", // a live run's
	} {
		write(f)
	}
	live, err := os.Open(filepath.Join(root, "run-live.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := syscall.Flock(int(live.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	list := func() []string {
		var got []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && p != root {
				rel, _ := filepath.Rel(root, p)
				got = append(got, rel)
			}
			return nil
		})
		slices.Sort(got)
		return got
	}
	kept := []string{"foreign.txt", "greenreach.conf", "run-dead", "run-dead/notes.txt", "run-live", "run-live.lock", "run-live/greenreach-upload-5.osm"}
	slices.Sort(kept)

	db := filepath.Join(t.TempDir(), "town.gpkg")
	demo(t, db, "small")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	exited := make(chan string, 1)
	go func() {
		code, _, errs := runCLI(t, ctx, "--db", db, "serve", "--addr", addr, "--anonymous-role", "admin", "--tmp-dir", root)
		exited <- fmt.Sprint(code, " ", errs)
	}()
	waitFor(t, 30*time.Second, "serve answers", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	// Now: what was kept, and serve's own run directory and lock.
	var own []string
	for _, p := range list() {
		if !slices.Contains(kept, p) {
			own = append(own, p)
		}
	}
	if len(own) != 2 || !strings.HasPrefix(own[0], "run-") || own[1] != own[0]+".lock" {
		t.Fatalf("after serve started, %s holds %q", root, list())
	}
	park := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"临时公园","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[103.6,30.45],[103.601,30.45],[103.601,30.451],[103.6,30.451],[103.6,30.45]]]}}]}`
	resp, err := http.Post("http://"+addr+"/api/import?format=geojson&layer=green&source=tmp-test", "application/geo+json", strings.NewReader(park))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	if got := list(); !slices.Equal(got, slices.Sorted(slices.Values(append(slices.Clone(kept), own...)))) {
		t.Errorf("after an upload, %s holds %q", root, got)
	}
	stop()
	if out := <-exited; !strings.HasPrefix(out, "0 ") {
		t.Fatalf("serve: %s", out)
	}
	if got := list(); !slices.Equal(got, kept) {
		t.Errorf("after serve exited, %s holds %q, want %q", root, got, kept)
	}

	// import: the same directory, nothing left.
	file := filepath.Join(t.TempDir(), "park.geojson")
	if err := os.WriteFile(file, []byte(park), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "import", "--layer", "green", "--source", "tmp-test-2", "--tmp-dir", root, file); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	if got := list(); !slices.Equal(got, kept) {
		t.Errorf("after an import, %s holds %q, want %q", root, got, kept)
	}
}

// TestTempDirNotPrivate: a --tmp-dir others may write in is refused,
// naming it, and nothing in it is removed.
func TestTempDirNotPrivate(t *testing.T) {
	root := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o777); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "greenreach-upload-1.zip")
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "town.gpkg")
	code, _, errs := runCLI(t, context.Background(), "--db", db, "serve", "--addr", "127.0.0.1:0", "--tmp-dir", root)
	if code != 1 || !strings.Contains(errs, root) || !strings.Contains(errs, "others may write") {
		t.Errorf("serve on a shared --tmp-dir: %d %s", code, errs)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("the refused directory lost a file: %v", err)
	}
}
