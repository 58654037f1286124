package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/demotown/month"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// TestAssessmentInBrowser: the auditor's page in Chinese on the demo town
// with its units and a month of cases: the assessment's table has a row
// per unit in the API's order and figures, the streets' table a row per
// street, the chart a bar per unit as long as its score, the map draws
// every zone coloured by its unit's score (red and orange pixels well
// beyond what the map shows without the zones), and the CSV export comes with
// a BOM. Screenshots land in test-artifacts/.
func TestAssessmentInBrowser(t *testing.T) {
	srv, ix, st := demoBrowserServer(t)
	ctx := context.Background()
	opt := demotown.Options{Seed: 1, Size: "small"}
	us, err := demotown.Units(opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUnits(ctx, us); err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Truncate(time.Hour)
	if _, err := month.Write(ctx, st, ix.Snapshot(), cases.Default(), month.Options{Seed: 1, End: end, PerDay: 5}); err != nil {
		t.Fatal(err)
	}
	// The month holding most of the generated days.
	m := assess.MonthOf(end.Add(-month.Days * 12 * time.Hour))
	secret, hash := store.NewToken()
	if err := st.CreateToken(ctx, &store.Token{Name: "auditor1", Role: store.RoleAuditor, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	// The API's month, as the page should show it.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/assessment?month="+m.String(), nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		Units []struct {
			Unit, Name string
			Rank       int
			Score      float64
			Cases      int
		}
		Streets []struct{ Street string }
	}
	err = json.NewDecoder(resp.Body).Decode(&api)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/assessment: %d %v", resp.StatusCode, err)
	}
	scored := map[string]bool{}
	cased := 0
	for _, u := range api.Units {
		scored[u.Unit] = true
		cased += u.Cases
	}
	// Zones whose unit is scored are coloured; the others grey.
	zones, coloured := 0, 0
	ix.Snapshot().Layer(geo.Zones).Scan(func(f *geo.Feature) bool {
		zones++
		if u := f.Text("unit"); scored[u] {
			coloured++
		}
		return true
	})
	if len(api.Units) < 3 || cased < 50 || zones < 10 {
		t.Fatalf("a thin month %s: %d units, %d cases, %d zones", m, len(api.Units), cased, zones)
	}

	var got struct {
		State struct {
			Month                                 string
			Units, Streets, Bars, Zones, Coloured int
		}
		Lang, Heading string
		Rows          []struct {
			Unit  string
			Cells []string
		}
		StreetRows int
		Head       []string
		Bars       []struct {
			Cls   string
			Width float64
		}
		Drawn []struct {
			Code  string
			Score *float64
		}
		Painted int
		CSV     struct {
			Status int
			Name   string
			BOM    string
			Lines  int
		}
		YearInput, YearSummary string
		YearError              any
		YearHead               []string
		YearRows               []struct {
			Unit  string
			Cells []string
		}
		Problems []string
	}
	runNode(t, &got, []string{"AUDITOR_TOKEN=" + secret}, "test/assess.test.mjs", srv.URL, m.String(), artifacts(t))

	// The year's table is the API's year: each unit's rank, mean, months
	// counted and every month's score.
	var year struct {
		Year  int
		Units []struct {
			Unit    string
			Rank    int
			Score   float64
			Months  int
			ByMonth []*float64 `json:"by_month"`
		}
	}
	apiGet(t, srv.URL, fmt.Sprintf("/api/assessment?year=%d", m.Year), secret, &year)
	if got.YearInput != fmt.Sprint(m.Year) || got.YearError != nil || len(got.YearRows) != len(year.Units) || len(year.Units) == 0 ||
		len(got.YearHead) != 17 || got.YearHead[3] != "年度得分" || got.YearHead[5] != "1月" || !strings.Contains(got.YearSummary, "平均值") {
		t.Errorf("the year %s: error %v, head %q, %d rows for the API's %d units, summary %q", got.YearInput, got.YearError, got.YearHead, len(got.YearRows), len(year.Units), got.YearSummary)
	} else {
		for i, u := range year.Units {
			r := got.YearRows[i]
			want := []string{fmt.Sprint(u.Rank), "", "", fmt.Sprintf("%.1f", u.Score), fmt.Sprint(u.Months)}
			for _, p := range u.ByMonth {
				if p == nil {
					want = append(want, "–")
				} else {
					want = append(want, fmt.Sprintf("%.1f", *p))
				}
			}
			want[1], want[2] = r.Cells[1], r.Cells[2]
			if r.Unit != u.Unit || !slices.Equal(r.Cells, want) {
				t.Errorf("year row %d: %+v; the API: %+v (want cells %q)", i+1, r, u, want)
			}
		}
	}

	if got.Lang != "zh-CN" || got.Heading != "月度考核（百分制）" || !slices.Equal(got.Head, []string{"排名", "责任单位", "街道", "得分", "环比", "案件数", "超期", "返工"}) {
		t.Errorf("not in Chinese: lang %s, heading %q, columns %v", got.Lang, got.Heading, got.Head)
	}
	if got.State.Month != m.String() || len(got.Rows) != len(api.Units) || got.StreetRows != len(api.Streets) {
		t.Fatalf("month %s: %d unit rows, %d street rows; the API has %s with %d and %d", got.State.Month, len(got.Rows), got.StreetRows, m, len(api.Units), len(api.Streets))
	}
	for i, u := range api.Units {
		r := got.Rows[i]
		if r.Unit != u.Unit || r.Cells[0] != fmt.Sprint(u.Rank) || r.Cells[3] != fmt.Sprintf("%.1f", u.Score) || r.Cells[5] != fmt.Sprint(u.Cases) || !strings.Contains(r.Cells[1], u.Name) {
			t.Errorf("row %d: %+v; the API: %+v", i+1, r, u)
		}
	}
	if len(got.Bars) != len(api.Units) {
		t.Fatalf("%d bars for %d units", len(got.Bars), len(api.Units))
	}
	for i, b := range got.Bars {
		// Bars are drawn on 0–100 over the chart's 440 units of width.
		if want := 440 * api.Units[i].Score / 100; b.Width < want-0.2 || b.Width > want+0.2 || !strings.HasPrefix(b.Cls, "s-") {
			t.Errorf("bar %d: %+v, want width %.1f", i+1, b, want)
		}
	}
	colouredDrawn := 0
	for _, d := range got.Drawn {
		if d.Score != nil {
			colouredDrawn++
		}
	}
	if got.State.Zones != zones || got.State.Coloured != coloured || len(got.Drawn) != zones || colouredDrawn != coloured || got.Painted < 30000 {
		t.Errorf("map: %d zones read, %d coloured, %d drawn (%d with a score), %d painted pixels; the layer has %d zones, %d of scored units",
			got.State.Zones, got.State.Coloured, len(got.Drawn), colouredDrawn, got.Painted, zones, coloured)
	}
	if got.CSV.Status != 200 || got.CSV.BOM != "efbbbf" || got.CSV.Lines != len(api.Units)+1 || got.CSV.Name != "assessment-"+m.String()+".csv" {
		t.Errorf("CSV export: %+v", got.CSV)
	}
	for _, p := range got.Problems {
		t.Errorf("the page reported: %s", p)
	}
	t.Logf("%s: %d units, %d streets, %d cases; %d of %d zones coloured, %d pixels painted", m, len(api.Units), len(api.Streets), cased, coloured, zones, got.Painted)
}
