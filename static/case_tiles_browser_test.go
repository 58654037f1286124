package static_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// registerCase registers case id (at version 1) as a dispatcher.
func registerCase(t *testing.T, base, token string, id int64) {
	t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/cases/%d/register", base, id), bytes.NewReader([]byte("{}")))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", `"v1"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register case %d: %d", id, resp.StatusCode)
	}
}

// TestCaseTilesInBrowser: four cases in the demo town, three registered.
// The case board's heatmap over this month draws all four from the
// staff's case tiles (their ids at zoom 15, cells counting them at zoom
// 13) and nothing over last month; filtered to reported cases it draws
// the fourth until the board registers it, then no more at once (the
// step redraws the heatmap); the public map's "市民反映的问题" toggle
// then draws the four registered ones from the public tiles with state,
// category and day only, and clicking one names its category and state.
// Screenshots land in test-artifacts/.
func TestCaseTilesInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	env, secrets := caseTokens(t, st, map[string]string{"inspector1": store.RoleInspector, "dispatcher1": store.RoleDispatcher})
	var places []orb.Point
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool {
		c := f.Geom.Bound().Center()
		for _, p := range places {
			if geo.Distance(p, c) < 300 {
				return true
			}
		}
		places = append(places, c)
		return len(places) < 4
	})
	if len(places) < 4 {
		t.Fatalf("only %d green spaces 300 m apart in the demo town", len(places))
	}
	var ids, public []int64
	for i, p := range places {
		id := postCase(t, srv.URL, secrets[store.RoleInspector], []string{"broken_branch", "overflowing_bin"}[i%2], p, fmt.Sprintf("案件 %d", i))
		ids = append(ids, id)
		if i < 3 {
			registerCase(t, srv.URL, secrets[store.RoleDispatcher], id)
			public = append(public, id)
		}
	}
	now := time.Now().In(cases.Day)
	month, last := now.Format("2006-01"), now.AddDate(0, -1, -now.Day()+1).Format("2006-01")

	var got struct {
		Board struct {
			Month, Query string
			IDs          []int64
			Cells        int
			LastMonth    int
			// The reported case's point on the heatmap of reported cases,
			// before and after the board registers it.
			ReportedBefore, ReportedAfter []int64
		}
		Public struct {
			Keys   []string
			Drawn  int
			Cells  int
			States []string
			Popup  string
		}
		Problems []string
	}
	dir := artifacts(t)
	runNode(t, &got, env, "test/casetiles.test.mjs", srv.URL, month, last, fmt.Sprint(places[0][0]), fmt.Sprint(places[0][1]), dir,
		fmt.Sprint(ids[3]), fmt.Sprint(places[3][0]), fmt.Sprint(places[3][1]))

	slices.Sort(got.Board.IDs)
	if got.Board.Month != month || fmt.Sprint(got.Board.IDs) != fmt.Sprint(ids) {
		t.Errorf("the board's heatmap of %s: cases %v, want %v (month %s)", month, got.Board.IDs, ids, got.Board.Month)
	}
	if got.Board.Cells != len(ids) {
		t.Errorf("the board's heatmap at zoom 13 counts %d cases, want %d", got.Board.Cells, len(ids))
	}
	if fmt.Sprint(got.Board.ReportedBefore) != fmt.Sprint(ids[3:]) || len(got.Board.ReportedAfter) != 0 {
		t.Errorf("the heatmap of reported cases draws %v, after registering case %d %v; want %v, then none",
			got.Board.ReportedBefore, ids[3], got.Board.ReportedAfter, ids[3:])
	}
	public = append(public, ids[3]) // the board registered it
	if got.Board.LastMonth != 0 {
		t.Errorf("the board's heatmap of %s draws %d features", last, got.Board.LastMonth)
	}
	if fmt.Sprint(got.Public.Keys) != "[category opened state]" || got.Public.Cells != len(public) {
		t.Errorf("the public layer: keys %v, %d cases counted at zoom 11, want %d", got.Public.Keys, got.Public.Cells, len(public))
	}
	for _, s := range got.Public.States {
		if s != cases.Registered {
			t.Errorf("the public layer draws a case %s", s)
		}
	}
	if got.Public.Drawn == 0 || got.Public.Popup == "" {
		t.Errorf("the public layer at zoom 15: %d drawn, popup %q", got.Public.Drawn, got.Public.Popup)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
}
