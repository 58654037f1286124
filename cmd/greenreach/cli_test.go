package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	_ "modernc.org/sqlite"
)

func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// demo fills the store at db with the demo town of the given size.
func demo(t *testing.T, db, size string) {
	t.Helper()
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "demo", "--size", size); code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestDemoThenLayers(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sub", "town.gpkg")
	if code, _, errs := runCLI(t, ctx, "--db", db, "demo", "--size", "small", "--seed", "3"); code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	code, out, errs := runCLI(t, ctx, "--db", db, "layers", "--json")
	if code != 0 {
		t.Fatalf("layers: %d %s", code, errs)
	}
	var ls []store.LayerJSON
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("layers --json is not the API's array: %v\n%s", err, out)
	}
	if len(ls) != 6 { // the five layers and zones
		t.Fatalf("%d layers", len(ls))
	}
	for _, l := range ls {
		if l.Count == 0 || l.BBox == nil || l.Version != 1 {
			t.Errorf("layer %+v", l)
		}
	}
	if code, out, _ := runCLI(t, ctx, "--db", db, "layers"); code != 0 || !strings.Contains(out, "parcels") {
		t.Errorf("layers table: %d %s", code, out)
	}
	sum := fileSum(t, db)
	if code, _, errs := runCLI(t, ctx, "--db", db, "demo"); code != 1 || !strings.Contains(errs, "already holds") || strings.Count(errs, "\n") != 1 {
		t.Errorf("demo into a full store: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, ctx, "--db", db, "demo", "--if-empty"); code != 0 {
		t.Errorf("demo --if-empty: %d %s", code, errs)
	}
	if fileSum(t, db) != sum {
		t.Errorf("refused demo changed the store")
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestBadStores: a corrupt or foreign file or an unreachable PostGIS gives a
// one-line error naming the problem, a non-zero exit, and writes nothing.
func TestBadStores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.gpkg")
	os.WriteFile(corrupt, bytes.Repeat([]byte("not a database "), 500), 0o644)
	foreign := filepath.Join(dir, "foreign.gpkg")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE birds(name TEXT); INSERT INTO birds VALUES ('magpie')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	pg := fmt.Sprintf("postgres://nobody@127.0.0.1:%d/none?connect_timeout=2", freePort(t))
	tests := []struct {
		name, db, want string
	}{
		{"corrupt file", corrupt, "corrupt.gpkg"},
		{"foreign sqlite", foreign, "not a GeoPackage"},
		{"unreachable postgis", pg, "127.0.0.1"},
	}
	for _, tc := range tests {
		for _, cmd := range [][]string{{"layers"}, {"demo", "--size", "small"}} {
			t.Run(tc.name+"/"+cmd[0], func(t *testing.T) {
				var before [32]byte
				if !strings.HasPrefix(tc.db, "postgres") {
					before = fileSum(t, tc.db)
				}
				start := time.Now()
				code, _, errs := runCLI(t, ctx, append([]string{"--db", tc.db}, cmd...)...)
				if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
					t.Errorf("exit %d, stderr %q: want 1 and one line naming %q", code, errs, tc.want)
				}
				if time.Since(start) > 15*time.Second {
					t.Errorf("took %s", time.Since(start))
				}
				if !strings.HasPrefix(tc.db, "postgres") && fileSum(t, tc.db) != before {
					t.Errorf("%s changed", tc.db)
				}
			})
		}
	}
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "x.gpkg")
	tests := [][]string{
		{},
		{"frobnicate"},
		{"--db", db, "demo", "--size", "galactic"},
		{"--db", db, "layers", "extra"},
		{"--nope"},
	}
	for _, args := range tests {
		if code, _, _ := runCLI(t, ctx, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a usage error created the store")
	}
}

// TestServe: what `make run` does — demo into an empty store, then serve —
// answers /api/layers with five non-empty layers, and stops on cancel.
func TestServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "town.gpkg")
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "demo", "--if-empty", "--size", "small"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	done := make(chan int)
	go func() {
		code, _, _ := runCLI(t, ctx, "--db", db, "serve", "--addr", addr)
		done <- code
	}()
	var ls []store.LayerJSON
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/api/layers")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&ls)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(ls) != 6 { // the five layers and zones
		t.Fatalf("%d layers", len(ls))
	}
	for _, l := range ls {
		if l.Count == 0 {
			t.Errorf("layer %s empty", l.ID)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after cancel", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
