package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/store/open"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// ownCluster starts a throwaway PostGIS cluster of the test's own (the
// shared one must not stop under other tests) and returns its URL and a
// function running .ci/postgis pause|resume on it.
func ownCluster(t *testing.T) (string, func(string)) {
	t.Helper()
	storetest.PostGISURL(t, "") // skips or fails as every PostGIS test does
	out, err := exec.Command("../../.ci/postgis", "start").Output()
	if err != nil {
		t.Fatalf(".ci/postgis start: %v", err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`export (\w+)='([^']*)'`).FindAllStringSubmatch(string(out), -1) {
		vars[m[1]] = m[2]
	}
	env := append(os.Environ(), "GREENREACH_PG_DIR="+vars["GREENREACH_PG_DIR"])
	ctl := func(what string) {
		cmd := exec.Command("../../.ci/postgis", what)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf(".ci/postgis %s: %v\n%s", what, err, out)
		}
	}
	t.Cleanup(func() { ctl("stop") })
	return vars["GREENREACH_TEST_PG"], ctl
}

// TestPostGISStopMidServe: PostGIS stops under a running service: /readyz
// fails, reads go on from memory, writes get 503; PostGIS comes back and
// writes resume without a restart. Every write answered 201 is in the
// store; none answered 503 is.
func TestPostGISStopMidServe(t *testing.T) {
	dsn, ctl := ownCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	demo(t, dsn, "small")
	code, out, errs := runCLI(t, ctx, "--db", dsn, "token", "create", "--name", "ops", "--role", "admin")
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	token := strings.TrimSpace(out)
	base := serveOn(t, ctx, dsn)
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("If-Match", `"v1"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d without problem+json", method, path, resp.StatusCode)
		}
		return resp.StatusCode, string(b)
	}
	accepted, refused := map[int64]string{}, map[string]bool{}
	save := func(name string) int {
		code, body := call("POST", "/api/scenarios", `{"name":"`+name+`","edits":{"type":"FeatureCollection","features":[]}}`)
		switch code {
		case 201:
			var sc struct{ ID int64 }
			json.Unmarshal([]byte(body), &sc)
			accepted[sc.ID] = name
		case 503:
			refused[name] = true
		default:
			t.Errorf("save %s: %d %s", name, code, body)
		}
		return code
	}
	for i := 0; i < 3; i++ {
		if save(fmt.Sprintf("before-%d", i)) != 201 {
			t.Fatal("a write before the stop failed")
		}
	}
	tile := maptile.At(orb.Point{103.6, 30.45}, 14)
	reads := []string{fmt.Sprintf("/tiles/public/14/%d/%d.mvt", tile.X, tile.Y), "/collections/green/items?limit=5", "/api/nearest?lon=103.6&lat=30.45", "/api/layers"}

	ctl("pause")
	waitFor(t, 10*time.Second, "/readyz fails", func() bool { c, _ := call("GET", "/readyz", ""); return c == 503 })
	for _, p := range reads {
		if c, body := call("GET", p, ""); c != 200 {
			t.Errorf("with PostGIS down, GET %s: %d %s", p, c, body)
		}
	}
	for i := 0; i < 3; i++ {
		if c := save(fmt.Sprintf("during-%d", i)); c != 503 {
			t.Errorf("a write with PostGIS down: %d, want 503", c)
		}
	}
	if c, body := call("POST", "/api/scenarios/1/commit", ""); c != 503 {
		t.Errorf("a commit with PostGIS down: %d %s", c, body)
	}

	ctl("resume")
	took := waitFor(t, 20*time.Second, "/readyz recovers", func() bool { c, _ := call("GET", "/readyz", ""); return c == 200 })
	n := 0
	waitFor(t, 10*time.Second, "writes resume", func() bool { n++; return save(fmt.Sprintf("after-%d", n)) == 201 })
	if c, body := call("POST", "/api/scenarios/1/commit", ""); c != 200 {
		t.Errorf("commit after the restart: %d %s", c, body)
	}

	st, err := open.Store(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.ListScenarios(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]string{}
	for _, sc := range list {
		stored[sc.ID] = sc.Name
		if refused[sc.Name] {
			t.Errorf("scenario %q was refused with 503 but is stored", sc.Name)
		}
	}
	for id, name := range accepted {
		if stored[id] != name {
			t.Errorf("accepted scenario %d %q is lost (stored: %q)", id, name, stored[id])
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d writes accepted and all stored, %d refused with 503 and none stored; ready again %s after the restart, writes after %d tries", len(accepted), len(refused), took.Round(time.Millisecond), n)
	t.Log(b.String())
}
