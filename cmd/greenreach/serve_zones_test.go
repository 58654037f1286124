package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeDispatchesByZone: a case reported inside a zone of the demo town
// and registered through `serve` goes to that zone's unit. serve used to
// leave the case API without zones, so nothing was dispatched.
func TestServeDispatchesByZone(t *testing.T) {
	db := filepath.Join(t.TempDir(), "town.gpkg")
	if code, _, errs := runCLI(t, context.Background(), "--db", db, "demo", "--size", "small"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	token := func(name, role string) string {
		code, out, errs := runCLI(t, context.Background(), "--db", db, "token", "create", "--name", name, "--role", role)
		if code != 0 {
			t.Fatalf("token %s: %s", role, errs)
		}
		lines := strings.Fields(strings.TrimSpace(out))
		return lines[len(lines)-1]
	}
	admin, inspector, dispatcher := token("a", "admin"), token("i", "inspector"), token("d", "dispatcher")

	ctx, cancel := context.WithCancel(context.Background())
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	done := make(chan struct{})
	go func() { runCLI(t, ctx, "--db", db, "serve", "--addr", addr); close(done) }()
	defer func() { cancel(); <-done }() // the store closed before its directory goes
	base := "http://" + addr
	call := func(method, path, tok, ifMatch string, body any, into any) int {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		if into != nil {
			json.NewDecoder(resp.Body).Decode(into)
		}
		return resp.StatusCode
	}
	deadline := time.Now().Add(30 * time.Second)
	for call(http.MethodGet, "/readyz", admin, "", nil, nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("service did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A zone with a unit, and the middle of its outline's box: the demo
	// town's zones are rectangles, so the middle lies inside.
	var zones struct {
		Features []struct {
			Geometry struct {
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if code := call(http.MethodGet, "/collections/zones/items?limit=5", admin, "", nil, &zones); code != http.StatusOK || len(zones.Features) == 0 {
		t.Fatalf("zones: %d, %d features", code, len(zones.Features))
	}
	z := zones.Features[0]
	unit, _ := z.Properties["unit"].(string)
	if unit == "" {
		t.Fatalf("zone %v has no unit", z.Properties)
	}
	ring := z.Geometry.Coordinates[0][0]
	minX, minY, maxX, maxY := ring[0][0], ring[0][1], ring[0][0], ring[0][1]
	for _, p := range ring {
		minX, maxX = min(minX, p[0]), max(maxX, p[0])
		minY, maxY = min(minY, p[1]), max(maxY, p[1])
	}

	var reported struct {
		ID      int64 `json:"id"`
		Version int64 `json:"version"`
	}
	body := map[string]any{"category": "tree_dead_missing", "lon": (minX + maxX) / 2, "lat": (minY + maxY) / 2, "description": "枯死行道树"}
	if code := call(http.MethodPost, "/api/cases", inspector, "", body, &reported); code/100 != 2 {
		t.Fatalf("report: %d", code)
	}
	var registered struct {
		State, Unit string
	}
	path := fmt.Sprintf("/api/cases/%d/register", reported.ID)
	if code := call(http.MethodPost, path, dispatcher, fmt.Sprintf("%q", fmt.Sprint(reported.Version)), nil, &registered); code != http.StatusOK {
		t.Fatalf("register: %d", code)
	}
	if registered.State != "dispatched" || registered.Unit != unit {
		t.Errorf("registered: state %q unit %q, want dispatched to %q (the zone's unit)", registered.State, registered.Unit, unit)
	}
}
