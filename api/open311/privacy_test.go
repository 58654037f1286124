package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestPrivacy: no Open311 answer — discovery, services, lists with every
// filter, each request, each media, errors, the answers to reports — in
// either format and language carries a reporter's contact, the name of
// anyone who reported or took a step, a staff note or a refusal's reason;
// no media carries metadata. The cases cover a citizen's report (contact
// fields, a GPS-tagged photo), an inspector's (its photo stored as taken,
// with EXIF), a dispatched one with notes, a rejected one and a merged
// duplicate.
func TestPrivacy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memstore.New())
	var answers []*httptest.ResponseRecorder
	keep := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		answers = append(answers, rec)
		return rec
	}
	if rec := keep(e.postMultipart(t, Prefix+"/requests.json", report("broken_branch"), gpsJPEG(t, 200, 150))); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	keep(e.postMultipart(t, Prefix+"/requests.xml", report("green_dirty"), nil))
	svc := e.svc.Cases
	insp := cases.Actor{Name: secretInspector, Role: cases.RoleInspector}
	disp := cases.Actor{Name: secretDispatch, Role: cases.RoleDispatcher}
	raw := store.Photo{Type: "image/jpeg", Data: gpsJPEG(t, 120, 90)} // as an inspector's phone took it
	c3, err := svc.Report(ctx, insp, cases.Report{Category: "exposed_garbage", Point: orb.Point{104.2, 30.7}, Description: "北门垃圾", Contact: secretPhone + "-insp", Photos: []store.Photo{raw}})
	if err != nil {
		t.Fatal(err)
	}
	c4, err := svc.Report(ctx, insp, cases.Report{Category: "exposed_garbage", Point: orb.Point{104.2, 30.7}, Description: "同一处垃圾", Contact: secretEmail})
	if err != nil {
		t.Fatal(err)
	}
	c5, err := svc.Report(ctx, insp, cases.Report{Category: "pests_disease", Point: orb.Point{104.1, 30.6}, Description: "虫害?", Contact: secretFirst})
	if err != nil {
		t.Fatal(err)
	}
	e.register(t, c3.ID)                                                                                                       // dispatched to U01, with a note
	if _, err := svc.Take(ctx, disp, c4.ID, c4.Version, cases.Step{Action: cases.ActRegister, Note: secretNote}); err != nil { // merged into c3
		t.Fatal(err)
	}
	if _, err := svc.Take(ctx, disp, c5.ID, c5.Version, cases.Step{Action: cases.ActReject, Note: secretNote + " reason"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.st.GetCase(ctx, c4.ID); got.DuplicateOf != c3.ID || !strings.Contains(got.Reason, secretNote) {
		t.Fatalf("the fixture's merge: %+v", got)
	}

	var media []string
	paths := []string{"/discovery", "/services", "/requests", "/requests?status=closed", "/requests?status=open",
		"/requests?service_request_id=1,2,3,4,5", "/requests?service_code=exposed_garbage", "/requests/99", "/requests?status=nope"}
	for id := 1; id <= 5; id++ {
		paths = append(paths, fmt.Sprintf("/requests/%d", id))
	}
	for _, p := range paths {
		path, query, _ := strings.Cut(p, "?")
		for _, ext := range []string{".json", ".xml"} {
			for _, lang := range []string{"zh-CN", "en"} {
				rec := keep(e.get(t, Prefix+path+ext+"?"+query, "Accept-Language", lang))
				if ext == ".json" && rec.Code == 200 && strings.HasPrefix(path, "/requests") {
					var rs []map[string]any
					json.Unmarshal(rec.Body.Bytes(), &rs)
					for _, r := range rs {
						if u, ok := r["media_url"].(string); ok {
							media = append(media, strings.TrimPrefix(u, "http://example.com"))
						}
					}
				}
			}
		}
	}
	secrets := []string{secretEmail, secretFirst, secretLast, secretPhone, secretDevice, secretInspector, secretDispatch, secretNote, secretArtist, Reporter + ":"}
	for _, rec := range answers {
		for _, s := range secrets {
			if strings.Contains(rec.Body.String(), s) {
				t.Errorf("an answer carries %q: %s", s, rec.Body)
			}
		}
	}
	if len(answers) != 2+4*len(paths) {
		t.Errorf("%d answers checked, want %d", len(answers), 2+4*len(paths))
	}
	// Two media: the citizen's report and the inspector's; each a
	// thumbnail without metadata, whatever the stored photo holds.
	if len(media) == 0 {
		t.Fatal("no media listed")
	}
	served := map[string]bool{}
	for _, m := range media {
		if served[m] {
			continue
		}
		served[m] = true
		rec := e.get(t, m)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", m, rec.Code)
		}
		b := rec.Body.Bytes()
		if md, err := photo.Metadata(b); err != nil || len(md) > 0 || bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte(secretArtist)) {
			t.Errorf("%s carries metadata %v (%v)", m, md, err)
		}
	}
	if len(served) != 2 {
		t.Errorf("%d media served, want the two reports' photos: %v", len(served), served)
	}
}

// TestLanguage: Chinese by default, English by lang or Accept-Language,
// on services and requests; a bad lang is a GeoReport 400.
func TestLanguage(t *testing.T) {
	e := newEnv(t, memstore.New())
	if rec := e.postForm(t, report("overflowing_bin")); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	name := func(path string, hdr ...string) (string, string) {
		rec := e.get(t, Prefix+path, hdr...)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Accept-Language") {
			t.Errorf("%s: no Vary: Accept-Language", path)
		}
		rs := decode[[]map[string]any](t, rec)
		for _, r := range rs {
			if r["service_code"] == "overflowing_bin" {
				return r["service_name"].(string), rec.Header().Get("Content-Language")
			}
		}
		t.Fatalf("%s: no overflowing_bin in %v", path, rs)
		return "", ""
	}
	var zh, en string
	for _, k := range cases.Default().Categories {
		if k.Code == "overflowing_bin" {
			zh, en = k.Zh, k.En
		}
	}
	for _, c := range []struct {
		path string
		hdr  []string
		want string
	}{
		{"/services.json", nil, zh},
		{"/services.json?lang=en", nil, en},
		{"/services.json", []string{"Accept-Language", "en-GB,en;q=0.9"}, en},
		{"/services.json?lang=zh", []string{"Accept-Language", "en"}, zh},
		{"/requests.json", nil, zh},
		{"/requests.json?lang=en", nil, en},
		{"/requests/1.json", []string{"Accept-Language", "en"}, en},
	} {
		got, cl := name(c.path, c.hdr...)
		if got != c.want {
			t.Errorf("%s %v: %q, want %q", c.path, c.hdr, got, c.want)
		}
		if (cl == "en") != (c.want == en) {
			t.Errorf("%s %v: Content-Language %s", c.path, c.hdr, cl)
		}
	}
	georeportError(t, e.get(t, Prefix+"/services.json?lang=fr"), 400)
}
