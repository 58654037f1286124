package open311

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// TestStory: a citizen reports a broken branch with a phone photo (EXIF
// with a GPS position); the request is open, shows no contact, and its
// media is a thumbnail without metadata; the workflow (driven through
// cases.Service) registers and dispatches it to unit U01, which handles
// it; the inspector passes it, the dispatcher closes it: the request is
// closed, with the unit's name and the deadline as expected_datetime.
func TestStory(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		phone := gpsJPEG(t, 640, 480)
		if info, err := photo.Inspect(phone, photo.Limits{}); err != nil || len(info.Metadata) == 0 {
			t.Fatalf("the fixture carries no metadata: %+v %v", info, err)
		}
		rec := e.postMultipart(t, Prefix+"/requests.json", report("broken_branch"), phone)
		if rec.Code != 200 {
			t.Fatalf("report: %d %s", rec.Code, rec.Body)
		}
		made := decode[[]map[string]any](t, rec)
		if len(made) != 1 || made[0]["service_request_id"] == "" || made[0]["account_id"] != nil || !strings.Contains(made[0]["service_notice"].(string), "24") {
			t.Fatalf("answer %v", made)
		}
		id := made[0]["service_request_id"].(string)
		c := allCases(t, st)
		if len(c) != 1 || fmt.Sprint(c[0].ID) != id {
			t.Fatalf("stored %+v", c)
		}
		// The staff keep the contact; the photo is stored re-encoded.
		stored := c[0]
		for _, s := range []string{secretEmail, secretPhone, secretFirst, secretLast, secretDevice} {
			if !strings.Contains(stored.Contact, s) {
				t.Errorf("contact %q lost %s", stored.Contact, s)
			}
		}
		if stored.Source != "citizen" || stored.State != cases.Reported || stored.Description != "断枝挂在树上，随时会掉下来"+addressMark+"东湖公园北门" {
			t.Errorf("stored %+v", stored)
		}
		evs, err := st.CaseEvents(ctx, stored.ID)
		if err != nil || len(evs) != 1 || len(evs[0].Photos) != 1 {
			t.Fatalf("events %+v %v", evs, err)
		}
		p, err := st.CasePhoto(ctx, evs[0].Photos[0])
		if err != nil {
			t.Fatal(err)
		}
		if md, err := photo.Metadata(p.Data); err != nil || len(md) > 0 || bytes.Contains(p.Data, []byte(secretArtist)) {
			t.Errorf("the stored photo keeps metadata %v (%v)", md, err)
		}

		got := e.one(t, id)
		want := map[string]any{"service_request_id": id, "status": "open", "service_code": "broken_branch", "service_name": "断枝",
			"description": "断枝挂在树上，随时会掉下来", "address": "东湖公园北门", "lat": 30.6512, "long": 104.0612,
			"requested_datetime": "2026-03-02T00:00:00Z", "updated_datetime": "2026-03-02T00:00:00Z", "status_notes": "上报"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
		if _, ok := got["agency_responsible"]; ok {
			t.Errorf("an undispatched request names an agency: %v", got)
		}
		mediaURL, _ := got["media_url"].(string)
		wantURL := fmt.Sprintf("http://example.com%s/media/%d.jpg", Prefix, p.ID)
		if mediaURL != wantURL {
			t.Fatalf("media_url %q, want %q", mediaURL, wantURL)
		}
		thumb := e.get(t, strings.TrimPrefix(mediaURL, "http://example.com"))
		if thumb.Code != 200 || thumb.Header().Get("Content-Type") != "image/jpeg" {
			t.Fatalf("media: %d %s", thumb.Code, thumb.Header())
		}
		tb := thumb.Body.Bytes()
		info, err := photo.Inspect(tb, photo.Limits{})
		if err != nil || info.Width != photo.ThumbSide || info.Height != 240 || len(info.Metadata) > 0 {
			t.Fatalf("thumbnail %+v %v", info, err)
		}
		if bytes.Contains(tb, []byte("Exif")) || bytes.Contains(tb, []byte(secretArtist)) {
			t.Error("the thumbnail carries EXIF")
		}

		// The workflow runs; the public view follows it.
		clk := e.clk
		step := func(at time.Duration, who cases.Actor, s cases.Step) {
			t.Helper()
			clk.Set(t0.Add(at))
			cur, err := st.GetCase(ctx, stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Cases.Take(ctx, who, cur.ID, cur.Version, s); err != nil {
				t.Fatalf("%s: %v", s.Action, err)
			}
		}
		step(time.Hour, cases.Actor{Name: secretDispatch, Role: cases.RoleDispatcher}, cases.Step{Action: cases.ActRegister})
		got = e.one(t, id)
		deadline := t0.Add(time.Hour + 24*time.Hour) // broken_branch: 24 h from registration (categories.yaml)
		if got["status"] != "open" || got["agency_responsible"] != unitName || got["expected_datetime"] != deadline.Format(time.RFC3339) || got["status_notes"] != "已派遣" {
			t.Errorf("dispatched: %v", got)
		}
		step(3*time.Hour, cases.Actor{Name: secretUnitToken, Role: cases.RoleUnit, Unit: "U01"}, cases.Step{Action: cases.ActHandle, Note: secretNote,
			Photos: []store.Photo{{Type: "image/jpeg", Data: phone}}})
		step(4*time.Hour, cases.Actor{Name: secretInspector, Role: cases.RoleInspector}, cases.Step{Action: cases.ActVerify})
		step(5*time.Hour, cases.Actor{Name: secretDispatch, Role: cases.RoleDispatcher}, cases.Step{Action: cases.ActClose})
		got = e.one(t, id)
		if got["status"] != "closed" || got["updated_datetime"] != "2026-03-02T05:00:00Z" || got["status_notes"] != "结案" || got["media_url"] != mediaURL {
			t.Errorf("closed: %v", got)
		}
		if _, ok := got["service_notice"]; ok {
			t.Errorf("a closed request still announces what will be done: %v", got)
		}
		// The unit's photo (raw, with its EXIF, as a step's photo) is not public.
		if rec := e.get(t, fmt.Sprintf("%s/media/%d.jpg", Prefix, p.ID+1)); rec.Code != 404 {
			t.Errorf("a step's photo is served: %d", rec.Code)
		}

		// Filters: status, service_code, ids, dates.
		for q, n := range map[string]int{
			"":                    1,
			"?status=closed":      1,
			"?status=open":        0,
			"?status=open,closed": 1,
			"?service_code=broken_branch,exposed_garbage":                    1,
			"?service_code=exposed_garbage":                                  0,
			"?service_request_id=" + id + ",999":                             1,
			"?service_request_id=999":                                        0,
			"?start_date=2026-03-01T00:00:00Z&end_date=2026-03-02T00:00:00Z": 1, // end_date is included
			"?start_date=2026-03-02T00:00:01Z":                               0,
			"?end_date=2026-03-01T23:59:59Z":                                 0,
			"?start_date=2026-03-02T08:00:00%2B08:00":                        1,
			"?start_date=2026-03-02T08:00:01%2B08:00":                        0,
			"?status=": 1, // empty: as if not given
		} {
			rec := e.get(t, Prefix+"/requests.json"+q)
			if rec.Code != 200 {
				t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
				continue
			}
			if got := decode[[]map[string]any](t, rec); len(got) != n {
				t.Errorf("%s: %d requests, want %d", q, len(got), n)
			}
		}
		// 91 days on, the default window (the last 90 days) no longer holds it.
		clk.Set(t0.Add(91 * 24 * time.Hour))
		if got := decode[[]map[string]any](t, e.get(t, Prefix+"/requests.json")); len(got) != 0 {
			t.Errorf("the default window holds a request 91 days old: %v", got)
		}
	})
}

// one GETs requests/{id}.json and returns its one request.
func (e *env) one(t *testing.T, id string) map[string]any {
	t.Helper()
	rec := e.get(t, Prefix+"/requests/"+id+".json")
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", id, rec.Code, rec.Body)
	}
	got := decode[[]map[string]any](t, rec)
	if len(got) != 1 {
		t.Fatalf("GET %s: %v", id, got)
	}
	return got[0]
}

// TestBadReports: every refusal is one GeoReport error with its status
// and names what was wrong; nothing is stored.
func TestBadReports(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		e.svc.Photo = photo.Limits{MaxBytes: 64 << 10}
		with := func(k, v string) url.Values {
			f := report("broken_branch")
			f.Set(k, v)
			return f
		}
		without := func(k string) url.Values {
			f := report("broken_branch")
			f.Del(k)
			return f
		}
		big := gpsJPEG(t, 2000, 1500) // noise-free but well over 64 KiB
		if len(big) <= 64<<10 {
			t.Fatalf("the oversized photo is %d bytes", len(big))
		}
		for _, c := range []struct {
			name   string
			form   url.Values
			media  []byte
			status int
			says   string
		}{
			{"unknown service_code", with("service_code", "potholes"), nil, 404, `"potholes" not found`},
			{"no service_code", without("service_code"), nil, 400, "service_code is required"},
			{"lat outside the city", with("lat", "31.5"), nil, 400, "outside the city"},
			{"long outside the city", with("long", "116.4"), nil, 400, "outside the city"},
			{"outside the city, checked before the photo is decoded", with("lat", "31.5"), []byte("not an image"), 400, "outside the city"},
			{"duplicated field", url.Values{"service_code": {"broken_branch", "exposed_garbage"}, "lat": {"30.6"}, "long": {"104.1"}, "description": {"x"}}, nil, 400, "service_code is given 2 times"},
			{"lat not a number", with("lat", "north"), nil, 400, `lat="north" is not a number`},
			{"long NaN", with("long", "NaN"), nil, 400, "long=\"NaN\" is not a number"},
			{"lat past the pole", with("lat", "91"), nil, 400, "outside ±90"},
			{"no location", without("lat"), nil, 400, "lat and long are required"},
			{"media not an image", report("broken_branch"), []byte("%PDF-1.7 not a photo at all"), 400, "not a JPEG, PNG or WebP"},
			{"media a truncated JPEG", report("broken_branch"), gpsJPEG(t, 64, 48)[:400], 400, "media"},
			{"media too large", report("broken_branch"), big, 400, fmt.Sprintf("limit of %d bytes", 64<<10)},
			{"description too long", with("description", strings.Repeat("断", 2001)), nil, 400, "2001 characters, more than the limit of 2000"},
			{"description with the address too long", with("description", strings.Repeat("断", 1999)), nil, 400, "more than the limit of 2000"},
			{"no description", with("description", " "), nil, 400, "description is required"},
			{"media_url", with("media_url", "http://example.org/a.jpg"), nil, 400, "media_url is not accepted"},
			{"address_id", with("address_id", "545483"), nil, 400, "address_id is not accepted"},
			{"attribute", with("attribute[WHISPAWN]", "1"), nil, 400, "no service has attributes"},
			{"unknown field", with("colour", "red"), nil, 400, `unknown field "colour"`},
			{"email too long", with("email", strings.Repeat("a", 101)+"@x.cn"), nil, 400, "email: 106 characters"},
			{"contact too long together", longContact(), nil, 400, "together"},
			{"bad UTF-8", with("description", "\xff\xfe"), nil, 400, "not valid UTF-8"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var rec = e.postMultipart(t, Prefix+"/requests.json", c.form, c.media)
				says := georeportError(t, rec, c.status)
				if !strings.Contains(says, c.says) {
					t.Errorf("%q does not say %q", says, c.says)
				}
				if n := len(allCases(t, st)); n != 0 {
					t.Errorf("%d cases stored", n)
				}
			})
		}
		// Form-encoded: the same checks, and a body over the form's limit.
		if says := georeportError(t, e.postForm(t, with("media", "/9j/4AAQ")), 400); !strings.Contains(says, "multipart/form-data") {
			t.Error(says)
		}
		says := georeportError(t, e.postForm(t, with("service_code", "nope")), 404)
		if !strings.Contains(says, "nope") {
			t.Error(says)
		}
		huge := with("description", strings.Repeat("x", maxFormBytes))
		if says := georeportError(t, e.postForm(t, huge), 400); !strings.Contains(says, fmt.Sprintf("limit of %d bytes", maxFormBytes)) {
			t.Error(says)
		}
		rec := e.do(t, "POST", Prefix+"/requests.json", []byte(`{"service_code":"broken_branch"}`), "application/json")
		georeportError(t, rec, 400)
		// XML: the spec's <errors><error>.
		rec = e.postMultipart(t, Prefix+"/requests.xml", with("service_code", "nope"), nil)
		if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") ||
			!strings.Contains(rec.Body.String(), "<errors>\n  <error>\n    <code>404</code>\n    <description>Not found: service_code") {
			t.Errorf("XML error: %d %s", rec.Code, rec.Body)
		}
		if n := len(allCases(t, st)); n != 0 {
			t.Errorf("%d cases stored", n)
		}
		// The same report, well formed, is taken: the refusals were the input's.
		if rec := e.postMultipart(t, Prefix+"/requests.json", report("broken_branch"), gpsJPEG(t, 64, 48)); rec.Code != 200 {
			t.Fatalf("a good report: %d %s", rec.Code, rec.Body)
		}
	})
}

// longContact is a report whose contact fields are each within their
// limit but over the workflow's contact limit together.
func longContact() url.Values {
	f := report("broken_branch")
	for _, k := range []string{"first_name", "last_name", "phone", "device_id"} {
		f.Set(k, strings.Repeat("9", maxField))
	}
	return f
}

// TestBadQueries: refused filters, and the 404 of an unknown request.
func TestBadQueries(t *testing.T) {
	e := newEnv(t, memstore.New())
	ids := strings.Repeat("1,", maxIDs) + "1"
	for q, says := range map[string]string{
		"?service_code=potholes":          `"potholes" is not a service`,
		"?status=pending":                 `"pending": want open or closed`,
		"?start_date=2026-03-01":          "not a W3C datetime with a time zone",
		"?start_date=2026-03-01T00:00:00": "not a W3C datetime with a time zone",
		"?start_date=2025-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z": "more than the limit of 90 days",
		"?start_date=2026-03-02T00:00:00Z&end_date=2026-03-01T00:00:00Z": "end_date is before start_date",
		"?service_request_id=abc":    `"abc" is not a request id`,
		"?service_request_id=" + ids: fmt.Sprintf("more than the limit of %d", maxIDs),
		"?bbox=1,2,3,4":              `unknown parameter "bbox"`,
		"?lang=fr":                   "lang",
	} {
		if got := georeportError(t, e.get(t, Prefix+"/requests.json"+q), 400); !strings.Contains(got, says) {
			t.Errorf("%s: %q does not say %q", q, got, says)
		}
	}
	for _, p := range []string{"/requests/42.json", "/requests/99999999999999999999.json", "/media/42.jpg"} {
		georeportError(t, e.get(t, Prefix+p), 404)
	}
}
