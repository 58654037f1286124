package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/api"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/static"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb/geojson"
)

// required fails the test when CI (or GREENREACH_REQUIRE_TOOLS) says the
// part must be there, and skips it otherwise.
func required(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
		t.Fatalf("required for the browser tests: %s", what)
	}
	t.Skipf("missing: %s", what)
}

// browserServer serves an OSM extract of testdata/osm from a memory
// store, as `greenreach serve` would, and checks the browser test's parts.
func browserServer(t *testing.T, extract string) (*httptest.Server, *live.Index, store.Store) {
	t.Helper()
	needBrowser(t)
	path := storetest.SharedData(t, extract)

	ctx := context.Background()
	st := memstore.New()
	if _, _, err := osm.ImportFile(ctx, st, path, osm.Options{}); err != nil {
		t.Fatal(err)
	}
	return serve(t, st)
}

// needBrowser checks node, playwright-core, chromium and the built-in map
// libraries.
func needBrowser(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("node")
	required(t, err == nil, "node (nodejs)")
	_, err = os.Stat("node_modules/playwright-core")
	required(t, err == nil, "static/node_modules/playwright-core (npm ci in static/)")
	_, err = os.Stat(chromium())
	required(t, err == nil, "chromium (Debian package)")
	required(t, static.HasLib(), "static/lib: the map libraries (make assets) before building")
}

func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// artifacts is where screenshots go: test-artifacts/ at the repository root.
func artifacts(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "test-artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runNode runs a browser test script and decodes the JSON line it prints.
func runNode(t *testing.T, out any, env []string, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s\n%s", script, err, stderr.String(), raw)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		t.Fatalf("node %s printed %q: %v", script, raw, err)
	}
}

// areaText is how the pages print an area's square metres.
func areaText(m2 float64) string {
	n := int64(math.Round(m2))
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " m²"
}

// TestPublicMapInBrowser: the public map in chromium, on Chengdu: parks
// are drawn, search by Chinese name finds the park, clicking it (in the
// list and on the map) shows its stored area, clicking off the parks lists
// the nearest by walking with the API's distances, and the page fits a
// phone. Screenshots land in test-artifacts/.
func TestPublicMapInBrowser(t *testing.T) {
	srv, ix, _ := browserServer(t, "chengdu.osm.pbf")
	snap := ix.Snapshot()
	green := snap.Layer(geo.Green)
	// The largest named park: its name is what a visitor would type.
	var park *geo.Feature
	green.Scan(func(f *geo.Feature) bool {
		if f.Text("kind") == "park" && f.Text("name") != "" && (park == nil || f.Float("area_m2") > park.Float("area_m2")) {
			park = f
		}
		return true
	})
	if park == nil {
		t.Fatal("no named park in Chengdu")
	}
	var got struct {
		Rendered    []int64
		Attribution string
		Results     []string
		SearchPopup struct{ Title, Area string }
		Selected    struct {
			ID     int64
			AreaM2 float64 `json:"area_m2"`
		}
		ClickPopup struct {
			Selected struct{ ID int64 }
			Area     string
		}
		Nearest struct {
			By       string
			Lon, Lat float64
			Features []struct {
				ID        int64
				Name      string
				DistanceM float64 `json:"distance_m"`
			}
		}
		Problems []string
	}
	dir := artifacts(t)
	runNode(t, &got, nil, "test/map.test.mjs", srv.URL, park.Text("name"), dir)

	// Every rendered park is a stored green feature.
	for _, id := range got.Rendered {
		if _, ok := green.Get(id); !ok {
			t.Errorf("rendered green feature %d is not in the index", id)
		}
	}
	if len(got.Rendered) < 10 {
		t.Errorf("only %d parks rendered of %d", len(got.Rendered), green.Len())
	}
	if !strings.Contains(got.Attribution, "OpenStreetMap contributors") {
		t.Errorf("attribution %q", got.Attribution)
	}
	if len(got.Results) == 0 || !strings.HasPrefix(got.Results[0], park.Text("name")) {
		t.Errorf("search %q: results %q", park.Text("name"), got.Results)
	}
	want := areaText(park.Float("area_m2"))
	if got.Selected.ID != park.ID || got.SearchPopup.Title != park.Text("name") || !strings.Contains(got.SearchPopup.Area, want) {
		t.Errorf("picked from search: %+v %+v; want park %d, area %s", got.Selected, got.SearchPopup, park.ID, want)
	}
	if got.ClickPopup.Selected.ID != park.ID || !strings.Contains(got.ClickPopup.Area, want) {
		t.Errorf("clicked on the map: %+v; want park %d, area %s", got.ClickPopup, park.ID, want)
	}
	// The nearest list is what the API answers for that point.
	rec := httptest.NewRecorder()
	api.New(api.DefaultConfig(), nil, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler().ServeHTTP(rec,
		httptest.NewRequest("GET", fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f&layer=green&k=5&by=%s&meters=3000", got.Nearest.Lon, got.Nearest.Lat, got.Nearest.By), nil))
	var fc struct {
		Features []struct {
			ID         int64
			Properties struct {
				DistanceM float64 `json:"distance_m"`
			}
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &fc)
	if len(got.Nearest.Features) == 0 || len(got.Nearest.Features) != len(fc.Features) {
		t.Fatalf("nearest: the page lists %d, the API %d", len(got.Nearest.Features), len(fc.Features))
	}
	for i, f := range got.Nearest.Features {
		if f.ID != fc.Features[i].ID || math.Abs(f.DistanceM-fc.Features[i].Properties.DistanceM) > 0.05 {
			t.Errorf("nearest %d: page %d at %.1f m, API %d at %.1f m", i, f.ID, f.DistanceM, fc.Features[i].ID, fc.Features[i].Properties.DistanceM)
		}
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("%d parks rendered; %q found and clicked (%s); nearest %d by %s, first at %.0f m; screenshots in %s",
		len(got.Rendered), park.Text("name"), want, len(got.Nearest.Features), got.Nearest.By, got.Nearest.Features[0].DistanceM, dir)
}

// TestPlannerAndAuditorInBrowser: on the demo town, a planner draws a park
// around the residents farthest from any park, sees every rule's delta
// (residents newly covered, the 500 m rule rising), saves the scenario,
// reloads the page and finds it with the same figures, which equal a full
// recompute of the stored scenario; the auditor's page shows the rule
// table and the chart. Screenshots land in test-artifacts/.
func TestPlannerAndAuditorInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	ctx := context.Background()
	before, err := coverage.Run(ctx, ix.Snapshot(), coverage.Default(), coverage.Options{Mode: coverage.Walk})
	if err != nil {
		t.Fatal(err)
	}
	walk := before.Results[0] // park-500m-walk
	var far *coverage.Parcel
	for _, p := range before.Parcels {
		d, ok := walk.Distance.Get(p.ID)
		if !ok {
			d = math.Inf(1)
		}
		if p.Population > 0 && d > walk.Rule.Meters && (far == nil || d > walk.Distance.Of(far.ID) || math.IsInf(d, 1)) {
			far = p
		}
	}
	if far == nil {
		t.Fatal("every resident of the demo town is within 500 m of a park")
	}
	var got struct {
		Delta []struct {
			ID            string
			Before, After float64
			Newly         int64
		}
		TableRows int
		Saved     struct{ ID, Version int64 }
		Reloaded  struct {
			URL    string
			Saved  struct{ ID int64 }
			Listed []string
			Delta  []struct {
				ID    string
				After float64
				Newly int64
			}
			Drawn int
		}
		Suggested []struct {
			GainResidents int64 `json:"gain_residents"`
			Rank          int
		}
		Problems []string
		Auditor  struct {
			Table struct{ Rows, Cells, Fails int }
			Chart struct {
				Rule string
				Bars int
			}
			Bars, PassCells, FailCells, Gaps int
			CSV                              struct {
				Status int
				Name   string
				Bytes  int
			}
		}
		AnonymousAuditor string
		Report           struct {
			Status, Tables, Rows, MapShapes int
			Type                            string
			MapWidth                        float64
		}
	}
	dir := artifacts(t)
	// A planner draws and saves; an auditor audits: each with a token of
	// that role, as `greenreach token create` makes them.
	var env []string
	for _, tk := range []struct{ name, role, env string }{{"planner1", store.RolePlanner, "PLANNER_TOKEN"}, {"auditor1", store.RoleAuditor, "AUDITOR_TOKEN"}} {
		secret, hash := store.NewToken()
		if err := st.CreateToken(ctx, &store.Token{Name: tk.name, Role: tk.role, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		env = append(env, tk.env+"="+secret)
	}
	runNode(t, &got, env, "test/planner.test.mjs", srv.URL, fmt.Sprint(far.Point[0]), fmt.Sprint(far.Point[1]), dir)

	if len(got.Delta) != len(before.Results) || got.TableRows != len(before.Results) {
		t.Fatalf("delta for %d rules, %d table rows; %d rules", len(got.Delta), got.TableRows, len(before.Results))
	}
	d0 := got.Delta[0]
	if d0.ID != walk.Rule.ID || d0.Newly <= 0 || d0.After <= d0.Before {
		t.Errorf("the 500 m rule did not rise: %+v", d0)
	}
	// The stored scenario, recomputed in full, gives the page's figures.
	sc, err := st.GetScenario(ctx, got.Saved.ID)
	if err != nil {
		t.Fatalf("the saved scenario %d: %v", got.Saved.ID, err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(sc.Edits)
	if err != nil || len(fc.Features) != 1 || fc.Features[0].Properties["op"] != "add" {
		t.Fatalf("stored edits: %v %s", err, sc.Edits)
	}
	f := &geo.Feature{Layer: geo.Green, Source: "test", SourceID: "1", Geom: fc.Features[0].Geometry, Props: map[string]any{"kind": "park", "public": true, "name": "x"}}
	if err := geo.Prepare(f); err != nil {
		t.Fatal(err)
	}
	f.ID = -1
	after, err := coverage.Run(ctx, ix.Snapshot().With([]*geo.Feature{f}, nil), coverage.Default(), coverage.Options{Mode: coverage.Walk})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range after.Results {
		want := r.Units[0].Value
		if math.Abs(got.Delta[i].After-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: the page says %g after, a full recompute %g", r.Rule.ID, got.Delta[i].After, want)
		}
	}
	rl := got.Reloaded
	if rl.Saved.ID != got.Saved.ID || !strings.Contains(rl.URL, fmt.Sprintf("scenario=%d", got.Saved.ID)) || rl.Drawn != 1 ||
		len(rl.Listed) != 1 || !strings.Contains(rl.Listed[0], "东区新公园") {
		t.Errorf("after a reload: %+v", rl)
	}
	for i := range rl.Delta {
		if rl.Delta[i].After != got.Delta[i].After || rl.Delta[i].Newly != got.Delta[i].Newly {
			t.Errorf("after a reload %s: %+v, before it %+v", rl.Delta[i].ID, rl.Delta[i], got.Delta[i])
		}
	}
	if len(got.Suggested) == 0 || got.Suggested[0].GainResidents <= 0 {
		t.Errorf("suggestions: %+v", got.Suggested)
	}
	// The auditor's table holds every unit × rule the audit reports.
	cells, fails := 0, 0
	for _, r := range before.Results {
		for _, u := range r.Units {
			cells++
			if !u.Pass {
				fails++
			}
		}
	}
	au := got.Auditor
	if au.Table.Cells != cells || au.Table.Fails != fails || au.PassCells+au.FailCells != cells || au.Bars == 0 || au.Chart.Bars != au.Bars || au.CSV.Status != 200 || au.CSV.Bytes < 100 {
		t.Errorf("auditor page: %+v; the audit has %d unit figures, %d failing", au, cells, fails)
	}
	if rp := got.Report; rp.Status != 200 || !strings.HasPrefix(rp.Type, "text/html") || rp.Tables < len(before.Results) || rp.Rows < cells/len(before.Results) || rp.MapShapes < 100 || rp.MapWidth < 300 {
		t.Errorf("the HTML report in the browser: %+v", rp)
	}
	if !strings.Contains(got.AnonymousAuditor, "token") {
		t.Errorf("the auditor's page without a token says %q", got.AnonymousAuditor)
	}
	if sc.Author != "planner1" {
		t.Errorf("the scenario's author is %q, not the token's name", sc.Author)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("park drawn at %.5f,%.5f: +%d residents within 500 m (%.1f%% → %.1f%%); scenario %d saved and reloaded; auditor: %d rows, %d figures, %d failing, %d bars, %d belt gaps",
		far.Point[0], far.Point[1], d0.Newly, 100*d0.Before, 100*d0.After, got.Saved.ID, au.Table.Rows, cells, fails, au.Bars, au.Gaps)
}

// demoBrowserServer serves the small demo town from a GeoPackage (the
// default store) in a temporary directory.
func demoBrowserServer(t *testing.T) (*httptest.Server, *live.Index, store.Store) {
	t.Helper()
	needBrowser(t)
	return serve(t, demoStore(t))
}

// demoStore is the small demo town in a GeoPackage in a temporary
// directory, closed when the test ends.
func demoStore(t *testing.T) *gpkg.Store {
	t.Helper()
	ctx := context.Background()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "demo.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: "small"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// serve indexes st and serves it as `greenreach serve` would.
func serve(t *testing.T, st store.Store) (*httptest.Server, *live.Index, store.Store) {
	t.Helper()
	ix, err := live.Load(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.DefaultConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	t.Cleanup(srv.Close)
	return srv, ix, st
}
