package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestGracefulShutdown: a stop (SIGTERM cancels serve's context) while
// audits are being computed lets every accepted request finish with its
// whole answer, then serve returns 0 and accepts no more connections.
func TestGracefulShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "city.gpkg")
	demo(t, db, "city")
	ctx, stop := context.WithCancel(context.Background())
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	exited := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, ctx, "--db", db, "serve", "--addr", addr, "--anonymous-role", "auditor")
		exited <- code
	}()
	base := "http://" + addr
	waitFor(t, 30*time.Second, "serve answers", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	var wg sync.WaitGroup
	codes := make([]string, 8)
	ended := make([]time.Time, 8)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { ended[i] = time.Now() }()
			mode := []string{"walk", "straight"}[i%2]
			resp, err := http.Get(base + "/api/audit?mode=" + mode)
			if err != nil {
				codes[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			var a struct{ Results []json.RawMessage }
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || len(a.Results) == 0 {
				codes[i] = fmt.Sprintf("%d, body: %v", resp.StatusCode, err)
				return
			}
			codes[i] = fmt.Sprint(resp.StatusCode)
		}(i)
	}
	time.Sleep(150 * time.Millisecond) // the audits are under way
	stopped := time.Now()
	stop()
	wg.Wait()
	late := 0
	for _, e := range ended {
		if e.After(stopped) {
			late++
		}
	}
	if late == 0 {
		t.Error("every request ended before the stop: nothing was drained")
	}
	t.Logf("%d of %d requests were in flight at the stop and completed", late, len(ended))
	for i, c := range codes {
		if c != "200" {
			t.Errorf("request %d during the stop: %s", i, c)
		}
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("serve still answers after the stop")
	}
}
