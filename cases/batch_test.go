package cases

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest/testenv"
	"github.com/paulmach/orb"
)

// TestReportAll: a batch with one bad report stores nothing and names
// every bad one; a good batch stores all with their refs and times; the
// same batch again adds nothing.
func TestReportAll(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clk := testenv.NewClock(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
		s := newService(st, clk)
		disp := Actor{Name: "disp-li", Role: RoleDispatcher}
		at := time.Date(2026, 3, 2, 1, 2, 3, 0, time.UTC)
		good := func(i int) Imported {
			return Imported{Report: Report{Category: "overflowing_bin", Point: orb.Point{104.05 + float64(i)/1000, 30.65}, Description: "垃圾满溢", Source: "12345"},
				Ref: fmt.Sprintf("GD%03d", i), At: at}
		}
		all := func(t *testing.T) []store.Case {
			cs, err := st.ListCases(ctx, store.CaseFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		bad := []Imported{good(1), good(2), good(3), good(4)}
		bad[1].Category = "noise"
		bad[3].Point = orb.Point{116.4, 39.9}
		_, err := s.ReportAll(ctx, disp, bad)
		var be *BatchError
		if !errors.As(err, &be) || !errors.Is(err, ErrInput) || len(be.Rows) != 2 || be.Rows[0].Index != 1 || be.Rows[1].Index != 3 {
			t.Fatalf("bad batch: %v", err)
		}
		if cs := all(t); len(cs) != 0 {
			t.Fatalf("bad batch stored %d cases", len(cs))
		}
		batch := []Imported{good(1), good(2), good(3)}
		if n, err := s.ReportAll(ctx, disp, batch); err != nil || n != 3 {
			t.Fatalf("good batch: %d %v", n, err)
		}
		before := all(t)
		for _, c := range before {
			if c.Source != "12345" || c.Ref == "" || !c.Reported.Equal(at) || c.State != Reported || c.Reporter != "disp-li" {
				t.Errorf("stored %+v", c)
			}
			if evs, err := s.History(ctx, c.ID); err != nil || len(evs) != 1 || !evs[0].At.Equal(at) || evs[0].Action != ActReport {
				t.Errorf("history of %d: %+v %v", c.ID, evs, err)
			}
		}
		if n, err := s.ReportAll(ctx, disp, batch); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
		if after := all(t); !reflect.DeepEqual(after, before) {
			t.Errorf("again changed the store:\n%+v\n%+v", after, before)
		}
		if _, err := s.ReportAll(ctx, Actor{Name: "dh", Role: RoleUnit, Unit: "U01"}, batch); !errors.Is(err, ErrForbidden) {
			t.Errorf("a unit imported: %v", err)
		}
		future := good(9)
		future.At = clk.Now().Add(time.Hour)
		if _, err := s.ReportAll(ctx, disp, []Imported{future}); !errors.Is(err, ErrInput) {
			t.Errorf("a report from the future: %v", err)
		}
	})
}
