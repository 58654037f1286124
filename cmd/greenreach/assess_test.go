package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestAssessMonthAndYear: greenreach assess on the demo town's month of
// cases: the month's units (each 100 less its deductions); the year
// (年终考核), whose every unit has November's score in its months and
// scores their mean; the table in Chinese; bad arguments are usage
// errors naming what is wanted.
func TestAssessMonthAndYear(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "town.gpkg")
	if code, _, errs := runCLI(t, ctx, "--db", db, "demo", "--size", "small", "--month-end", "2026-12-01T00:00:00+08:00"); code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	const clock = "2026-12-15T12:00:00+08:00"
	code, out, errs := runCLI(t, ctx, "--db", db, "assess", "--month", "2026-11", "--format", "json", "--clock", clock)
	if code != 0 {
		t.Fatalf("assess --month: %d %s", code, errs)
	}
	var month struct {
		Month string
		Units []struct {
			Unit            string
			Score, Deducted float64
			Cases           int
		}
	}
	if err := json.Unmarshal([]byte(out), &month); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	scores, below := map[string]float64{}, 0
	for _, u := range month.Units {
		scores[u.Unit] = u.Score
		if u.Score > 0 && math.Abs(u.Score+u.Deducted-100) > 1e-9 {
			t.Errorf("unit %s: %.1f with %.1f deducted, not out of 100", u.Unit, u.Score, u.Deducted)
		}
		if u.Score < 100 {
			below++
		}
	}
	if month.Month != "2026-11" || len(month.Units) < 3 || below == 0 {
		t.Fatalf("the month: %s, %d units, %d below 100: %s", month.Month, len(month.Units), below, out)
	}

	code, out, errs = runCLI(t, ctx, "--db", db, "assess", "--year", "2026", "--format", "json", "--clock", clock)
	if code != 0 {
		t.Fatalf("assess --year: %d %s", code, errs)
	}
	var year struct {
		Year   int
		Months int
		Units  []struct {
			Unit    string
			Score   float64
			Months  int
			ByMonth []*float64 `json:"by_month"`
		}
	}
	if err := json.Unmarshal([]byte(out), &year); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if year.Year != 2026 || year.Months != 11 || len(year.Units) != len(month.Units) {
		t.Fatalf("the year: %d, %d months, %d units (the month has %d): %s", year.Year, year.Months, len(year.Units), len(month.Units), out)
	}
	for _, u := range year.Units {
		var sum float64
		n := 0
		for _, p := range u.ByMonth {
			if p != nil {
				sum += *p
				n++
			}
		}
		if len(u.ByMonth) != 12 || u.ByMonth[10] == nil || *u.ByMonth[10] != scores[u.Unit] {
			t.Errorf("unit %s's year: November %v, the month says %.1f", u.Unit, u.ByMonth, scores[u.Unit])
			continue
		}
		if mean := math.Round(sum/float64(n)*10) / 10; n != u.Months || math.Abs(u.Score-mean) > 0.05+1e-9 {
			t.Errorf("unit %s's year: %.1f over %d months, the months' mean is %.2f over %d", u.Unit, u.Score, u.Months, sum/float64(n), n)
		}
	}

	code, out, errs = runCLI(t, ctx, "--db", db, "assess", "--year", "2026", "--clock", clock)
	if code != 0 || !strings.Contains(out, "2026 年度考核") || !strings.Contains(out, "排名") || !strings.Contains(out, year.Units[0].Unit) {
		t.Errorf("the year's table: %d %s %s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"assess"}, {"assess", "--month", "2026-11", "--year", "2026"}, {"assess", "--year", "1900"},
		{"assess", "--month", "2027-01", "--clock", clock}, {"assess", "--year", "2026", "--format", "xml"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, bad...)...)
		if code != 2 || !strings.Contains(errs, "want") {
			t.Errorf("%q: exit %d, %q; want 2 naming what is wanted", bad, code, errs)
		}
	}
}
