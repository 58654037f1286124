package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/live/livetest"
	"github.com/greenreach/greenreach/store"
)

// TestWriteLog: each write — an import, a scenario's creation, change,
// commit and deletion — logs exactly one line naming the token's name and
// role; reads and refused writes log none at info level.
func TestWriteLog(t *testing.T) {
	st, ix := livetest.Demo(t, "small")
	var logs bytes.Buffer
	cfg := DefaultConfig()
	s := New(cfg, st, ix, slog.New(slog.NewJSONHandler(&logs, nil)))
	h := s.Handler()
	ctx := context.Background()
	secrets := map[string]string{}
	for _, tk := range []struct{ name, role string }{{"王工 planner", store.RolePlanner}, {"ops-admin", store.RoleAdmin}} {
		secret, hash := store.NewToken()
		if err := st.CreateToken(ctx, &store.Token{Name: tk.name, Role: tk.role, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		secrets[tk.role] = "Bearer " + secret
	}
	// lines returns the log lines since the last call, decoded.
	lines := func() []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			out = append(out, m)
		}
		logs.Reset()
		return out
	}
	check := func(what string, rec int, want int, msg, token, role string) {
		t.Helper()
		if rec != want {
			t.Fatalf("%s: status %d, want %d", what, rec, want)
		}
		ls := lines()
		if len(ls) != 1 || ls[0]["msg"] != msg || ls[0]["token"] != token || ls[0]["role"] != role || ls[0]["request_id"] == "" {
			t.Errorf("%s: log %v, want one %q line naming %q (%s)", what, ls, msg, token, role)
		}
	}
	lines()
	body := `{"name":"east","edits":{"type":"FeatureCollection","features":[` + parkEdit([2]float64{103.6, 30.45}, "p") + `]}}`
	rec := do(t, h, "POST", "/api/scenarios", body, "Authorization", secrets[store.RolePlanner])
	check("create", rec.Code, http.StatusCreated, "scenario created", "王工 planner", store.RolePlanner)
	loc := rec.Header().Get("Location")
	rec = do(t, h, "PUT", loc, body, "Authorization", secrets[store.RolePlanner], "If-Match", `"v1"`)
	check("update", rec.Code, http.StatusOK, "scenario updated", "王工 planner", store.RolePlanner)
	rec = do(t, h, "POST", loc+"/commit", "", "Authorization", secrets[store.RoleAdmin], "If-Match", `"v2"`)
	check("commit", rec.Code, http.StatusOK, "scenario committed", "ops-admin", store.RoleAdmin)
	rec = do(t, h, "POST", "/api/scenarios", body, "Authorization", secrets[store.RolePlanner])
	check("create 2", rec.Code, http.StatusCreated, "scenario created", "王工 planner", store.RolePlanner)
	rec = do(t, h, "DELETE", rec.Header().Get("Location"), "", "Authorization", secrets[store.RolePlanner], "If-Match", `"v1"`)
	check("delete", rec.Code, http.StatusNoContent, "scenario deleted", "王工 planner", store.RolePlanner)
	rec = do(t, h, "POST", "/api/import?format=geojson&layer=green", parksFC(2, 103.7), "Authorization", secrets[store.RoleAdmin])
	check("import", rec.Code, http.StatusOK, "import", "ops-admin", store.RoleAdmin)

	// Reads log nothing at info level; a refused write logs its refusal
	// only (the "request failed" line), not a write.
	do(t, h, "GET", "/api/layers", "")
	do(t, h, "GET", loc, "", "Authorization", secrets[store.RolePlanner])
	if ls := lines(); len(ls) != 0 {
		t.Errorf("reads logged %v", ls)
	}
	do(t, h, "POST", "/api/import?format=geojson&layer=green", parksFC(1, 103.8))
	for _, l := range lines() {
		if l["msg"] == "import" {
			t.Errorf("an anonymous import (refused) logged as a write: %v", l)
		}
	}
}
