package static_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/static"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// caseTokens makes a token of each named role (name → role; a unit token
// speaks for unit U01) and returns NAME_TOKEN=secret lines for node.
func caseTokens(t *testing.T, st store.Store, roles map[string]string) (env []string, secrets map[string]string) {
	t.Helper()
	secrets = map[string]string{}
	for name, role := range roles {
		secret, hash := store.NewToken()
		tk := &store.Token{Name: name, Role: role, Hash: hash}
		if role == store.RoleUnit {
			tk.Unit = "U01"
		}
		if err := st.CreateToken(context.Background(), tk); err != nil {
			t.Fatal(err)
		}
		env = append(env, strings.ToUpper(role)+"_TOKEN="+secret)
		secrets[role] = secret
	}
	return env, secrets
}

// writeJPEG writes a w×h JPEG of noise (which compresses badly, as a
// camera's photo does) and returns its path and size.
func writeJPEG(t *testing.T, name string, w, h int) (string, int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(rng.IntN(256)), uint8(y * 255 / h), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Len()
}

// apiGet answers GET path with token, decoded into out (nil: not decoded);
// it returns the body.
func apiGet(t *testing.T, base, path, token string, out any) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, buf.String())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return buf.Bytes()
}

// testCase is what the tests read of a case from the API.
type testCase struct {
	ID          int64
	Version     int64
	Category    string
	State       string
	Lon, Lat    float64
	Description string
	Source      string
	Reporter    string
	Unit        string
	History     []struct {
		Action string
		Who    string
		Photos []int64
	}
}

// cityPark is the demo town's largest named park: a place inside the city.
func cityPark(t *testing.T, snap *index.Snapshot) *geo.Feature {
	t.Helper()
	var park *geo.Feature
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		if f.Text("kind") == "park" && f.Text("name") != "" && (park == nil || f.Float("area_m2") > park.Float("area_m2")) {
			park = f
		}
		return true
	})
	if park == nil {
		t.Fatal("no named park in the demo town")
	}
	return park
}

// TestInspectPageInBrowser: the inspector's phone page in a phone viewport
// (390×844, touch) with a mocked position: the place is the position, a
// report with a photo from the file input is stored as a case at that
// place with that photo; then, offline, a second report (a large photo,
// its place moved on the map) is kept and shown as waiting (待发送 1 条),
// and once the network returns it is sent by itself and stored exactly
// once, its photo downscaled on the phone; a third report, whose answer is
// lost after the service stored it, is sent again with the same
// Idempotency-Key and answered with the stored case, not stored twice. The list of my reports shows them with their states. Screenshots land in test-artifacts/.
func TestInspectPageInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	env, secrets := caseTokens(t, st, map[string]string{"inspector1": store.RoleInspector})
	park := cityPark(t, ix.Snapshot())
	c := park.Geom.Bound().Center()
	small, _ := writeJPEG(t, "small.jpg", 64, 48)
	big, bigBytes := writeJPEG(t, "big.jpg", 3000, 2000)
	if bigBytes < 2<<20 {
		t.Fatalf("the large photo is only %d bytes: it would not be downscaled", bigBytes)
	}
	var got struct {
		Point      struct{ Lon, Lat float64 }
		Online     struct{ ID int64 }
		QueueText  string
		QueuedIDB  int
		Adjusted   struct{ Lon, Lat float64 }
		Photo      struct{ Bytes, Original int }
		Offline    struct{ ID int64 }
		QueueAfter int
		LostQueued int
		Lost       struct {
			ID     int64
			Key    string
			Repeat bool
		}
		LostPosts []struct {
			Key    string
			Status int
			Lost   bool
		}
		Mine []struct {
			ID    int64
			State string
		}
		MineText    []string
		StatusAfter string
		Layout      struct{ ScrollWidth, Width, SubmitHeight float64 }
		Missing     []string
		English     struct {
			Lang, Category, Submit string
			Missing                []string
		}
		Problems []string
	}
	dir := artifacts(t)
	runNode(t, &got, env, "test/inspect.test.mjs", srv.URL, fmt.Sprint(c[0]), fmt.Sprint(c[1]), small, big, dir)

	if math.Abs(got.Point.Lon-c[0]) > 1e-6 || math.Abs(got.Point.Lat-c[1]) > 1e-6 {
		t.Errorf("the page's place %+v is not the mocked position %v", got.Point, c)
	}
	if !strings.Contains(got.QueueText, "待发送 1 条") || got.QueuedIDB != 1 {
		t.Errorf("offline: the queue says %q, IndexedDB holds %d", got.QueueText, got.QueuedIDB)
	}
	if got.StatusAfter != "已发送 1 条上报。" {
		t.Errorf("back online, the page says %q", got.StatusAfter)
	}
	if l := got.Layout; l.Width != 390 || l.ScrollWidth > l.Width || l.SubmitHeight < 44 {
		t.Errorf("on a 390 px phone: %+v (want no sideways scroll, a send button 44 px high or more)", l)
	}
	if len(got.Missing) != 0 || len(got.English.Missing) != 0 {
		t.Errorf("keys missing from the catalogues: %q, %q", got.Missing, got.English.Missing)
	}
	if e := got.English; e.Lang != "en" || e.Category != "Broken branch" || e.Submit != "Send report" {
		t.Errorf("in English: %+v", e)
	}
	if got.QueueAfter != 0 {
		t.Errorf("%d reports still queued after the network returned", got.QueueAfter)
	}
	var list struct{ Cases []testCase }
	apiGet(t, srv.URL, "/api/cases?limit=1000", secrets[store.RoleInspector], &list)
	if len(list.Cases) != 3 {
		t.Fatalf("%d cases stored, want 3 (one online, one sent after going offline, one whose answer was lost): %+v", len(list.Cases), list.Cases)
	}
	byDesc := map[string]testCase{}
	for _, k := range list.Cases {
		if _, dup := byDesc[k.Description]; dup {
			t.Errorf("%q is stored twice", k.Description)
		}
		byDesc[k.Description] = k
	}
	// The report whose answer was lost: posted twice with one key, stored
	// (201) and then answered as stored (200); one case.
	lost := byDesc["应答丢失：绿地脏乱"]
	if got.LostQueued != 1 || !got.Lost.Repeat || got.Lost.ID != lost.ID || lost.ID == 0 {
		t.Errorf("a report whose answer was lost: queued %d, then %+v; stored as %+v", got.LostQueued, got.Lost, lost)
	}
	if p := got.LostPosts; len(p) != 2 || p[0].Key == "" || p[0].Key != p[1].Key || p[0].Key != got.Lost.Key ||
		!p[0].Lost || p[0].Status != http.StatusCreated || p[1].Status != http.StatusOK {
		t.Errorf("the lost report's posts: %+v; want one stored (201, answer lost) and its retry with the same Idempotency-Key answered 200", p)
	}
	on, off := byDesc["在线上报：断枝压在人行道上"], byDesc["离线上报：垃圾满溢"]
	if on.ID != got.Online.ID || off.ID != got.Offline.ID || on.ID == 0 || off.ID == 0 {
		t.Fatalf("stored %+v; the page sent %d online and %d after going offline", list.Cases, got.Online.ID, got.Offline.ID)
	}
	if math.Abs(on.Lon-c[0]) > 1e-6 || math.Abs(on.Lat-c[1]) > 1e-6 {
		t.Errorf("the online case is at %g,%g, the position was %v", on.Lon, on.Lat, c)
	}
	if math.Abs(off.Lon-got.Adjusted.Lon) > 1e-6 || math.Abs(off.Lat-got.Adjusted.Lat) > 1e-6 || off.Lon == on.Lon && off.Lat == on.Lat {
		t.Errorf("the offline case is at %g,%g; the place moved on the map was %+v", off.Lon, off.Lat, got.Adjusted)
	}
	for _, k := range []testCase{on, off} {
		if k.State != "reported" || k.Reporter != "inspector1" || k.Source != "inspector" {
			t.Errorf("case %d: %+v", k.ID, k)
		}
	}
	if on.Category == off.Category {
		t.Errorf("both cases are %s: the second category was not taken", on.Category)
	}
	// Each case has its photo: the small one as it was, the large one
	// downscaled to at most 1600 px on the phone.
	for _, w := range []struct {
		k       testCase
		maxSide int
		wantW   int
	}{{on, 64, 64}, {off, 1600, 1600}} {
		var k testCase
		apiGet(t, srv.URL, fmt.Sprintf("/api/cases/%d", w.k.ID), secrets[store.RoleInspector], &k)
		if len(k.History) != 1 || len(k.History[0].Photos) != 1 {
			t.Errorf("case %d: history %+v, want one report with one photo", k.ID, k.History)
			continue
		}
		body := apiGet(t, srv.URL, fmt.Sprintf("/api/cases/%d/photos/%d", k.ID, k.History[0].Photos[0]), secrets[store.RoleInspector], nil)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || format != "jpeg" || cfg.Width != w.wantW || max(cfg.Width, cfg.Height) > w.maxSide {
			t.Errorf("case %d: photo %s %dx%d (%v), want a JPEG %d wide", k.ID, format, cfg.Width, cfg.Height, err, w.wantW)
		}
	}
	if got.Photo.Original != bigBytes || got.Photo.Bytes >= bigBytes {
		t.Errorf("the large photo: %+v, %d bytes on disk", got.Photo, bigBytes)
	}
	// My reports: both, newest first, with the state the API gives.
	if len(got.Mine) != 3 || got.Mine[0].ID != got.Lost.ID || got.Mine[1].ID != off.ID || got.Mine[2].ID != on.ID || got.Mine[1].State != "reported" || got.Mine[2].State != "reported" {
		t.Errorf("my reports: %+v", got.Mine)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("online case %d at %.6f,%.6f; offline case %d at %.6f,%.6f, photo %d → %d bytes; my list %q",
		on.ID, on.Lon, on.Lat, off.ID, off.Lon, off.Lat, bigBytes, got.Photo.Bytes, got.MineText)
}

// postCase reports a case through the API as token's holder.
func postCase(t *testing.T, base, token, category string, p orb.Point, desc string) int64 {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"category": category, "lon": p[0], "lat": p[1], "description": desc})
	req, _ := http.NewRequest("POST", base+"/api/cases", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var k testCase
	json.NewDecoder(resp.Body).Decode(&k)
	if resp.StatusCode != http.StatusCreated || k.ID == 0 {
		t.Fatalf("POST /api/cases: %d %+v", resp.StatusCode, k)
	}
	return k.ID
}

// TestCaseBoardInBrowser: the dispatcher's board on three reported cases:
// the category and state filters list what the API lists; a case is
// registered and then dispatched to a unit from its page, the list and
// history following; a step on a case another dispatcher moved meanwhile
// is refused (412) and the page shows the case as it is now; a case is
// rejected with a reason. The stored cases' histories are checked.
// Screenshots land in test-artifacts/.
func TestCaseBoardInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	env, secrets := caseTokens(t, st, map[string]string{"inspector1": store.RoleInspector, "dispatcher1": store.RoleDispatcher})
	// Three places far apart (no duplicates): the largest park and two
	// other green spaces.
	var places []orb.Point
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		c := f.Geom.Bound().Center()
		for _, p := range places {
			if geo.Distance(p, c) < 300 {
				return true
			}
		}
		places = append(places, c)
		return len(places) < 3
	})
	if len(places) < 3 {
		t.Fatalf("only %d green spaces 300 m apart in the demo town", len(places))
	}
	ins := secrets[store.RoleInspector]
	a := postCase(t, srv.URL, ins, "broken_branch", places[0], "断枝 A")
	b := postCase(t, srv.URL, ins, "broken_branch", places[1], "断枝 B")
	c := postCase(t, srv.URL, ins, "overflowing_bin", places[2], "垃圾满溢 C")

	var got struct {
		Initial, ByCategory, ByState, Dispatched, Overdue []int64
		AfterRegister, AfterDispatch                      struct{ State, Unit string }
		Conflict                                          struct {
			State, Notice string
			Conflicts     int
			Actions       []string
		}
		Rejected  struct{ State, Reason string }
		History   []string
		Anonymous string
		Missing   []string
		English   struct {
			Lang, State    string
			Heads, Missing []string
		}
		Problems []string
	}
	dir := artifacts(t)
	runNode(t, &got, env, "test/cases.test.mjs", srv.URL, fmt.Sprint(a), fmt.Sprint(b), fmt.Sprint(c), dir)

	ids := func(q string) []int64 {
		var l struct{ Cases []testCase }
		apiGet(t, srv.URL, "/api/cases?"+q, secrets[store.RoleDispatcher], &l)
		out := []int64{}
		for _, k := range l.Cases {
			out = append(out, k.ID)
		}
		return out
	}
	same := func(what string, page, want []int64) {
		if fmt.Sprint(page) != fmt.Sprint(want) {
			t.Errorf("%s: the page lists %v, want %v", what, page, want)
		}
	}
	same("all cases", got.Initial, []int64{c, b, a})
	same("category overflowing_bin", got.ByCategory, []int64{c})
	same("state reported", got.ByState, []int64{c, b, a})
	same("state dispatched", got.Dispatched, ids("state=dispatched"))
	same("state dispatched", got.Dispatched, []int64{a})
	same("overdue", got.Overdue, ids("overdue=true"))
	if got.AfterRegister.State != "registered" || got.AfterDispatch.State != "dispatched" || got.AfterDispatch.Unit != "U01" {
		t.Errorf("register then dispatch: %+v, %+v", got.AfterRegister, got.AfterDispatch)
	}
	if got.Conflict.Conflicts != 1 || got.Conflict.State != "registered" || !strings.Contains(got.Conflict.Notice, "已被他人更新") || fmt.Sprint(got.Conflict.Actions) != "[dispatch]" {
		t.Errorf("a step on a case moved meanwhile: %+v", got.Conflict)
	}
	if got.Rejected.State != "rejected" || got.Rejected.Reason != "不属于绿化范围" {
		t.Errorf("reject: %+v", got.Rejected)
	}
	// What is stored: who took which step.
	for _, w := range []struct {
		id      int64
		state   string
		actions string
	}{{a, "dispatched", "report/inspector1 register/dispatcher1 dispatch/dispatcher1"}, {b, "registered", "report/inspector1 register/dispatcher1"}, {c, "rejected", "report/inspector1 reject/dispatcher1"}} {
		var k testCase
		apiGet(t, srv.URL, fmt.Sprintf("/api/cases/%d", w.id), secrets[store.RoleDispatcher], &k)
		var hist []string
		for _, e := range k.History {
			hist = append(hist, e.Action+"/"+e.Who)
		}
		if k.State != w.state || strings.Join(hist, " ") != w.actions {
			t.Errorf("case %d: %s, history %v; want %s, %s", w.id, k.State, hist, w.state, w.actions)
		}
	}
	if len(got.Missing) != 0 || len(got.English.Missing) != 0 {
		t.Errorf("keys missing from the catalogues: %q, %q", got.Missing, got.English.Missing)
	}
	if e := got.English; e.Lang != "en" || e.State != "Dispatched" || len(e.Heads) != 5 || e.Heads[1] != "Category" {
		t.Errorf("in English: %+v", e)
	}
	if !strings.Contains(got.Anonymous, "调度员") {
		t.Errorf("the board without a token says %q", got.Anonymous)
	}
	if len(got.History) != 3 {
		t.Errorf("the page shows case %d's history as %q", a, got.History)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
}

// TestCaseBoardStepsMatchWorkflow: the board's table of a dispatcher's
// steps (cases.js) is cases.Workflow's rows for the dispatcher, and asks
// for a note wherever the workflow requires one.
func TestCaseBoardStepsMatchWorkflow(t *testing.T) {
	b, err := fs.ReadFile(static.FS, "cases.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)const steps = \{(.*?)\n\};`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no steps table in cases.js")
	}
	page := map[string]bool{} // "from action" → asks for a note
	for _, row := range regexp.MustCompile(`(\w+): \[(.*)\],`).FindAllSubmatch(m[1], -1) {
		for _, s := range regexp.MustCompile(`\{ action: '(\w+)', fields: \[([^\]]*)\] \}`).FindAllSubmatch(row[2], -1) {
			page[string(row[1])+" "+string(s[1])] = strings.Contains(string(s[2]), "'note'")
		}
	}
	rows := 0
	for _, tr := range cases.Workflow {
		if tr.From == "" || !slices.Contains(tr.Roles, cases.RoleDispatcher) {
			continue
		}
		rows++
		note, ok := page[tr.From+" "+tr.Action]
		if !ok {
			t.Errorf("cases.js offers no %s from %s", tr.Action, tr.From)
		} else if tr.Note && !note {
			t.Errorf("cases.js's %s from %s asks for no note; the workflow requires one", tr.Action, tr.From)
		}
	}
	if rows < 5 || len(page) != rows {
		t.Errorf("cases.js offers %d steps %v; the workflow has %d for a dispatcher", len(page), page, rows)
	}
}
