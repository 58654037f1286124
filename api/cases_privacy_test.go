package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// Secrets of the privacy test's own cases, beside the demo's.
const (
	secretStaffText = "SECRET-巡查员描述-张三家门口"
	secretNoteText  = "SECRET-退回理由-李四"
)

// TestPublicPrivacy walks every public answer — the pages and their
// scripts and catalogues fetched without a token, Open311's discovery,
// services, lists and each request in JSON and XML, /api/cases/public,
// the public case tiles over every case at zooms 10 to 16, decoded, and
// every public photo's bytes — over the demo town's month of cases and
// three more (a citizen's Open311 report with a phone's GPS-tagged
// photo, an inspector's report with one, a 12345 call's text naming a
// caller), and asserts that no reporter's contact, no staff member's
// name, no staff text (an inspector's or call-taker's description, a
// note) and no photo metadata appears, and that every public point is
// rounded to cases.PublicDecimals decimals.
func TestPublicPrivacy(t *testing.T) {
	ctx := context.Background()
	st, ix := demoMonth(t)
	cfg := openConfig()
	cfg.Anonymous = store.RolePublic
	cfg.CaseClock = func() time.Time { return assessEnd }
	s := New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := s.Handler()
	secret, hash := store.NewToken()
	if err := st.CreateToken(ctx, &store.Token{Name: "insp-secret-name", Role: store.RoleInspector, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	dsecret, dhash := store.NewToken()
	if err := st.CreateToken(ctx, &store.Token{Name: "disp-secret-name", Role: store.RoleDispatcher, Hash: dhash}); err != nil {
		t.Fatal(err)
	}
	do := func(method, path, token string, body []byte, ctype string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	demo, err := st.ListCases(ctx, store.CaseFilter{})
	if err != nil || len(demo) < 50 {
		t.Fatalf("the demo month: %d cases, %v", len(demo), err)
	}
	// Points inside the town, off the rounding grid.
	at := func(i int) orb.Point { p := demo[i].Point; return orb.Point{p[0] + 0.0000137, p[1] + 0.0000243} }

	// A citizen's Open311 report with a phone's photo.
	form := url.Values{"service_code": {"broken_branch"}, "lat": {fmt.Sprint(at(0)[1])}, "long": {fmt.Sprint(at(0)[0])}, "description": {"树枝断了"},
		"email": {"citizen-secret@example.com"}, "first_name": {"秘密名"}, "last_name": {"秘密姓"}, "phone": {"13712345678"}}
	b, ct := multipartForm(t, form, "media", phonePhoto(t, 40))
	if rec := do("POST", "/open311/v2/requests.json", "", b, ct); rec.Code != 200 {
		t.Fatalf("open311 report: %d %s", rec.Code, rec.Body)
	}
	// An inspector's report with a phone's photo, registered, then sent
	// back with a note.
	body, ct := caseBodyOf(t, map[string]any{"category": "exposed_garbage", "lon": at(1)[0], "lat": at(1)[1], "description": secretStaffText, "contact": "13899990000"}, phonePhoto(t, 90))
	rec := do("POST", "/api/cases", secret, body, ct)
	if rec.Code != 201 {
		t.Fatalf("inspector's report: %d %s", rec.Code, rec.Body)
	}
	var rep CaseJSON
	json.Unmarshal(rec.Body.Bytes(), &rep)
	if rec := do("POST", fmt.Sprintf("/api/cases/%d/reject", rep.ID), dsecret, []byte(`{"note":"`+secretNoteText+`"}`), "application/json", "If-Match", fmt.Sprintf(`"v%d"`, rep.Version)); rec.Code != 200 {
		t.Fatalf("reject: %d %s", rec.Code, rec.Body)
	}
	// A 12345 call whose text names the caller, stored with a raw phone
	// photo (as an import from another system might keep it).
	call := &store.Case{Category: "green_dirty", State: cases.Registered, Point: at(2), Description: "市民王五（13611112222）来电反映绿地脏乱",
		Source: "12345", Reporter: "12345热线", Contact: "13611112222", Reported: assessEnd.Add(-48 * 3600e9), Updated: assessEnd.Add(-47 * 3600e9)}
	if err := st.CreateCase(ctx, call, &store.CaseEvent{At: call.Reported, Who: "disp-secret-name", Role: store.RoleDispatcher, Action: cases.ActReport, To: cases.Reported},
		[]*store.Photo{{Type: "image/jpeg", Data: phonePhoto(t, 150)}}); err != nil {
		t.Fatal(err)
	}

	// What must not leave: every contact, every staff name, staff text.
	all, err := st.ListCases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]bool{secretStaffText: true, secretNoteText: true, secretComment: true, "王五": true, "insp-secret-name": true, "disp-secret-name": true,
		"citizen-secret@example.com": true, "秘密名": true, "秘密姓": true, "13712345678": true}
	for _, k := range all {
		if k.Contact != "" {
			secrets[k.Contact] = true
		}
		evs, err := st.CaseEvents(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Role != store.RolePublic && ev.Who != "" {
				secrets[ev.Who] = true
			}
		}
	}
	if !secrets["巡查员01"] || !secrets["值班长1"] || !secrets["13712345678"] {
		t.Fatalf("the fixture: secrets %v", secrets)
	}

	var answers []string
	check := func(what string, b []byte) {
		answers = append(answers, what)
		for s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s carries %q", what, s)
			}
		}
	}
	// rounded checks a public point.
	rounded := func(what string, p orb.Point, tol float64) {
		for _, v := range p {
			if f := v * 1e4; math.Abs(f-math.Round(f)) > tol*1e4 {
				t.Errorf("%s: %v is not rounded to %d decimals", what, p, cases.PublicDecimals)
				return
			}
		}
	}

	// The pages and every script, style and catalogue they load.
	assets := regexp.MustCompile(`(?:src|href)="/?(static/[^"?]+)`)
	seen := map[string]bool{}
	for _, page := range []string{"/", "/inspect", "/cases", "/planner", "/auditor", "/static/i18n/zh-CN.json", "/static/i18n/en.json"} {
		rec := do("GET", page, "", nil, "", "Accept", "text/html")
		if rec.Code != 200 {
			t.Fatalf("%s: %d", page, rec.Code)
		}
		check(page, rec.Body.Bytes())
		for _, m := range assets.FindAllStringSubmatch(rec.Body.String(), -1) {
			asset := "/" + m[1]
			if seen[asset] || strings.HasPrefix(asset, "/static/lib/") { // third-party libraries (npm), not ours
				continue
			}
			seen[asset] = true
			rec := do("GET", asset, "", nil, "")
			if rec.Code != 200 {
				t.Fatalf("%s: %d", asset, rec.Code)
			}
			check(asset, rec.Body.Bytes())
		}
	}
	if !seen["/static/map.js"] || !seen["/static/cases.js"] {
		t.Errorf("pages' assets: %v", seen)
	}

	// Open311, in both formats and languages.
	var media []string
	paths := []string{"/discovery", "/services", "/requests", "/requests?status=open", "/requests?status=closed", "/requests?service_code=broken_branch"}
	for _, k := range all {
		paths = append(paths, fmt.Sprintf("/requests/%d", k.ID))
	}
	for _, p := range paths {
		path, query, _ := strings.Cut(p, "?")
		for _, ext := range []string{".json", ".xml"} {
			for _, lang := range []string{"zh-CN", "en"} {
				rec := do("GET", "/open311/v2"+path+ext+"?"+query, "", nil, "", "Accept-Language", lang)
				if rec.Code != 200 {
					t.Fatalf("%s%s: %d %s", path, ext, rec.Code, rec.Body)
				}
				check("open311 "+p+ext, rec.Body.Bytes())
				if ext != ".json" || !strings.HasPrefix(path, "/requests") {
					continue
				}
				var rs []map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &rs); err != nil {
					t.Fatal(err)
				}
				for _, r := range rs {
					rounded("open311 "+p, orb.Point{r["long"].(float64), r["lat"].(float64)}, 1e-9)
					if u, ok := r["media_url"].(string); ok && !slices.Contains(media, u) {
						media = append(media, u)
					}
				}
			}
		}
	}
	// The public list.
	for _, p := range []string{"/api/cases/public", "/api/cases/public?lang=en", "/api/cases/public?state=closed"} {
		rec := do("GET", p, "", nil, "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d", p, rec.Code)
		}
		check(p, rec.Body.Bytes())
		var fc struct {
			Features []struct {
				Geometry struct{ Coordinates []float64 }
			}
		}
		json.Unmarshal(rec.Body.Bytes(), &fc)
		if len(fc.Features) == 0 && p == "/api/cases/public" {
			t.Fatal("the public list is empty")
		}
		for _, f := range fc.Features {
			rounded(p, orb.Point{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}, 1e-9)
		}
	}
	// The public tiles over every case, decoded.
	tilesSeen, drawn := map[maptile.Tile]bool{}, 0
	for _, k := range all {
		for _, z := range []maptile.Zoom{10, 13, 14, 16} {
			tl := maptile.At(k.Point, z)
			if tilesSeen[tl] {
				continue
			}
			tilesSeen[tl] = true
			rec := do("GET", fmt.Sprintf("/api/cases/public/tiles/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y), "", nil, "")
			if rec.Code != 200 {
				t.Fatalf("tile %v: %d %s", tl, rec.Code, rec.Body)
			}
			check(fmt.Sprintf("tile %v", tl), rec.Body.Bytes())
			ls, err := mvt.Unmarshal(rec.Body.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ls.ProjectToWGS84(tl)
			for _, l := range ls {
				for _, f := range l.Features {
					keys := []string{}
					for k := range f.Properties {
						keys = append(keys, k)
					}
					slices.Sort(keys)
					switch l.Name {
					case cases.TileLayer:
						drawn++
						if fmt.Sprint(keys) != "[category opened state]" || f.ID != nil {
							t.Errorf("tile %v: a case drawn with %v, id %v", tl, keys, f.ID)
						}
						// The tile's grid is finer than a metre at zoom 14 and more.
						rounded(fmt.Sprintf("tile %v", tl), f.Geometry.(orb.Point), 360/math.Exp2(float64(tl.Z))/4096)
					case cases.HeatLayer:
						if fmt.Sprint(keys) != "[count]" {
							t.Errorf("tile %v: a cell with %v", tl, keys)
						}
					default:
						t.Errorf("tile %v: layer %s", tl, l.Name)
					}
				}
			}
		}
	}
	if drawn == 0 {
		t.Error("no case drawn on the public tiles")
	}
	// Every public photo: no metadata, whatever the stored photo held.
	if len(media) < 2 {
		t.Errorf("media served: %v", media)
	}
	for _, u := range media {
		rec := do("GET", strings.TrimPrefix(u, "http://example.com"), "", nil, "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d", u, rec.Code)
		}
		b := rec.Body.Bytes()
		check(u, b)
		if md, err := photo.Metadata(b); err != nil || len(md) > 0 || bytes.Contains(b, []byte("Exif")) {
			t.Errorf("%s carries metadata %v (%v)", u, md, err)
		}
	}
	t.Logf("%d answers checked, %d cases drawn on %d tiles, %d photos", len(answers), drawn, len(tilesSeen), len(media))
}

// multipartForm is fields and one file part as multipart/form-data.
func multipartForm(t *testing.T, fields url.Values, file string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(file, "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}
