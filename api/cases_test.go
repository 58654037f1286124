package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest/testenv"
)

// TestCaseStoryHTTP: the story over HTTP on the memory store; see
// caseStory. TestCaseStoryPostGIS runs it on PostGIS.
func TestCaseStoryHTTP(t *testing.T) {
	caseStory(t, newCaseEnv(t, memstore.New()))
}

func TestCaseStoryPostGIS(t *testing.T) {
	caseStory(t, newCaseEnv(t, testenv.PostGIS(t, "apicases")))
}

// caseStory: an inspector reports a broken branch with a phone photo; a
// dispatcher registers it and it goes to the unit of its zone (U01); the
// other zone's unit may not touch it; U01 handles it with a photo; the
// inspector sends it back once, U01 handles it again, the inspector
// passes it and the dispatcher closes it. Every step is in the history,
// with who and when; photos are stored cleaned and served to staff only;
// of concurrent steps from one version one wins and the rest get 412.
func caseStory(t *testing.T, e *caseEnv) {
	ctx := context.Background()
	raw := phonePhoto(t, 10)
	if md, err := photo.Metadata(raw); err != nil || !slices.Contains(md, "EXIF with GPS position") || !bytes.Contains(raw, []byte(secretComment)) {
		t.Fatalf("the fixture photo lacks its GPS: %v %v", md, err)
	}
	b, ct := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 104.06123, "lat": 30.65118, "description": "东湖公园北门 断枝挂在树上", "contact": secretContact}, raw)
	rec := e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct})
	c := e.ok(rec, 201, "report")
	if c.State != cases.Reported || c.Version != 1 || c.Reporter != "insp-wang" || c.Contact != secretContact || c.Source != "inspector" ||
		len(c.History) != 1 || len(c.History[0].Photos) != 1 || rec.Header().Get("Location") != fmt.Sprintf("/api/cases/%d", c.ID) {
		t.Fatalf("reported: %+v %v", c, rec.Header())
	}
	// The store holds the cleaned photo only: a JPEG without any
	// metadata, not the upload.
	pid := c.History[0].Photos[0]
	stored, err := e.st.CasePhoto(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if md, err := photo.Metadata(stored.Data); err != nil || len(md) != 0 || bytes.Contains(stored.Data, []byte(secretComment)) || bytes.Contains(stored.Data, []byte("Exif")) || stored.Type != "image/jpeg" {
		t.Fatalf("stored photo: metadata %v %v, type %s", md, err, stored.Type)
	}
	if img, err := jpeg.Decode(bytes.NewReader(stored.Data)); err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
		t.Fatalf("stored photo does not decode as the 64×48 upload: %v", err)
	}

	at := func(h float64) time.Time { return caseT0.Add(time.Duration(h * float64(time.Hour))) }
	c = e.ok(e.step("disp-li", c, "register", at(0.5), nil), 200, "register")
	if c.State != cases.Dispatched || c.Unit != "U01" || c.Zone != "Z-W" || c.Version != 3 || c.Registered == nil || !c.Registered.Equal(at(0.5)) {
		t.Fatalf("registered and auto-dispatched: %+v", c)
	}
	// The other zone's unit may not touch it, nor see it; nothing is stored.
	n0, ev0, ph0 := caseCount(t, e.st)
	e.problem(e.step("jj-team", c, "handle", at(5), map[string]string{"note": "done"}, phonePhoto(t, 20)), 403, "handle by U02")
	e.problem(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d", c.ID), as: "jj-team"}), 403, "read by U02")
	if n, ev, ph := caseCount(t, e.st); n != n0 || ev != ev0 || ph != ph0 {
		t.Fatalf("a refused step stored something: %d/%d/%d cases/events/photos, was %d/%d/%d", n, ev, ph, n0, ev0, ph0)
	}
	// A step without If-Match is refused.
	e.problem(e.do(req{method: "POST", path: fmt.Sprintf("/api/cases/%d/verify", c.ID), as: "insp-wang"}), 428, "no If-Match")

	c = e.ok(e.step("dh-team", c, "handle", at(5), map[string]string{"note": "断枝已修剪"}, phonePhoto(t, 30)), 200, "handle")
	c = e.ok(e.step("insp-wang", c, "send_back", at(6), map[string]string{"note": "枝条未清运"}), 200, "send back")
	if c.State != cases.Dispatched || c.Reopens != 1 || c.Reason != "枝条未清运" {
		t.Fatalf("sent back: %+v", c)
	}
	c = e.ok(e.step("dh-team", c, "handle", at(8), map[string]string{"note": "已清运"}, phonePhoto(t, 40)), 200, "handle again")
	c = e.ok(e.step("insp-wang", c, "verify", at(9), nil, phonePhoto(t, 50)), 200, "verify")
	// Closing is the dispatcher's: the inspector may not.
	e.problem(e.step("insp-wang", c, "close", at(9.5), nil), 403, "close by the inspector")
	c = e.ok(e.step("disp-li", c, "close", at(10), nil), 200, "close")
	if c.State != cases.Closed || c.Version != 8 || c.Closed == nil || !c.Closed.Equal(at(10)) || c.Overdue {
		t.Fatalf("closed: %+v", c)
	}
	// Impossible now: 409; from an old version: 412.
	e.problem(e.step("disp-li", c, "close", at(11), nil), 409, "close twice")
	old := c
	old.Version = 7
	e.problem(e.step("disp-li", old, "close", at(11), nil), 412, "close from version 7")

	// The full history, as the dispatcher reads it.
	got := e.ok(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d", c.ID), as: "disp-li"}), 200, "read")
	var steps []string
	for _, ev := range got.History {
		steps = append(steps, fmt.Sprintf("%s %s %s→%s %s", ev.At.In(caseT0.Location()).Format("15:04"), ev.Who, ev.From, ev.To, ev.Action))
	}
	want := []string{
		"08:00 insp-wang →reported report",
		"08:30 disp-li reported→registered register",
		"08:30 disp-li registered→dispatched dispatch",
		"13:00 dh-team dispatched→handled handle",
		"14:00 insp-wang handled→dispatched send_back",
		"16:00 dh-team dispatched→handled handle",
		"17:00 insp-wang handled→verified verify",
		"18:00 disp-li verified→closed close",
	}
	if !slices.Equal(steps, want) || got.Contact != secretContact {
		t.Fatalf("history:\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	// U01 reads its case without the reporter's contact; a planner and
	// the public may not read it.
	if u := e.ok(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d", c.ID), as: "dh-team"}), 200, "read by U01"); u.Contact != "" || len(u.History) != 8 {
		t.Errorf("U01 reads the contact or not the history: %+v", u)
	}
	e.problem(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d", c.ID), as: "plan-chen"}), 403, "read by a planner")
	e.problem(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d", c.ID)}), 401, "read by the public")

	// Photos: each step's, to staff, cleaned; thumbnails too.
	var handlePhoto int64
	for _, ev := range got.History {
		if ev.Action == cases.ActHandle {
			handlePhoto = ev.Photos[0]
		}
	}
	for _, p := range []string{fmt.Sprintf("/api/cases/%d/photos/%d", c.ID, pid), fmt.Sprintf("/api/cases/%d/photos/%d", c.ID, handlePhoto), fmt.Sprintf("/api/cases/%d/photos/%d/thumb", c.ID, pid)} {
		for _, as := range []string{"insp-wang", "dh-team", "audit-zhao"} {
			rec := e.do(req{method: "GET", path: p, as: as})
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" {
				t.Fatalf("GET %s as %s: %d %s", p, as, rec.Code, rec.Body)
			}
			if md, err := photo.Metadata(rec.Body.Bytes()); err != nil || len(md) > 0 || bytes.Contains(rec.Body.Bytes(), []byte(secretComment)) {
				t.Errorf("GET %s carries metadata: %v %v", p, md, err)
			}
		}
		e.problem(e.do(req{method: "GET", path: p, as: "jj-team"}), 403, "photo for U02")
		e.problem(e.do(req{method: "GET", path: p}), 401, "photo for the public")
	}
	e.problem(e.do(req{method: "GET", path: fmt.Sprintf("/api/cases/%d/photos/%d", c.ID+1, pid), as: "insp-wang"}), 404, "photo of another case")

	// Lists: by unit, state, zone; a unit's token lists its own only.
	list := func(as, query string) []int64 {
		t.Helper()
		rec := e.do(req{method: "GET", path: "/api/cases?" + query, as: as})
		var l CaseListJSON
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
			t.Fatalf("list %s as %s: %d %s", query, as, rec.Code, rec.Body)
		}
		var ids []int64
		for _, x := range l.Cases {
			ids = append(ids, x.ID)
		}
		return ids
	}
	if ids := list("disp-li", "state=closed&zone=Z-W&unit=U01"); !slices.Equal(ids, []int64{c.ID}) {
		t.Errorf("closed in Z-W: %v", ids)
	}
	if ids := list("jj-team", ""); len(ids) != 0 {
		t.Errorf("U02 lists %v", ids)
	}
	e.problem(e.do(req{method: "GET", path: "/api/cases?unit=U01", as: "jj-team"}), 403, "U02 lists U01's")

	caseRace(t, e)
	caseOverdue(t, e)
}

// caseRace: eight dispatchers re-dispatch one case from the same version
// at once: exactly one wins, the rest get 412, and the history holds one
// more event.
func caseRace(t *testing.T, e *caseEnv) {
	e.clk.Set(caseT0.Add(24 * time.Hour))
	b, ct := caseBodyOf(t, map[string]any{"category": "exposed_garbage", "lon": 104.15, "lat": 30.65})
	c := e.ok(e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}), 201, "report")
	c = e.ok(e.step("disp-li", c, "register", caseT0.Add(25*time.Hour), nil), 200, "register")
	if c.Unit != "U02" || c.Version != 3 {
		t.Fatalf("auto-dispatch to the east zone: %+v", c)
	}
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, ct := caseBodyOf(t, map[string]string{"unit": fmt.Sprintf("U%02d", 10+i), "note": "override"})
			codes[i] = e.do(req{method: "POST", path: fmt.Sprintf("/api/cases/%d/dispatch", c.ID), as: "disp-li", ifMatch: c.Version, body: b, ctype: ct}).Code
		}()
	}
	wg.Wait()
	won := 0
	for _, code := range codes {
		switch code {
		case 200:
			won++
		case 412:
		default:
			t.Errorf("concurrent step: %d", code)
		}
	}
	evs, err := e.st.CaseEvents(context.Background(), c.ID)
	if won != 1 || err != nil || len(evs) != 4 {
		t.Fatalf("%d of %d concurrent steps won (%v); history %d events", won, n, codes, len(evs))
	}
}

// caseOverdue: a case registered and left alone runs past its category's
// deadline and is listed as overdue then, not before.
func caseOverdue(t *testing.T, e *caseEnv) {
	t0 := caseT0.Add(48 * time.Hour)
	e.clk.Set(t0)
	b, ct := caseBodyOf(t, map[string]any{"category": "overflowing_bin", "lon": 104.05, "lat": 30.62})
	c := e.ok(e.do(req{method: "POST", path: "/api/cases", as: "insp-wang", body: b, ctype: ct}), 201, "report")
	c = e.ok(e.step("disp-li", c, "register", t0, nil), 200, "register")
	deadline := *c.Deadline
	overdue := func() bool {
		rec := e.do(req{method: "GET", path: "/api/cases?overdue=true", as: "disp-li"})
		var l CaseListJSON
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
			t.Fatalf("overdue list: %d %s", rec.Code, rec.Body)
		}
		return slices.ContainsFunc(l.Cases, func(x CaseJSON) bool { return x.ID == c.ID && x.Overdue })
	}
	e.clk.Set(deadline.Add(-time.Minute))
	if overdue() {
		t.Error("overdue before its deadline")
	}
	e.clk.Set(deadline.Add(time.Minute))
	if !overdue() {
		t.Error("not overdue after its deadline")
	}
}
