package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/open"
)

// bigScenario stores a scenario adding n small parks.
func bigScenario(t *testing.T, db string, n int) int64 {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 103.59+0.0002*float64(i%100), 30.44+0.0002*float64(i/100)
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"op":"add","layer":"green","name":"kill %d","kind":"park","public":true},"geometry":{"type":"Polygon","coordinates":[[[%[2]f,%[3]f],[%[4]f,%[3]f],[%[4]f,%[5]f],[%[2]f,%[3]f]]]}}`, i, x, y, x+0.0001, y+0.0001)
	}
	b.WriteString(`]}`)
	ctx := context.Background()
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sc := &store.Scenario{Name: "kill", Author: "test", Edits: []byte(b.String())}
	if err := st.CreateScenario(ctx, sc); err != nil {
		t.Fatal(err)
	}
	return sc.ID
}

// commitKilled starts serve, commits scenario id and, after delay (or never
// when delay < 0), kills serve with SIGKILL. It returns how long the
// commit took when it was not killed.
func commitKilled(t *testing.T, db string, id int64, delay time.Duration) time.Duration {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd, _ := childLines(t, "--db", db, "serve", "--addr", addr, "--anonymous-role", "admin")
	defer func() { cmd.Process.Signal(syscall.SIGKILL); cmd.Wait() }()
	base := "http://" + addr
	waitFor(t, 60*time.Second, "serve answers", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	done := make(chan time.Duration, 1)
	go func() {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/scenarios/%d/commit", base, id), nil)
		req.Header.Set("If-Match", `"v1"`)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("commit: %s", resp.Status)
			}
		}
		done <- time.Since(start)
	}()
	if delay < 0 {
		return <-done
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	<-done
	return 0
}

// TestKillDuringCommit: the service killed with SIGKILL while it commits
// a scenario of 3,000 parks, 10 times per store: each time the store holds
// either none of the parks and the scenario uncommitted, or all of them
// and the scenario committed.
func TestKillDuringCommit(t *testing.T) {
	stores := bothStores(t, "killcommit")
	const parks = 3000
	for kind, db := range stores {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			demo(t, db, "small")
			state := func(db string, id int64) (int, bool) {
				st, err := open.Store(ctx, db)
				if err != nil {
					t.Fatalf("open after the kill: %v", err)
				}
				defer st.Close()
				n := 0
				st.Scan(ctx, geo.Green, func(f *geo.Feature) error {
					if strings.HasPrefix(f.Text("name"), "kill ") {
						n++
					}
					return nil
				})
				sc, err := st.GetScenario(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				return n, sc.Committed != nil
			}
			// One commit, not killed, timed.
			ref := db
			if kind == "gpkg" {
				ref = filepath.Join(t.TempDir(), "ref.gpkg")
				copyFile(t, db, ref)
			}
			id := bigScenario(t, ref, parks)
			took := commitKilled(t, ref, id, -1)
			if n, done := state(ref, id); n != parks || !done {
				t.Fatalf("a whole commit left %d parks, committed %v", n, done)
			}
			rng := rand.New(rand.NewPCG(3, uint64(len(kind))))
			none, all := 0, 0
			for try := 0; try < 10; try++ {
				target := db
				if kind == "gpkg" {
					target = filepath.Join(t.TempDir(), fmt.Sprintf("try%d.gpkg", try))
					copyFile(t, db, target)
				}
				id := bigScenario(t, target, parks)
				before, _ := state(target, id)
				commitKilled(t, target, id, time.Duration(rng.Float64()*1.2*float64(took)))
				n, done := state(target, id)
				switch {
				case n == before && !done:
					none++
				case n == before+parks && done:
					all++
				default:
					t.Fatalf("try %d: after the kill %d of %d parks (had %d) and committed=%v", try, n, parks, before, done)
				}
			}
			t.Logf("a commit of %d parks takes %s; 10 kills: %d left nothing, %d came after it and left all", parks, took.Round(time.Millisecond), none, all)
			if none == 0 {
				t.Error("no kill landed before the commit ended: the test does not test")
			}
		})
	}
}
