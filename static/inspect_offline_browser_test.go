package static_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/static"
	"github.com/greenreach/greenreach/store"
)

// expectedShell is what the inspection page needs to open offline, read
// from inspect.html itself: the page, every static/ file it links, and
// both catalogues (common.js asks for one of them) — as absolute URLs
// under root.
func expectedShell(t *testing.T, root string) []string {
	t.Helper()
	html, err := fs.ReadFile(static.FS, "inspect.html")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{root + "inspect", root + "static/i18n/zh-CN.json", root + "static/i18n/en.json"}
	for _, m := range regexp.MustCompile(`(?:src|href)="(static/[^"]+)"`).FindAllSubmatch(html, -1) {
		want = append(want, root+string(m[1]))
	}
	if len(want) < 8 {
		t.Fatalf("inspect.html links only %v", want)
	}
	slices.Sort(want)
	return want
}

// releasedFS is the embedded pages with inspect.html marked as release n:
// another build of the same service.
func releasedFS(t *testing.T, n string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out["inspect.html"].Data)
	if !strings.Contains(html, "<head>\n") {
		t.Fatal("inspect.html has no <head>")
	}
	out["inspect.html"].Data = []byte(strings.Replace(html, "<head>\n", `<head>`+"\n"+`<meta name="gr-release" content="`+n+`">`+"\n", 1))
	return out
}

// TestInspectPageOffline: the inspection page, served under a proxy's
// prefix (/greenreach/), opened once with network, opens again with none
// (context offline, reload): in Chinese, saying the map is unavailable,
// the place from the mocked position; a report with a photo is kept in
// IndexedDB and, back online, sent by itself and stored once (checked
// through the API); the API is never answered from the worker's cache,
// which holds exactly the page's shell as inspect.html links it. A new
// release (another inspect.html) replaces the shell and deletes the old
// cache; a release whose shell cannot be kept (a file answered no-store)
// is not installed, and the shell in place still opens offline. In a
// browser without service workers the page says it will not open offline.
// The worker's scope is the page: the case board beside it is not its.
// The page asks for nothing outside the prefix.
func TestInspectPageOffline(t *testing.T) {
	needBrowser(t)
	ctx := context.Background()
	st := demoStore(t)
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, secrets := caseTokens(t, st, map[string]string{"inspector1": store.RoleInspector})
	park := cityPark(t, ix.Snapshot())
	c := park.Geom.Bound().Center()
	photo, _ := writeJPEG(t, "photo.jpg", 64, 48)

	// The service under /greenreach/, and a release switch the script
	// flips: release n serves another inspect.html and its worker; "3"
	// also answers the icon no-store.
	var release atomic.Value
	release.Store("")
	var mu sync.Mutex
	var outside []string
	var mux http.ServeMux
	srv := httptest.NewServer(&mux)
	defer srv.Close()
	cfg := api.DefaultConfig()
	cfg.PublicURL = srv.URL + "/greenreach"
	h := api.New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	builds := map[string]fstest.MapFS{"2": releasedFS(t, "2"), "3": releasedFS(t, "3")}
	released := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := release.Load().(string)
		fsys, ok := builds[n]
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/inspect":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(fsys["inspect.html"].Data)
		case "/static/" + static.InspectWorker:
			b, err := static.RenderInspectWorker(fsys)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Service-Worker-Allowed", static.InspectScope)
			w.Write(b)
		case "/static/favicon.svg":
			if n != "3" {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Header().Set("Cache-Control", "no-store")
			w.Write(fsys["favicon.svg"].Data)
		default:
			h.ServeHTTP(w, r)
		}
	})
	mux.Handle("/greenreach/", http.StripPrefix("/greenreach", released))
	mux.HandleFunc("POST /test/release", func(w http.ResponseWriter, r *http.Request) { release.Store("2") })
	mux.HandleFunc("POST /test/release-nostore", func(w http.ResponseWriter, r *http.Request) { release.Store("3") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		outside = append(outside, r.URL.String())
		mu.Unlock()
		http.NotFound(w, r)
	})

	type shellState map[string][]string // cache name → URLs it holds
	var got struct {
		ShellOnline string
		Scope       string
		OtherPage   struct{ Controlled, Registration bool }
		First       shellState
		OfflineLoad string
		Fatal       string
		Opened      struct {
			Lang, Submit, MapOffline string
			MapShown, Controlled     bool
			NoOffline                bool
			Point                    struct{ Lon, Lat float64 }
			Categories               int
		}
		APIOffline string
		Queued     []struct {
			Data struct {
				Category, Description string
				Lon, Lat              float64
			}
			PhotoBytes int
		}
		QueueText string
		Sent      struct{ ID int64 }
		MapBack   bool
		AfterSend shellState
		Release   struct {
			Worker, Marker string
			Shell          shellState
		}
		NoStore struct {
			Worker, Marker string
			Shell          shellState
		}
		NoWorker struct{ State, Text string }
		Missing  []string
		Problems []string
	}
	dir := artifacts(t)
	base := srv.URL + "/greenreach"
	runNode(t, &got, env, "test/inspect-offline.test.mjs", base, fmt.Sprint(c[0]), fmt.Sprint(c[1]), photo, srv.URL+"/test", dir)

	// Opened offline: today's page gets the browser's error page.
	if got.OfflineLoad != "" || got.Fatal != "" {
		t.Fatalf("the page did not open again without network (its worker, online: %s): %s %s", got.ShellOnline, got.OfflineLoad, got.Fatal)
	}
	if got.Scope != base+"/inspect" || got.OtherPage.Controlled || got.OtherPage.Registration {
		t.Errorf("the worker's scope is %q (want %q); the case board: %+v (want neither controlled nor registered)", got.Scope, base+"/inspect", got.OtherPage)
	}
	zh := catalogues(t)["zh-CN"]
	o := got.Opened
	if o.Lang != "zh-CN" || o.Submit != zh["ins.submit"] || o.MapOffline != zh["ins.mapOffline"] || o.MapShown || !o.Controlled || o.NoOffline || o.Categories < 2 {
		t.Errorf("opened offline: %+v; want in Chinese, submit %q, the map hidden and %q said, the page controlled by the worker, the categories listed",
			o, zh["ins.submit"], zh["ins.mapOffline"])
	}
	if math.Abs(o.Point.Lon-c[0]) > 1e-6 || math.Abs(o.Point.Lat-c[1]) > 1e-6 {
		t.Errorf("offline, the page's place %+v is not the mocked position %v", o.Point, c)
	}
	if !strings.HasPrefix(got.APIOffline, "refused") {
		t.Errorf("offline, the page's own fetch of the categories was answered (%s): the API must be the network's", got.APIOffline)
	}
	if q := got.Queued; len(q) != 1 || q[0].Data.Category != "broken_branch" || q[0].Data.Description != "离线打开后上报：断枝" || q[0].PhotoBytes == 0 ||
		math.Abs(q[0].Data.Lon-c[0]) > 1e-6 || math.Abs(q[0].Data.Lat-c[1]) > 1e-6 {
		t.Errorf("offline, IndexedDB holds %+v; want the one report, its photo and the mocked position", q)
	}
	if !strings.Contains(got.QueueText, "待发送 1 条") {
		t.Errorf("offline, the queue says %q", got.QueueText)
	}

	// Back online: stored once, as typed, with its photo.
	var list struct{ Cases []testCase }
	apiGet(t, srv.URL, "/greenreach/api/cases?limit=100", secrets[store.RoleInspector], &list)
	if len(list.Cases) != 1 || got.Sent.ID != list.Cases[0].ID {
		t.Fatalf("stored %+v; the page sent %d", list.Cases, got.Sent.ID)
	}
	var k testCase
	apiGet(t, srv.URL, fmt.Sprintf("/greenreach/api/cases/%d", list.Cases[0].ID), secrets[store.RoleInspector], &k)
	if k.Category != "broken_branch" || k.Description != "离线打开后上报：断枝" || k.Reporter != "inspector1" || k.State != "reported" ||
		math.Abs(k.Lon-c[0]) > 1e-6 || math.Abs(k.Lat-c[1]) > 1e-6 || len(k.History) != 1 || len(k.History[0].Photos) != 1 {
		t.Fatalf("stored %+v", k)
	}
	body := apiGet(t, srv.URL, fmt.Sprintf("/greenreach/api/cases/%d/photos/%d", k.ID, k.History[0].Photos[0]), secrets[store.RoleInspector], nil)
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 64 {
		t.Errorf("the photo sent after opening offline: %+v %v", cfg, err)
	}
	if !got.MapBack {
		t.Error("the map did not come back with the network")
	}

	// The worker's cache: one, its shell exactly (nothing of the API).
	want := expectedShell(t, base+"/")
	shellOnly := func(when string, s shellState) string {
		if len(s) != 1 {
			t.Errorf("%s: caches %v, want the worker's one", when, s)
			return ""
		}
		for name, urls := range s {
			if !strings.HasPrefix(name, "greenreach-inspect-") || !slices.Equal(urls, want) {
				t.Errorf("%s: cache %s holds %q, want %q", when, name, urls, want)
			}
			return name
		}
		return ""
	}
	first := shellOnly("opened online", got.First)
	if after := shellOnly("after sending", got.AfterSend); after != first {
		t.Errorf("the cache changed from %s to %s without a release", first, after)
	}
	// A release: a new worker, the new shell only, opened offline.
	if r := got.Release; r.Worker != "activated" || r.Marker != "2" {
		t.Errorf("a new release: the worker %s, the page opened offline is release %q (want activated, 2)", r.Worker, r.Marker)
	}
	second := shellOnly("after a release", got.Release.Shell)
	if second == first {
		t.Errorf("a release kept the cache name %s", first)
	}
	// A release whose icon is answered no-store: not installed, the shell
	// in place kept whole and opened offline.
	if r := got.NoStore; r.Worker != "redundant" || r.Marker != "2" {
		t.Errorf("a release with a no-store file: the worker %s, the page opened offline is release %q (want redundant, 2)", r.Worker, r.Marker)
	}
	if third := shellOnly("after a release with a no-store file", got.NoStore.Shell); third != second {
		t.Errorf("a release with a no-store file replaced the cache %s by %s", second, third)
	}
	if w := got.NoWorker; w.State != "none" || w.Text != zh["ins.noOffline"] {
		t.Errorf("in a browser without service workers: %+v, want the page to say %q", w, zh["ins.noOffline"])
	}
	if len(got.Missing) != 0 {
		t.Errorf("keys missing from the catalogue: %q", got.Missing)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range outside {
		if !strings.HasPrefix(u, "/favicon.ico") {
			t.Errorf("the page asked for %s, outside /greenreach/", u)
		}
	}
}
