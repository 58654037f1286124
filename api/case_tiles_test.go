package api

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// tileCase is a case stored as it is for the tile tests.
func (e *caseEnv) tileCase(cat, state, unit string, p orb.Point, at time.Time, deadline *time.Time) *store.Case {
	e.t.Helper()
	c := &store.Case{Category: cat, State: state, Point: p, Description: "desc " + secretComment, Source: "inspector", Reporter: "insp-wang",
		Contact: secretContact, Unit: unit, Reported: at, Updated: at, Deadline: deadline}
	ev := &store.CaseEvent{At: at, Who: "insp-wang", Role: store.RoleInspector, Action: cases.ActReport, To: cases.Reported}
	if err := e.st.CreateCase(context.Background(), c, ev, nil); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// tileOf asks for a tile and decodes it (layers by name, in lon/lat).
func (e *caseEnv) tileOf(path, as string, t maptile.Tile) (map[string]*mvt.Layer, *httptest.ResponseRecorder) {
	e.t.Helper()
	rec := e.do(req{method: "GET", path: path, as: as})
	if rec.Code != 200 {
		e.t.Fatalf("%s as %q: %d %s", path, as, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
		e.t.Errorf("%s: Content-Type %s", path, ct)
	}
	ls, err := mvt.Unmarshal(rec.Body.Bytes())
	if err != nil {
		e.t.Fatalf("%s: %v", path, err)
	}
	ls.ProjectToWGS84(t)
	out := map[string]*mvt.Layer{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out, rec
}

func caseTilePath(prefix string, t maptile.Tile, query string) string {
	p := fmt.Sprintf("%s/%d/%d/%d.mvt", prefix, t.Z, t.X, t.Y)
	if query != "" {
		p += "?" + query
	}
	return p
}

// TestCaseTiles: at high zoom the staff's tile draws each case of the
// window and filters as a point with its id, state, category, overdue
// flag and day, as a brute-force selection of the stored cases says; a
// unit's token sees its own cases only; at low zoom, and where a tile
// holds more than cases.MaxTilePoints, the tile draws cells whose counts
// add up to the cases inside; a second ask is a cache hit.
func TestCaseTiles(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	day := func(d int) time.Time { return caseT0.AddDate(0, 0, d) }
	due := day(-5)
	var all []*store.Case
	t15 := maptile.At(orb.Point{104.063, 30.652}, 15)
	b15 := t15.Bound()
	in := func(fx, fy float64) orb.Point {
		return orb.Point{b15.Min[0] + fx*(b15.Max[0]-b15.Min[0]), b15.Min[1] + fy*(b15.Max[1]-b15.Min[1])}
	}
	pts := []orb.Point{in(0.1, 0.2), in(0.3, 0.9), in(0.55, 0.5), in(0.95, 0.05), {104.15, 30.65}}
	for i, p := range pts {
		st, unit, dl := cases.Dispatched, "U01", &due
		if i%2 == 1 {
			st, unit, dl = cases.Reported, "", nil
		}
		if i == 4 {
			unit = "U02"
		}
		cat := []string{"broken_branch", "exposed_garbage"}[i%2]
		all = append(all, e.tileCase(cat, st, unit, p, day(-i*10), dl))
	}
	for _, p := range pts[:4] {
		if !t15.Bound().Contains(p) {
			t.Fatalf("the fixture: %v is not in tile %v", p, t15)
		}
	}
	want := func(a store.CaseArea) []int64 {
		var ids []int64
		for _, c := range all {
			if a.Bound.Contains(c.Point) && !c.Reported.Before(a.From) && c.Reported.Before(a.Before) && (a.Unit == "" || a.Unit == c.Unit) &&
				(a.Category == "" || a.Category == c.Category) && (len(a.States) == 0 || slices.Contains(a.States, c.State)) {
				ids = append(ids, c.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	start := func(d int) time.Time { y, m, dd := day(d).Date(); return time.Date(y, m, dd, 0, 0, 0, 0, cases.Day) }
	for _, c := range []struct {
		as, query string
		area      store.CaseArea
	}{
		{"disp-li", "", store.CaseArea{From: start(-29), Before: start(1)}},
		{"disp-li", "from=2025-12-01&to=2026-03-02", store.CaseArea{From: start(-91), Before: start(1)}},
		{"audit-zhao", "from=2026-01-01&to=2026-02-20", store.CaseArea{From: start(-60), Before: start(-9)}},
		{"plan-chen", "from=2025-12-01&state=dispatched", store.CaseArea{From: start(-91), Before: start(1), States: []string{cases.Dispatched}}},
		{"insp-wang", "from=2025-12-01&category=exposed_garbage", store.CaseArea{From: start(-91), Before: start(1), Category: "exposed_garbage"}},
		{"dh-team", "from=2025-12-01", store.CaseArea{From: start(-91), Before: start(1), Unit: "U01"}},
		{"jj-team", "from=2025-12-01", store.CaseArea{From: start(-91), Before: start(1), Unit: "U02"}},
	} {
		c.area.Bound = t15.Bound()
		ls, _ := e.tileOf(caseTilePath("/api/cases/tiles", t15, c.query), c.as, t15)
		var got []int64
		if l := ls[cases.TileLayer]; l != nil {
			for _, f := range l.Features {
				id := int64(f.Properties["id"].(float64))
				got = append(got, id)
				k := all[slices.IndexFunc(all, func(k *store.Case) bool { return k.ID == id })]
				if f.Properties["state"] != k.State || f.Properties["category"] != k.Category ||
					f.Properties["opened"] != k.Reported.In(time.FixedZone("", 8*3600)).Format("2006-01-02") ||
					f.Properties["overdue"] != (k.Deadline != nil && caseT0.After(*k.Deadline)) {
					t.Errorf("%s %s: case %d drawn as %v", c.as, c.query, id, f.Properties)
				}
				if p := f.Geometry.(orb.Point); math.Abs(p[0]-k.Point[0]) > 1e-5 || math.Abs(p[1]-k.Point[1]) > 1e-5 {
					t.Errorf("case %d at %v, stored at %v", id, p, k.Point)
				}
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(want(c.area)) {
			t.Errorf("%s %s: cases %v, want %v", c.as, c.query, got, want(c.area))
		}
		if ls[cases.HeatLayer] != nil {
			t.Errorf("%s %s: a heat layer at zoom 15", c.as, c.query)
		}
	}

	// Low zoom: cells, whose counts add up.
	t10 := maptile.At(orb.Point{104.1, 30.65}, 10)
	ls, rec := e.tileOf(caseTilePath("/api/cases/tiles", t10, "from=2025-12-01"), "disp-li", t10)
	if ls[cases.TileLayer] != nil || ls[cases.HeatLayer] == nil {
		t.Fatalf("zoom 10: layers %v", ls)
	}
	if n := heatCount(ls[cases.HeatLayer]); n != len(want(store.CaseArea{Bound: t10.Bound(), From: start(-91), Before: start(1)})) {
		t.Errorf("zoom 10: %d cases counted", n)
	}
	if rec.Header().Get("X-Cache") != "MISS" || rec.Header().Get("Cache-Control") != "private, no-cache" {
		t.Errorf("first ask: %v", rec.Header())
	}
	if _, rec := e.tileOf(caseTilePath("/api/cases/tiles", t10, "from=2025-12-01"), "disp-li", t10); rec.Header().Get("X-Cache") != "HIT" {
		t.Errorf("second ask: X-Cache %s", rec.Header().Get("X-Cache"))
	}
	// Another unit's ask is not the first's answer.
	ls, _ = e.tileOf(caseTilePath("/api/cases/tiles", t10, "from=2025-12-01"), "jj-team", t10)
	if n := heatCount(ls[cases.HeatLayer]); n != 1 {
		t.Errorf("unit U02 at zoom 10: %d cases", n)
	}

	// More cases than a tile draws as points: cells.
	var many []store.NewCase
	for i := range cases.MaxTilePoints + 1 {
		at := day(-1)
		many = append(many, store.NewCase{Case: &store.Case{Category: "overflowing_bin", State: cases.Registered,
			Point: in(0.1+float64(i%50)*0.01, 0.1+float64(i/50)*0.01), Source: "inspector", Reported: at, Updated: at},
			Event: &store.CaseEvent{At: at, Who: "x", Role: store.RoleInspector, Action: cases.ActReport, To: cases.Reported}})
	}
	if _, err := e.st.CreateCases(context.Background(), many); err != nil {
		t.Fatal(err)
	}
	ls, _ = e.tileOf(caseTilePath("/api/cases/tiles", t15, "category=overflowing_bin"), "disp-li", t15)
	if ls[cases.TileLayer] != nil || heatCount(ls[cases.HeatLayer]) != cases.MaxTilePoints+1 {
		t.Errorf("a crowded tile: layers %v, %d counted", ls, heatCount(ls[cases.HeatLayer]))
	}
}

func heatCount(l *mvt.Layer) int {
	if l == nil {
		return 0
	}
	n := 0
	for _, f := range l.Features {
		n += int(f.Properties["count"].(float64))
	}
	return n
}

// TestCaseTilesRefusals: who may not, and what is out of bounds, each a
// problem naming its limit.
func TestCaseTilesRefusals(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	for _, c := range []struct {
		path, as string
		status   int
		detail   string
	}{
		{"/api/cases/tiles/15/26000/13000.mvt", "", 401, "needs a token"},
		{"/api/cases/tiles/3/6/3.mvt", "disp-li", 400, "from zoom 4 to 20"},
		{"/api/cases/tiles/21/0/0.mvt", "disp-li", 400, "from zoom 4 to 20"},
		{"/api/cases/tiles/10/5000/0.mvt", "disp-li", 400, "within 0–1023"},
		{"/api/cases/tiles/10/800/400.mvt?from=2024-01-01&to=2026-01-01", "disp-li", 400, "limit of 366"},
		{"/api/cases/tiles/10/800/400.mvt?from=2026-02-01&to=2026-01-01", "disp-li", 400, "empty"},
		{"/api/cases/tiles/10/800/400.mvt?from=2026-2-1", "disp-li", 400, "YYYY-MM-DD"},
		{"/api/cases/tiles/10/800/400.mvt?state=lost", "disp-li", 400, "want one of"},
		{"/api/cases/tiles/10/800/400.mvt?category=nope", "disp-li", 400, "not a case category"},
		{"/api/cases/tiles/10/800/400.mvt?bbox=1,2,3,4", "disp-li", 400, "unknown parameter"},
		{"/api/cases/public/tiles/17/0/0.mvt", "", 400, "from zoom 4 to 16"},
		{"/api/cases/public/tiles/10/800/400.mvt?state=reported", "", 400, "unknown parameter"},
	} {
		rec := e.do(req{method: "GET", path: c.path, as: c.as})
		e.problem(rec, c.status, c.path)
		if !strings.Contains(rec.Body.String(), c.detail) {
			t.Errorf("%s: %s, want %q", c.path, rec.Body, c.detail)
		}
	}
}

// TestPublicCaseTiles: the public's tile draws registered cases only,
// with state, category and day — no id, no overdue flag, nothing else —
// at points rounded as cases.PublicPoint rounds them, not where they are.
func TestPublicCaseTiles(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	exact := []orb.Point{{104.061234, 30.651234}, {104.063166, 30.652377}}
	reg := e.tileCase("broken_branch", cases.Registered, "U01", exact[0], caseT0.AddDate(0, 0, -3), nil)
	e.tileCase("exposed_garbage", cases.Reported, "", exact[1], caseT0.AddDate(0, 0, -2), nil)
	t16 := maptile.At(exact[0], 16)
	ls, rec := e.tileOf(caseTilePath("/api/cases/public/tiles", t16, ""), "", t16)
	if !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public") {
		t.Errorf("Cache-Control %s", rec.Header().Get("Cache-Control"))
	}
	l := ls[cases.TileLayer]
	if l == nil || len(l.Features) != 1 {
		t.Fatalf("public tile: %v", ls)
	}
	f := l.Features[0]
	if len(f.Properties) != 3 || f.Properties["state"] != cases.Registered || f.Properties["category"] != "broken_branch" || f.Properties["opened"] != "2026-02-27" || f.ID != nil {
		t.Errorf("public feature %v id %v", f.Properties, f.ID)
	}
	p := f.Geometry.(orb.Point)
	round := orb.Point{104.0612, 30.6512}
	if math.Abs(p[0]-round[0]) > 3e-6 || math.Abs(p[1]-round[1]) > 3e-6 {
		t.Errorf("public point %v, want about %v (rounded from %v)", p, round, reg.Point)
	}
}

// TestCaseTileCache: a kept tile is served until its time is up or a
// case is written; the cache never holds more bytes than its bound
// (expired tiles go first, then all); a tile larger than the bound is
// not kept.
func TestCaseTileCache(t *testing.T) {
	now := caseT0
	c := &caseTileCache{ttl: 30 * time.Second, max: 100, now: func() time.Time { return now }, m: map[string]*caseTileEntry{}}
	ent := func(n int) *caseTileEntry { return &caseTileEntry{gz: make([]byte, n)} }
	c.put("a", ent(40)) // 41 bytes with its key
	if _, ok := c.get("a", 0); !ok {
		t.Fatal("a kept tile is not served")
	}
	now = now.Add(20 * time.Second)
	c.put("b", ent(40))
	now = now.Add(10 * time.Second) // a is 30 s old: expired
	if _, ok := c.get("a", 0); ok {
		t.Error("an expired tile is served")
	}
	if _, ok := c.get("b", 0); !ok || c.size != 41 {
		t.Errorf("b: size %d", c.size)
	}
	c.put("c", ent(40))
	c.put("d", ent(40)) // over the bound: b and c are fresh, so all go
	if _, ok := c.get("b", 0); ok || c.size != 41 || len(c.m) != 1 {
		t.Errorf("over the bound: %d bytes, %d tiles", c.size, len(c.m))
	}
	c.put("e", ent(200))
	if _, ok := c.get("e", 0); ok || c.size > c.max {
		t.Errorf("a tile over the bound is kept: %d bytes", c.size)
	}
	c.put("d", ent(10)) // replacing a tile counts it once
	if c.size != 11 {
		t.Errorf("after replacing d: %d bytes", c.size)
	}
	// A tile drawn before the last case write is not served.
	if _, ok := c.get("d", 1); ok {
		t.Error("a tile drawn before a case write is served after it")
	}
	if _, ok := c.get("d", 0); ok || len(c.m) != 0 || c.size != 0 {
		t.Errorf("a stale tile is kept: %d tiles, %d bytes", len(c.m), c.size)
	}
}

// TestCaseTilesCORS: any origin's map may draw the public case tiles; the
// staff's get no CORS headers.
func TestCaseTilesCORS(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	for path, want := range map[string]string{"/api/cases/public/tiles/12/3233/1681.mvt": "*", "/api/cases/tiles/12/3233/1681.mvt": ""} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Origin", "https://map.other.example")
		r.Header.Set("Authorization", "Bearer "+e.tok["disp-li"])
		if want == "*" {
			r.Header.Del("Authorization")
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); rec.Code != 200 || got != want {
			t.Errorf("GET %s from another origin: %d, Access-Control-Allow-Origin %q, want %q", path, rec.Code, got, want)
		}
	}
}

// TestCaseTilesFreshAfterWrite: a case tile asked for after a case is
// reported (on the case route or Open311) or steps to another state
// draws it as it now is, though the tile before was kept: every case
// write makes the kept tiles stale. Unchanged, the tile is still a hit.
func TestCaseTilesFreshAfterWrite(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	// A green space around the cases: Open311 takes reports inside the
	// city's layers only.
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{{Layer: geo.Green, Source: "test", SourceID: "东湖公园", Props: map[string]any{"name": "东湖公园"},
			Geom: orb.Polygon{{{104.05, 30.64}, {104.07, 30.64}, {104.07, 30.66}, {104.05, 30.66}, {104.05, 30.64}}}}})
	}); err != nil {
		t.Fatal(err)
	}
	e := newCaseEnv(t, st)
	p := orb.Point{104.06123, 30.65118}
	t16 := maptile.At(p, 16)
	staff, public := caseTilePath("/api/cases/tiles", t16, ""), caseTilePath("/api/cases/public/tiles", t16, "")
	// states draws the tile at path as the states of its cases, by id
	// (the public tile has no ids: by position).
	states := func(path, as string) (map[string]string, string) {
		t.Helper()
		ls, rec := e.tileOf(path, as, t16)
		out := map[string]string{}
		if l := ls[cases.TileLayer]; l != nil {
			for i, f := range l.Features {
				k := fmt.Sprint(i)
				if id, ok := f.Properties["id"]; ok {
					k = fmt.Sprint(id)
				}
				out[k] = fmt.Sprint(f.Properties["state"])
			}
		}
		return out, rec.Header().Get("X-Cache")
	}
	check := func(what, path, as string, want map[string]string, cache string) {
		t.Helper()
		got, xc := states(path, as)
		if fmt.Sprint(got) != fmt.Sprint(want) || xc != cache {
			t.Errorf("%s: %s draws %v (X-Cache %s), want %v (%s)", what, path, got, xc, want, cache)
		}
	}
	check("before any case", staff, "disp-li", map[string]string{}, "MISS")
	check("before any case", public, "", map[string]string{}, "MISS")
	check("asked again", staff, "disp-li", map[string]string{}, "HIT")

	b, ct := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": p[0], "lat": p[1], "description": "断枝"})
	c := e.ok(e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}), 201, "report")
	id := fmt.Sprint(c.ID)
	check("after the report", staff, "disp-li", map[string]string{id: cases.Reported}, "MISS")
	check("after the report", public, "", map[string]string{}, "MISS") // not registered: not public
	check("asked again", staff, "disp-li", map[string]string{id: cases.Reported}, "HIT")

	c = e.ok(e.step("disp-li", c, "register", caseT0.Add(30*time.Minute), nil), 200, "register")
	check("after the step", staff, "disp-li", map[string]string{id: cases.Dispatched}, "MISS")
	check("after the step", public, "", map[string]string{"0": cases.Dispatched}, "MISS")
	check("after the step", staff, "dh-team", map[string]string{id: cases.Dispatched}, "MISS")

	form := url.Values{"service_code": {"exposed_garbage"}, "lat": {"30.6513"}, "long": {"104.0614"}, "description": {"垃圾"}}
	if rec := e.do(req{method: "POST", path: "/open311/v2/requests.json", body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded"}); rec.Code != 200 {
		t.Fatalf("Open311 report: %d %s", rec.Code, rec.Body)
	}
	cs, err := st.ListCases(ctx, store.CaseFilter{Limit: 1})
	if err != nil || len(cs) != 1 || cs[0].ID == c.ID {
		t.Fatalf("the Open311 case: %v %v", cs, err)
	}
	check("after the Open311 report", staff, "disp-li", map[string]string{id: cases.Dispatched, fmt.Sprint(cs[0].ID): cases.Reported}, "MISS")
}
