package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestCaseBadInput: unknown category, point outside the city, a photo that
// is not an image, an oversized photo, too many photos, a broken body and
// the wrong unit's token are each a 4xx problem+json that names what was
// wrong, and nothing is stored.
func TestCaseBadInput(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	good := map[string]any{"category": "broken_branch", "lon": 104.0612, "lat": 30.6512, "description": "断枝"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	report := func(body any, photos ...[]byte) req {
		b, ct := caseBodyOf(t, body, photos...)
		return req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}
	}
	// One case, dispatched to U01, to step on.
	c := e.ok(e.do(report(good)), 201, "report")
	c = e.ok(e.step("disp-li", c, "register", caseT0.Add(time.Hour), nil), 200, "register")
	n0, ev0, ph0 := caseCount(t, e.st)

	oversized := append(phonePhoto(t, 1), bytes.Repeat([]byte{0}, DefaultCasePhotoBytes)...)
	handle := func(as string, body any, photos ...[]byte) req {
		b, ct := caseBodyOf(t, body, photos...)
		return req{method: "POST", path: fmt.Sprintf("/api/cases/%d/handle", c.ID), as: as, ifMatch: c.Version, body: b, ctype: ct}
	}
	note := map[string]string{"note": "已处理"}
	for _, tc := range []struct {
		name   string
		q      req
		status int
		says   string // in the detail
	}{
		{"unknown category", report(with("category", "ufo_landing")), 400, `"ufo_landing" is not a case category`},
		{"point outside the city", report(with("lon", 116.39)), 422, "outside the city"},
		{"no point", report(map[string]any{"category": "broken_branch"}), 400, "lon and lat are required"},
		{"unknown field", report(with("password", "x")), 400, "unknown field"},
		{"description over its limit", report(with("description", strings.Repeat("长", 2001))), 400, "limit of 2000"},
		{"photo not an image", report(good, []byte("%PDF-1.7 this is a document")), 415, "photo 1: photo: not a JPEG, PNG or WebP image"},
		{"photo a truncated JPEG", report(good, phonePhoto(t, 2)[:300]), 422, "photo 1: photo: invalid JPEG"},
		{"oversized photo", report(good, oversized), 413, fmt.Sprintf("limit of %d bytes", DefaultCasePhotoBytes)},
		{"too many photos", report(good, phonePhoto(t, 1), phonePhoto(t, 2), phonePhoto(t, 3), phonePhoto(t, 4), phonePhoto(t, 5)), 413, "limit of 4 photos"},
		{"not JSON", req{method: "POST", path: "/api/cases", as: "insp-wang", body: []byte("category=x"), ctype: "application/x-www-form-urlencoded"}, 415, "multipart/form-data"},
		{"JSON over its limit", report(with("description", strings.Repeat("x", 70<<10))), 413, "limit of 65536 bytes"},
		{"multipart without a boundary", req{method: "POST", path: "/api/cases", as: "insp-wang", body: []byte("x"), ctype: "multipart/form-data"}, 400, "boundary"},
		{"broken JSON", req{method: "POST", path: "/api/cases", as: "insp-wang", body: []byte(`{"category":`), ctype: "application/json"}, 400, "JSON body"},
		{"a unit may not report", func() req { q := report(good); q.as = "dh-team"; return q }(), 403, "may not report"},
		{"a planner may not report", func() req { q := report(good); q.as = "plan-chen"; return q }(), 403, "needs role inspector"},
		{"anonymous report", func() req { q := report(good); q.as = ""; return q }(), 401, "needs a token"},
		{"wrong unit's token", handle("jj-team", note, phonePhoto(t, 6)), 403, "not dispatched to unit U02"},
		{"handle without a photo", handle("dh-team", note), 400, "needs a photo"},
		{"handle with a non-image", handle("dh-team", note, []byte("GIF89a not taken")), 415, "not a JPEG, PNG or WebP"},
		{"unknown step", req{method: "POST", path: fmt.Sprintf("/api/cases/%d/explode", c.ID), as: "disp-li", ifMatch: c.Version}, 400, `"explode" is not a step`},
		{"no such case", req{method: "POST", path: "/api/cases/999/verify", as: "insp-wang", ifMatch: 1}, 404, "999"},
		{"no If-Match", req{method: "POST", path: fmt.Sprintf("/api/cases/%d/verify", c.ID), as: "insp-wang"}, 428, "If-Match"},
		{"bad bbox", req{method: "GET", path: "/api/cases?bbox=1,2,3", as: "disp-li"}, 400, "bbox"},
		{"bad state", req{method: "GET", path: "/api/cases?state=lost", as: "disp-li"}, 400, "state"},
		{"overdue closed cases", req{method: "GET", path: "/api/cases?overdue=true&state=closed", as: "disp-li"}, 400, "state closed is not open"},
		{"zone over its limit", req{method: "GET", path: "/api/cases?zone=" + strings.Repeat("z", 401), as: "disp-li"}, 400, "limit of 400 bytes"},
		{"list over its limit", req{method: "GET", path: "/api/cases?limit=100000", as: "disp-li"}, 400, "limit"},
		{"public: unknown parameter", req{method: "GET", path: "/api/cases/public?contact=1"}, 400, "unknown parameter"},
		{"public: unregistered state", req{method: "GET", path: "/api/cases/public?state=reported"}, 400, "the public view shows"},
	} {
		rec := e.do(tc.q)
		var p struct{ Detail string }
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(p.Detail, tc.says) {
			t.Errorf("%s: %d %s %q, want %d problem+json saying %q", tc.name, rec.Code, rec.Header().Get("Content-Type"), p.Detail, tc.status, tc.says)
		}
		if n, ev, ph := caseCount(t, e.st); n != n0 || ev != ev0 || ph != ph0 {
			t.Fatalf("%s stored something: %d/%d/%d cases/events/photos, was %d/%d/%d", tc.name, n, ev, ph, n0, ev0, ph0)
		}
	}
}

// TestCasePrivacy: after the story, no answer the public can get from the
// case routes carries the reporter's contact, the description, a staff
// token's name, a unit, or a photo (or its metadata); the public view
// holds status only, and its locations are coarsened.
func TestCasePrivacy(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	caseStory(t, e)
	var names []string
	for _, tk := range caseTokens {
		names = append(names, regexp.QuoteMeta(tk.Name))
	}
	secrets := regexp.MustCompile(regexp.QuoteMeta(secretContact) + "|" + regexp.QuoteMeta(secretComment) + "|东湖公园北门|" + strings.Join(names, "|") +
		`|U01|U02|Z-W|Z-E|Exif|"photos?"|"contact"|"reporter"|"description"|104\.06123|30\.65118`)
	public := 0
	for _, path := range []string{"/api/cases/public", "/api/cases/public?lang=en", "/api/cases/public?state=closed", "/api/cases/categories", "/api/cases/categories?lang=en",
		"/api/cases", "/api/cases/1", "/api/cases/1/photos/1", "/api/cases/1/photos/1/thumb", "/api/cases?state=closed"} {
		rec := e.do(req{method: "GET", path: path})
		if rec.Code == 401 {
			continue
		}
		public++
		if rec.Code != 200 {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		if m := secrets.FindString(rec.Body.String()); m != "" {
			t.Errorf("GET %s shows %q to the public", path, m)
		}
	}
	if public != 5 {
		t.Errorf("%d public answers, want 5", public)
	}
	// Open311 shows the cases the staff made too: never a contact, a
	// staff name or photo metadata (descriptions and the responsible
	// unit are GeoReport's public fields).
	staff := regexp.MustCompile(regexp.QuoteMeta(secretContact) + "|" + regexp.QuoteMeta(secretComment) + "|" + strings.Join(names, "|") + "|Exif")
	for _, path := range []string{"/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/requests/1.json", "/open311/v2/requests/1.xml", "/open311/v2/media/1.jpg"} {
		rec := e.do(req{method: "GET", path: path})
		if rec.Code != 200 && rec.Code != 404 {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		if m := staff.FindString(rec.Body.String()); m != "" {
			t.Errorf("GET %s shows %q to the public", path, m)
		}
	}
	// The public view: exactly the status keys, the story's three
	// registered cases, points to 4 decimals.
	rec := e.do(req{method: "GET", path: "/api/cases/public?lang=en"})
	var fc struct {
		Features []struct {
			ID       int64
			Geometry struct{ Coordinates []float64 }
			Props    map[string]any `json:"properties"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil || len(fc.Features) != 3 || rec.Header().Get("Content-Language") != "en" {
		t.Fatalf("public view: %v %s", err, rec.Body)
	}
	for _, f := range fc.Features {
		keys := []string{}
		for k := range f.Props {
			keys = append(keys, k)
		}
		if len(keys) != 7 || f.Props["category_name"] == "" || f.Props["reported"] == nil || len(f.Props["reported"].(string)) != len("2006-01-02") {
			t.Errorf("public case %d: %v", f.ID, f.Props)
		}
		for _, v := range f.Geometry.Coordinates {
			if math.Abs(v*1e4-math.Round(v*1e4)) > 1e-6 {
				t.Errorf("public case %d at %v: not coarsened", f.ID, f.Geometry.Coordinates)
			}
		}
	}
	if fc.Features[len(fc.Features)-1].Props["category_name"] != "Broken branch" && !strings.Contains(rec.Body.String(), "branch") {
		t.Errorf("public view not in English: %s", rec.Body)
	}
}

// TestCaseRolesBesideLadder: the case roles rank as the public on the
// planning ladder (no parcels, audits or scenarios); admin may do
// everything; a deployment whose anonymous role is raised records its
// steps as "anonymous".
func TestCaseRolesBesideLadder(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	for _, as := range []string{"insp-wang", "disp-li", "dh-team"} {
		for _, path := range []string{"/collections/parcels/items?limit=1", "/api/audit", "/api/scenarios", "/metrics"} {
			e.problem(e.do(req{method: "GET", path: path, as: as}), 403, as+" "+path)
		}
	}
	if rec := e.do(req{method: "GET", path: "/api/cases", as: "root"}); rec.Code != 200 {
		t.Errorf("admin lists cases: %d", rec.Code)
	}
	b, ct := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 104.05, "lat": 30.65})
	c := e.ok(e.do(req{method: "POST", path: "/api/cases", as: "root", body: b, ctype: ct}), 201, "admin reports")
	c = e.ok(e.step("root", c, "register", caseT0, nil), 200, "admin registers")
	if c.Unit != "U01" || c.History[len(c.History)-1].Who != "root" {
		t.Errorf("admin's steps: %+v", c)
	}
	e.s.cfg.Anonymous = store.RoleAdmin
	c = e.ok(e.step("", c, "return", caseT0, map[string]string{"note": "不是我们的"}), 200, "anonymous admin returns")
	if last := c.History[len(c.History)-1]; last.Who != "anonymous" || last.Role != store.RoleAdmin {
		t.Errorf("anonymous step: %+v", last)
	}
}

// TestCasePublicCORS: any origin's map may read the public view of cases
// and the categories without a token; the staff routes get no CORS
// headers.
func TestCasePublicCORS(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	for path, want := range map[string]string{"/api/cases/public": "*", "/api/cases/categories": "*", "/api/cases": "", "/api/cases/1": ""} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Origin", "https://map.other.example")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("GET %s from another origin: Access-Control-Allow-Origin %q, want %q", path, got, want)
		}
	}
}

// TestCaseListPages: a list pages newest first through its next links,
// keeping its filters, until a short page.
func TestCaseListPages(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	var want []int64
	for i := range 5 {
		cat := "broken_branch"
		if i == 2 {
			cat = "exposed_garbage" // filtered out
		}
		b, ct := caseBodyOf(t, map[string]any{"category": cat, "lon": 104.01 + float64(i)*0.01, "lat": 30.65})
		c := e.ok(e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}), 201, "report")
		if cat == "broken_branch" {
			want = append([]int64{c.ID}, want...)
		}
	}
	var got []int64
	path := "/api/cases?category=broken_branch&limit=3"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
		rec := e.do(req{method: "GET", path: path, as: "audit-zhao"})
		var l CaseListJSON
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		for _, c := range l.Cases {
			got = append(got, c.ID)
			if c.Contact != "" || c.Category != "broken_branch" {
				t.Errorf("an auditor's list: %+v", c)
			}
		}
		path = strings.TrimPrefix(l.Next, "http://example.com")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages: %v, want %v", got, want)
	}
}

// TestCasePhotoUploadsBounded: bodies with photos are held a bounded
// number at once; past the bound and its queue, one is refused with 503
// and Retry-After before it is read, and nothing is stored. Reports
// without photos go on.
func TestCasePhotoUploadsBounded(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	e.s.photos = newWorkQueue("photo uploads", 1, 0, time.Second)
	release, ae := e.s.photos.acquire(context.Background())
	if ae != nil {
		t.Fatal(ae)
	}
	defer release()
	b, ct := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 104.05, "lat": 30.65}, phonePhoto(t, 1))
	rec := e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct})
	e.problem(rec, 503, "a photo upload past the bound")
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "photo uploads") {
		t.Errorf("refusal: %v %s", rec.Header(), rec.Body)
	}
	if n, _, _ := caseCount(t, e.st); n != 0 {
		t.Fatalf("%d cases stored", n)
	}
	b, ct = caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 104.05, "lat": 30.65})
	e.ok(e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}), 201, "a report without photos")
}

// TestCaseCategoriesLang: the categories answer in the language
// Accept-Language or lang= asks for, Chinese by default, and say so.
func TestCaseCategoriesLang(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	cat := cases.Default()
	for _, tc := range []struct{ accept, query, lang string }{
		{"", "", "zh-CN"}, {"en-US,en;q=0.9", "", "en"}, {"zh-TW, zh;q=0.9", "", "zh-CN"}, {"en", "?lang=zh-CN", "zh-CN"},
	} {
		r := httptest.NewRequest("GET", "/api/cases/categories"+tc.query, nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		var got CaseCategoriesJSON
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Categories) != len(cat.Categories) {
			t.Fatalf("%q %s: %d %s", tc.accept, tc.query, rec.Code, rec.Body)
		}
		for i, k := range cat.Categories {
			want := k.Zh
			if tc.lang == "en" {
				want = k.En
			}
			if got.Categories[i].Code != k.Code || got.Categories[i].Name != want || got.Categories[i].DeadlineHours != k.DeadlineHours {
				t.Errorf("%q: category %d is %+v, want %s %s", tc.accept, i, got.Categories[i], k.Code, want)
			}
		}
		if got.Lang != tc.lang || rec.Header().Get("Content-Language") != tc.lang || !strings.Contains(rec.Header().Get("Vary"), "Accept-Language") {
			t.Errorf("%q: lang %s, headers %v", tc.accept, got.Lang, rec.Header())
		}
	}
	e.problem(e.do(req{method: "GET", path: "/api/cases/categories?lang=fr"}), 400, "lang=fr")
}

// TestCasePhotoNotCleanNotServed: a stored photo that carries metadata
// anyway (written by another path than the case routes) is not served;
// its thumbnail, made from its pixels alone, is.
func TestCasePhotoNotCleanNotServed(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	ctx := context.Background()
	c := &store.Case{Category: "broken_branch", State: "reported", Point: orb.Point{104.05, 30.65}, Source: "inspector", Reporter: "insp-wang", Reported: caseT0, Updated: caseT0}
	ev := &store.CaseEvent{At: caseT0, Who: "insp-wang", Role: store.RoleInspector, Action: "report", To: "reported"}
	if err := e.st.CreateCase(ctx, c, ev, []*store.Photo{{Type: "image/jpeg", Data: phonePhoto(t, 7)}}); err != nil {
		t.Fatal(err)
	}
	p := fmt.Sprintf("/api/cases/%d/photos/%d", c.ID, ev.Photos[0])
	rec := e.do(req{method: "GET", path: p, as: "insp-wang"})
	e.problem(rec, 500, p)
	if bytes.Contains(rec.Body.Bytes(), []byte(secretComment)) {
		t.Errorf("%s: the refusal shows the metadata", p)
	}
	rec = e.do(req{method: "GET", path: p + "/thumb", as: "insp-wang"})
	if md, err := photo.Metadata(rec.Body.Bytes()); rec.Code != 200 || err != nil || len(md) > 0 {
		t.Errorf("%s/thumb: %d %v %v", p, rec.Code, md, err)
	}
}
