package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// testSurvey: a feature's new version and its survey entries land in one
// transaction, stamped with its time; a rolled-back write leaves neither;
// a bad batch is refused whole; history reads newest first, per feature,
// bounded, and survives a reopen.
func testSurvey(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	fs := Sample("sv", "1", 104.06, 30.66)
	put(t, s, fs)
	g := fs[0]
	if h, err := s.SurveyHistory(c, geo.Green, g.ID, 0); err != nil || len(h) != 0 {
		t.Fatalf("history before any survey: %v %v", h, err)
	}

	edit := func(v int64, trees int64, who string) ([]*store.SurveyEntry, *store.Changes, error) {
		f, err := s.Get(c, geo.Green, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		old := f.Int("trees")
		f.Props["trees"], f.Version = trees, v
		es := []*store.SurveyEntry{
			{Layer: geo.Green, FeatureID: g.ID, Version: v + 1, Field: "trees", Old: fmt.Sprint(old), New: fmt.Sprint(trees), Who: who, Role: "inspector", Note: "复查"},
			{Layer: geo.Green, FeatureID: g.ID, Version: v + 1, Field: "grade", Old: "1", New: "2", Who: who, Role: "inspector"},
		}
		ch, err := s.Write(c, func(tx store.Tx) error {
			if err := tx.Put(c, []*geo.Feature{f}); err != nil {
				return err
			}
			return tx.AppendSurvey(c, es)
		})
		return es, ch, err
	}
	es, ch, err := edit(1, 130, "王工")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.ID == 0 || !e.At.Equal(ch.Updated) {
			t.Fatalf("entry not numbered or not stamped with the write's time %v: %+v", ch.Updated, e)
		}
	}
	// A stale version: neither the feature nor the history changes.
	if _, _, err := edit(1, 999, "李工"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale survey: %v, want ErrConflict", err)
	}
	// A write that fails after its entries rolls them back.
	boom := errors.New("boom")
	_, err = s.Write(c, func(tx store.Tx) error {
		if err := tx.AppendSurvey(c, []*store.SurveyEntry{{Layer: geo.Green, FeatureID: g.ID, Version: 3, Field: "trees", Old: "130", New: "1", Who: "x"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write: %v", err)
	}
	// Bad batches are refused whole.
	for name, bad := range map[string][]*store.SurveyEntry{
		"no field":  {{Layer: geo.Green, FeatureID: g.ID, Version: 3, Field: "trees", Who: "x"}, {Layer: geo.Green, FeatureID: g.ID, Version: 3}},
		"long note": {{Layer: geo.Green, FeatureID: g.ID, Version: 3, Field: "trees", Note: strings.Repeat("注", store.MaxSurveyText+1)}},
		"not utf-8": {{Layer: geo.Green, FeatureID: g.ID, Version: 3, Field: "trees", New: "\xff"}},
		"too many":  make([]*store.SurveyEntry, store.MaxSurveyBatch+1),
	} {
		if name == "too many" {
			for i := range bad {
				bad[i] = &store.SurveyEntry{Layer: geo.Green, FeatureID: g.ID, Version: 3, Field: "trees"}
			}
		}
		if _, err := s.Write(c, func(tx store.Tx) error { return tx.AppendSurvey(c, bad) }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, err := s.Get(c, geo.Green, g.ID)
	if err != nil || got.Version != 2 || got.Int("trees") != 130 {
		t.Fatalf("feature after the survey: %+v %v", got, err)
	}
	h, err := s.SurveyHistory(c, geo.Green, g.ID, 0)
	if err != nil || len(h) != 2 {
		t.Fatalf("history: %+v %v", h, err)
	}
	// Newest first: grade was appended after trees.
	want := []store.SurveyEntry{*es[1], *es[0]}
	for i := range want {
		if h[i] != want[i] {
			t.Errorf("history[%d]:\n got %+v\nwant %+v", i, h[i], want[i])
		}
	}
	checkSurveyReads(t, s, g.ID)
	s.Close()
	s = mustOpen(t, open)
	if h2, err := s.SurveyHistory(c, geo.Green, g.ID, 0); err != nil || len(h2) != 2 || h2[0] != h[0] {
		t.Errorf("after reopen: %+v %v", h2, err)
	}
}

// checkSurveyReads: a history's limit, and no history of another
// layer's or an unknown feature, for green space id surveyed twice.
func checkSurveyReads(t *testing.T, s store.Store, id int64) {
	t.Helper()
	c := ctx(t)
	if h, err := s.SurveyHistory(c, geo.Green, id, 1); err != nil || len(h) != 1 || h[0].Field != "grade" {
		t.Errorf("limit 1: %+v %v", h, err)
	}
	for _, other := range []struct {
		layer string
		id    int64
	}{{geo.Parcels, id}, {geo.Green, id + 1000}} {
		if h, err := s.SurveyHistory(c, other.layer, other.id, 0); err != nil || len(h) != 0 {
			t.Errorf("%s %d: %+v %v", other.layer, other.id, h, err)
		}
	}
}

// testSurveyRace: many survey edits of one feature from the same version
// at once; exactly one wins, and the history holds its entries only.
func testSurveyRace(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	fs := Sample("svr", "1", 104.06, 30.66)
	put(t, s, fs)
	g := fs[0]
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f, err := s.Get(c, geo.Green, g.ID)
			if err != nil {
				errs[i] = err
				return
			}
			f.Props["trees"], f.Version = int64(i), 1
			_, errs[i] = s.Write(c, func(tx store.Tx) error {
				if err := tx.Put(c, []*geo.Feature{f}); err != nil {
					return err
				}
				return tx.AppendSurvey(c, []*store.SurveyEntry{{Layer: geo.Green, FeatureID: g.ID, Version: 2, Field: "trees", Old: "120", New: fmt.Sprint(i), Who: fmt.Sprint("insp", i)}})
			})
		}(i)
	}
	wg.Wait()
	won := OneWinner(t, "writer", errs, store.ErrConflict)
	got, _ := s.Get(c, geo.Green, g.ID)
	h, err := s.SurveyHistory(c, geo.Green, g.ID, 0)
	if err != nil || got.Version != 2 || got.Int("trees") != int64(won) || len(h) != 1 || h[0].Who != fmt.Sprint("insp", won) {
		t.Fatalf("the winner was %d: feature %+v, history %+v %v", won, got, h, err)
	}
}
