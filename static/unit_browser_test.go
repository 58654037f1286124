package static_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// dispatchedCase stores a case of unit reported and dispatched to it, with
// its deadline; closed ones get their closing time.
func dispatchedCase(t *testing.T, st store.Store, p orb.Point, cat, unit, desc string, reported, deadline time.Time, closed bool) int64 {
	t.Helper()
	ctx := context.Background()
	c := &store.Case{Category: cat, State: "reported", Point: p, Description: desc, Source: "inspector", Reporter: "inspector1", Reported: reported, Updated: reported}
	if err := st.CreateCase(ctx, c, &store.CaseEvent{At: reported, Who: "inspector1", Role: "inspector", Action: "report", To: "reported", Note: desc}, nil); err != nil {
		t.Fatal(err)
	}
	at := reported.Add(time.Hour)
	c.State, c.Unit, c.Zone, c.Registered, c.Deadline, c.Updated = "dispatched", unit, "Z-"+unit, &at, &deadline, at
	ev := &store.CaseEvent{At: at, Who: "dispatcher1", Role: "dispatcher", Action: "dispatch", From: "registered", To: "dispatched", Unit: unit}
	if closed {
		end := at.Add(time.Hour)
		c.State, c.Closed, c.Updated = "closed", &end, end
		ev = &store.CaseEvent{At: end, Who: "dispatcher1", Role: "dispatcher", Action: "close", From: "verified", To: "closed"}
	}
	if err := st.StepCase(ctx, c, 1, ev, nil); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestUnitPageInBrowser: a responsible unit's page (/unit) with the token
// of unit U01: its open cases, the overdue one first and flagged, the
// closed one only once "open only" is unticked, another unit's never; it
// handles a case with a note and a photo (stored with the unit's name and
// the photo); a case re-dispatched behind its back is refused (412), which
// the page says plainly, showing the case as it is now; its line of this
// month's assessment is the API's. Chinese first, English too.
// Screenshots land in test-artifacts/.
func TestUnitPageInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	env, secrets := caseTokens(t, st, map[string]string{"unit1": store.RoleUnit, "dispatcher1": store.RoleDispatcher})
	var places []orb.Point
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		places = append(places, f.Geom.Bound().Center())
		return len(places) < 4
	})
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := dispatchedCase(t, st, places[0], "broken_branch", "U01", "断枝 A", now.Add(-2*time.Hour), now.Add(48*time.Hour), false)
	b := dispatchedCase(t, st, places[1], "overflowing_bin", "U01", "垃圾满溢 B", now.Add(-30*time.Hour), now.Add(-time.Hour), false)
	c := dispatchedCase(t, st, places[2], "green_dirty", "U01", "绿地脏乱 C", now.Add(-5*time.Hour), now.Add(20*time.Hour), true)
	d := dispatchedCase(t, st, places[3], "broken_branch", "U02", "断枝 D（另一单位）", now.Add(-time.Hour), now.Add(48*time.Hour), false)
	photo, _ := writeJPEG(t, "after.jpg", 80, 60)

	var got struct {
		Open, All   []int64
		OverdueRows int
		Count       string
		Assessment  struct {
			Month, Unit string
			Score       float64
			Rank        int
			Error       any
		}
		AssessText string
		Handled    struct {
			ID            int64
			State, Notice string
		}
		Conflict struct {
			State     string
			Version   int64
			Conflicts int
			Notice    string
		}
		Missing  []string
		Problems []string
		English  struct {
			Lang, Where, Assess string
			Missing             []string
		}
	}
	dir := artifacts(t)
	runNode(t, &got, env, "test/unit.test.mjs", srv.URL, fmt.Sprint(a), fmt.Sprint(b), photo, dir)

	if fmt.Sprint(got.Open) != fmt.Sprint([]int64{b, a}) || got.OverdueRows != 1 {
		t.Errorf("open cases: the page lists %v with %d overdue, want [%d %d] (B overdue first) with 1", got.Open, got.OverdueRows, b, a)
	}
	if fmt.Sprint(got.All) != fmt.Sprint([]int64{b, a, c}) {
		t.Errorf("all cases: the page lists %v, want [%d %d %d] (closed last; never unit U02's %d)", got.All, b, a, c, d)
	}
	if got.Count != "共 2 件，其中超期 1 件" {
		t.Errorf("the count says %q", got.Count)
	}
	// Handled: the store has A handled by the unit's token, with the note
	// and a photo.
	var k testCase
	apiGet(t, srv.URL, fmt.Sprintf("/api/cases/%d", a), secrets[store.RoleDispatcher], &k)
	last := k.History[len(k.History)-1]
	if got.Handled.ID != a || got.Handled.State != "handled" || k.State != "handled" || last.Action != "handle" || last.Who != "unit1" || len(last.Photos) != 1 {
		t.Errorf("handling A: the page %+v; stored %s, last step %+v", got.Handled, k.State, last)
	}
	if !strings.Contains(got.Handled.Notice, "已处置") {
		t.Errorf("after handling the page says %q", got.Handled.Notice)
	}
	// The conflict: B was re-dispatched (v3) and not handled.
	apiGet(t, srv.URL, fmt.Sprintf("/api/cases/%d", b), secrets[store.RoleDispatcher], &k)
	if k.State != "dispatched" || k.Version != 3 || k.History[len(k.History)-1].Action != "dispatch" {
		t.Errorf("B after the refused step: %s v%d, history %+v", k.State, k.Version, k.History)
	}
	if c := got.Conflict; c.Conflicts != 1 || c.State != "dispatched" || c.Version != 3 || !strings.Contains(c.Notice, "已被他人更新") {
		t.Errorf("a step on a case moved meanwhile: %+v", c)
	}
	// The assessment line is the API's line for U01.
	var rep struct {
		Month string
		Units []struct {
			Unit  string
			Score float64
			Rank  int
		}
	}
	bj := time.Now().In(time.FixedZone("CST", 8*3600))
	apiGet(t, srv.URL, "/api/assessment?month="+bj.Format("2006-01"), secrets[store.RoleUnit], &rep)
	if len(rep.Units) != 1 || rep.Units[0].Unit != "U01" {
		t.Fatalf("the API's assessment for U01's token: %+v", rep)
	}
	want := rep.Units[0]
	if a := got.Assessment; a.Unit != "U01" || a.Score != want.Score || a.Rank != want.Rank || a.Month != rep.Month ||
		!strings.Contains(got.AssessText, fmt.Sprintf("得分 %.1f", want.Score)) || !strings.Contains(got.AssessText, fmt.Sprintf("排名第 %d", want.Rank)) {
		t.Errorf("the assessment line: %+v %q; the API says %+v of %s", got.Assessment, got.AssessText, want, rep.Month)
	}
	if len(got.Missing) != 0 || len(got.English.Missing) != 0 {
		t.Errorf("keys missing from the catalogues: %q, %q", got.Missing, got.English.Missing)
	}
	if e := got.English; e.Lang != "en" || e.Where != "Unit" || !strings.HasPrefix(e.Assess, "Assessment ") {
		t.Errorf("in English: %+v", e)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
}
