package static_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/static"
	"github.com/greenreach/greenreach/store/memstore"
)

// rendered reads the shell list and version a rendered worker carries.
func rendered(t *testing.T, src []byte) (shell []string, version string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^const shell = (\[.*\]);\nconst version = '([0-9a-f]{16})';$`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("the rendered worker has no shell and version:\n%.600s", src)
	}
	if err := json.Unmarshal(m[1], &shell); err != nil {
		t.Fatal(err)
	}
	return shell, string(m[2])
}

// TestInspectWorkerShell: the worker the service serves keeps exactly
// what inspect.html links (and both catalogues), the page first; its
// version changes with any shell file's bytes and with the worker's own,
// and with nothing else; a build without the map library keeps the rest.
func TestInspectWorkerShell(t *testing.T) {
	src, err := static.ReadFile(static.InspectWorker)
	if err != nil {
		t.Fatal(err)
	}
	shell, version := rendered(t, src)
	required(t, static.HasLib(), "static/lib: the map libraries (make assets) before building")
	got := slices.Clone(shell)
	slices.Sort(got)
	if want := expectedShell(t, ""); !slices.Equal(got, want) || shell[0] != "inspect" {
		t.Errorf("the worker keeps %q, want %q (the page first)", shell, want)
	}
	if strings.Contains(string(src), "GR_SHELL") || strings.Contains(string(src), "GR_VERSION") {
		t.Error("a placeholder is left in the rendered worker")
	}

	base := releasedFS(t, "1")
	_, v1 := rendered(t, must(static.RenderInspectWorker(base)))
	if v1 == version {
		t.Errorf("another inspect.html, the same version %s", v1)
	}
	change := func(name string, edit func([]byte) []byte) string {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = &fstest.MapFile{Data: v.Data}
		}
		fsys[name] = &fstest.MapFile{Data: edit(slices.Clone(fsys[name].Data))}
		_, v := rendered(t, must(static.RenderInspectWorker(fsys)))
		return v
	}
	appendByte := func(b []byte) []byte { return append(b, '\n') }
	for _, name := range []string{"inspect.js", "common.js", "app.css", "i18n/en.json", "lib/maplibre-gl.js", "favicon.svg", static.InspectWorker} {
		if v := change(name, appendByte); v == v1 {
			t.Errorf("%s changed, the version stayed %s", name, v)
		}
	}
	for _, name := range []string{"cases.js", "planner.html", "lib/terra-draw.umd.js"} {
		if v := change(name, appendByte); v != v1 {
			t.Errorf("%s is not the page's, yet changing it made version %s of %s", name, v, v1)
		}
	}

	noLib := fstest.MapFS{}
	for k, v := range base {
		if !strings.HasPrefix(k, "lib/") {
			noLib[k] = v
		}
	}
	shell, _ = rendered(t, must(static.RenderInspectWorker(noLib)))
	if slices.ContainsFunc(shell, func(u string) bool { return strings.HasPrefix(u, "static/lib/") }) || len(shell) != len(got)-2 {
		t.Errorf("without the map library the worker keeps %q", shell)
	}
	delete(noLib, "common.js")
	if _, err := static.RenderInspectWorker(noLib); err == nil || !strings.Contains(err.Error(), "common.js") {
		t.Errorf("a shell without common.js: %v, want an error naming it", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// jsType: the MIME types a browser runs a service worker with.
var jsType = regexp.MustCompile(`^(text|application)/(x-)?javascript(;|$)`)

// TestInspectWorkerServed: GET /static/sw-inspect.js is JavaScript, may
// control ../inspect only (the page, wherever the service is mounted),
// is revalidated, and no Content-Security-Policy of the service keeps it
// from running (none is set; one that is must allow 'self').
func TestInspectWorkerServed(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.DefaultConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("/static/" + static.InspectWorker)
	h := resp.Header
	if resp.StatusCode != 200 || !jsType.MatchString(h.Get("Content-Type")) || h.Get("Service-Worker-Allowed") != "../inspect" || h.Get("Cache-Control") != "no-cache" || h.Get("ETag") == "" {
		t.Fatalf("GET the worker: %d %v", resp.StatusCode, h)
	}
	want, _ := static.ReadFile(static.InspectWorker)
	if string(body) != string(want) {
		t.Error("the service serves another worker than static.ReadFile's")
	}
	rendered(t, body)
	for _, path := range []string{"/static/" + static.InspectWorker, "/inspect", "/static/inspect.js"} {
		resp, _ := get(path)
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "" && !strings.Contains(csp, "'self'") {
			t.Errorf("%s: Content-Security-Policy %q does not allow the same-origin worker", path, csp)
		}
		if path != "/static/"+static.InspectWorker && resp.Header.Get("Service-Worker-Allowed") != "" {
			t.Errorf("%s: Service-Worker-Allowed %q on a file that is not the worker", path, resp.Header.Get("Service-Worker-Allowed"))
		}
	}
}
