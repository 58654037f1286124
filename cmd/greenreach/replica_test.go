package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/api"
)

// serveOn starts `greenreach serve` on db and waits until it answers.
func serveOn(t *testing.T, ctx context.Context, db string) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	go runCLI(t, ctx, "--db", db, "serve", "--addr", addr)
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve on %s did not answer: %v", db, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func greenCount(t *testing.T, base string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/api/layers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ls []store.LayerJSON
	json.NewDecoder(resp.Body).Decode(&ls)
	for _, l := range ls {
		if l.ID == "green" {
			return l.Count
		}
	}
	return -1
}

// addPark commits a one-park scenario through the service at base.
func addPark(t *testing.T, base, token string, lon, lat float64, name string) {
	t.Helper()
	edit := fmt.Sprintf(`{"type":"Feature","properties":{"op":"add","layer":"green","name":%q,"kind":"park","public":true},"geometry":{"type":"Polygon","coordinates":[[[%[2]f,%[3]f],[%[4]f,%[3]f],[%[4]f,%[5]f],[%[2]f,%[5]f],[%[2]f,%[3]f]]]}}`,
		name, lon, lat, lon+0.001, lat+0.001)
	req, _ := http.NewRequest("POST", base+"/api/scenarios", strings.NewReader(`{"name":"replica","edits":{"type":"FeatureCollection","features":[`+edit+`]}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create scenario: %v %v", err, resp.Status)
	}
	var sc api.ScenarioJSON
	json.NewDecoder(resp.Body).Decode(&sc)
	resp.Body.Close()
	req, _ = http.NewRequest("POST", fmt.Sprintf("%s/api/scenarios/%d/commit", base, sc.ID), nil)
	req.Header.Set("If-Match", `"v1"`)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		var b bytes.Buffer
		if resp != nil {
			b.ReadFrom(resp.Body)
		}
		t.Fatalf("commit: %v %v %s", err, resp.Status, b.String())
	}
	resp.Body.Close()
}

// waitFor polls until cond holds, returning how long it took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestPostGISReplicas: two services on one PostGIS; a park committed
// through either is in the other's layers and search within a second
// (NOTIFY), both ways.
func TestPostGISReplicas(t *testing.T) {
	dsn := storetest.PostGISURL(t, "replicas")
	demo(t, dsn, "small")
	code, out, errs := runCLI(t, context.Background(), "--db", dsn, "token", "create", "--name", "replica-admin", "--role", "admin")
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	token := strings.TrimSpace(out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := serveOn(t, ctx, dsn), serveOn(t, ctx, dsn)
	n := greenCount(t, b)
	addPark(t, a, token, 104.2, 30.7, "复制公园甲")
	took := waitFor(t, time.Second, "B sees A's park", func() bool { return greenCount(t, b) == n+1 })
	resp, err := http.Get(b + "/api/search?q=" + url.QueryEscape("复制公园甲"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []json.RawMessage }
	json.NewDecoder(resp.Body).Decode(&fc)
	resp.Body.Close()
	if len(fc.Features) != 1 {
		t.Errorf("B's search finds %d parks named 复制公园甲", len(fc.Features))
	}
	addPark(t, b, token, 104.21, 30.71, "复制公园乙")
	took2 := waitFor(t, time.Second, "A sees B's park", func() bool { return greenCount(t, a) == n+2 })
	t.Logf("replicas converged in %s and %s", took.Round(time.Millisecond), took2.Round(time.Millisecond))
}

// TestServeSeesCLIImport: a running service picks up what `greenreach
// import` writes to its GeoPackage, without a restart.
func TestServeSeesCLIImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "town.gpkg")
	demo(t, db, "small")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := serveOn(t, ctx, db)
	n := greenCount(t, s)
	gj := filepath.Join(dir, "parks.geojson")
	os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"p1","properties":{"name":"导入公园","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[104.3,30.7],[104.301,30.7],[104.301,30.701],[104.3,30.7]]]}}]}`), 0o644)
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "import", "--layer", "green", gj); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	took := waitFor(t, 5*time.Second, "serve sees the import", func() bool { return greenCount(t, s) == n+1 })
	t.Logf("seen after %s", took.Round(time.Millisecond))
}
