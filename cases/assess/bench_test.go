package assess

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// yearOfCases is n cases over 2026 for 600 units in 40 streets, as seen at
// the start of 2027: most closed in time, one in five late, one in ten
// re-opened, some rejected; of those older than 30 days 1% is still open,
// of the newer ones a third.
func yearOfCases(n int) *Input {
	rng := rand.New(rand.NewPCG(19, 5))
	in := &Input{}
	for u := range 600 {
		in.Units = append(in.Units, Unit{ID: fmt.Sprintf("U%03d", u), Street: fmt.Sprintf("S%02d", u%40)})
	}
	cats := []struct {
		code   string
		weight float64
		hours  int
	}{{"tree-dead", 1, 72}, {"branch", 2, 24}, {"litter", 0.5, 4}, {"overflow", 1, 12}, {"occupied", 3, 120}}
	recent := []string{"closed", "closed", "closed", "closed", "closed", "handled", "dispatched", "registered", "rejected", "reported"}
	start := Month{2026, 1}.Start()
	year := Month{2027, 1}.Start().Sub(start)
	in.Cases = make([]Record, n)
	for i := range in.Cases {
		c := cats[rng.IntN(len(cats))]
		u := rng.IntN(len(in.Units))
		reported := start.Add(time.Duration(rng.Int64N(int64(year))))
		deadline := reported.Add(time.Duration(c.hours) * time.Hour)
		r := Record{ID: fmt.Sprintf("C%07d", i), Unit: in.Units[u].ID, Street: in.Units[u].Street, Category: c.code,
			Weight: c.weight, Reported: reported, Deadline: deadline, State: recent[rng.IntN(len(recent))]}
		if reported.Before(start.Add(year - 30*24*time.Hour)) {
			switch p := rng.IntN(100); {
			case p == 0:
				r.State = "dispatched"
			case p < 8:
				r.State = "rejected"
			default:
				r.State = "closed"
			}
		}
		if r.State == "closed" {
			// Most in time, one in five late by up to ten days.
			took := time.Duration(rng.Int64N(int64(deadline.Sub(reported))))
			if rng.IntN(5) == 0 {
				took = deadline.Sub(reported) + time.Duration(rng.Int64N(int64(240*time.Hour)))
			}
			r.Closed = reported.Add(took)
		}
		if rng.IntN(10) == 0 {
			r.Reopens = 1 + rng.IntN(3)
		}
		in.Cases[i] = r
	}
	return in
}

// BenchmarkMonth assesses one month of a year of 1M cases (bench/cases
// reports this as a month's assessment time).
func BenchmarkMonth(b *testing.B) {
	in := yearOfCases(1_000_000)
	clock := Month{2027, 1}.Start()
	r := Default()
	ctx := context.Background()
	var rep *MonthReport
	for b.Loop() {
		var err error
		if rep, err = r.Month(ctx, in, Month{2026, 6}, clock); err != nil {
			b.Fatal(err)
		}
	}
	if len(rep.Units) != 600 {
		b.Fatalf("%d units", len(rep.Units))
	}
	b.ReportMetric(float64(len(in.Cases))*float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkYear assesses the whole year of 1M cases.
func BenchmarkYear(b *testing.B) {
	in := yearOfCases(1_000_000)
	clock := Month{2027, 1}.Start()
	r := Default()
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Year(ctx, in, 2026, clock); err != nil {
			b.Fatal(err)
		}
	}
}
