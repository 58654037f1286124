package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// testScenarios: create, read, list, update with the right version and
// with a stale one, delete, and survive a reopen.
func testScenarios(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	edits := []byte(`{"type":"FeatureCollection","features":[]}`)
	a := &store.Scenario{Name: "东湖公园 draft", Author: "planner1", Owner: "planner1", Edits: edits}
	if err := s.CreateScenario(c, a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Version != 1 || a.Created.IsZero() {
		t.Fatalf("created %+v", a)
	}
	b := &store.Scenario{Name: "second", Edits: edits}
	if err := s.CreateScenario(c, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetScenario(c, a.ID)
	if err != nil || got.Name != a.Name || got.Author != "planner1" || got.Owner != "planner1" || string(got.Edits) != string(edits) || got.Version != 1 || !got.Created.Equal(a.Created) {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := s.ListScenarios(c)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[0].Edits != nil || list[0].Owner != "" || list[1].Owner != "planner1" {
		t.Fatalf("list: %+v %v", list, err)
	}
	upd := &store.Scenario{ID: a.ID, Name: "renamed", Owner: "mallory", Edits: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"op":"add"},"geometry":null}]}`)}
	if err := s.UpdateScenario(c, upd, 1); err != nil || upd.Version != 2 {
		t.Fatalf("update: %v %+v", err, upd)
	}
	if err := s.UpdateScenario(c, &store.Scenario{ID: a.ID, Name: "lost", Edits: edits}, 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale update: %v, want ErrConflict", err)
	}
	if err := s.UpdateScenario(c, &store.Scenario{ID: 999999, Name: "x", Edits: edits}, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing update: %v", err)
	}
	if got, _ := s.GetScenario(c, a.ID); got.Name != "renamed" || got.Version != 2 || string(got.Edits) != string(upd.Edits) || got.Owner != "planner1" {
		t.Errorf("after update: %+v", got)
	}
	if err := s.DeleteScenario(c, b.ID, 7); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale delete: %v", err)
	}
	if err := s.DeleteScenario(c, b.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetScenario(c, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted: %v", err)
	}
	s.Close()
	s = mustOpen(t, open)
	if got, err := s.GetScenario(c, a.ID); err != nil || got.Version != 2 {
		t.Errorf("after reopen: %+v %v", got, err)
	}
}

// testScenarioRace: many writers update one scenario from the same
// version at once; exactly one wins, the rest get ErrConflict, and the
// stored edits are the winner's.
func testScenarioRace(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	sc := &store.Scenario{Name: "race", Edits: []byte(`{"n":0}`)}
	if err := s.CreateScenario(c, sc); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.UpdateScenario(c, &store.Scenario{ID: sc.ID, Name: "race", Edits: []byte(`{"n":` + string(rune('1'+i)) + `}`)}, 1)
		}(i)
	}
	wg.Wait()
	won := OneWinner(t, "writer", errs, store.ErrConflict)
	got, _ := s.GetScenario(c, sc.ID)
	if want := `{"n":` + string(rune('1'+won)) + `}`; string(got.Edits) != want || got.Version != 2 {
		t.Errorf("stored %s v%d, the winner wrote %s", got.Edits, got.Version, want)
	}
}

// testScenarioCommit: a commit puts edits and marks the scenario in one
// transaction; a failing commit leaves both unchanged; a committed
// scenario is read-only.
func mustLayers(t *testing.T, s store.Store) []store.LayerInfo {
	t.Helper()
	ls, err := s.Layers(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func testScenarioCommit(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	sc := &store.Scenario{Name: "commit me", Edits: []byte(`{}`)}
	if err := s.CreateScenario(c, sc); err != nil {
		t.Fatal(err)
	}
	park := Sample("scenario", "1", 104.1, 30.7)[0]
	// Stale version: nothing lands.
	if _, err := s.Write(c, func(tx store.Tx) error {
		if err := tx.Put(c, []*geo.Feature{park}); err != nil {
			return err
		}
		return tx.CommitScenario(c, sc.ID, 5, "admin")
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale commit: %v", err)
	}
	if _, err := s.Get(c, geo.Green, park.ID); !errors.Is(err, store.ErrNotFound) && park.ID != 0 {
		t.Fatalf("a failed commit wrote its park: %v", err)
	}
	for _, info := range mustLayers(t, s) {
		if info.Count != 0 {
			t.Fatalf("a failed commit wrote features: %+v", info)
		}
	}
	park = Sample("scenario", "1", 104.1, 30.7)[0]
	if _, err := s.Write(c, func(tx store.Tx) error {
		if err := tx.Put(c, []*geo.Feature{park}); err != nil {
			return err
		}
		return tx.CommitScenario(c, sc.ID, 1, "admin")
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetScenario(c, sc.ID)
	if err != nil || got.Committed == nil || got.CommittedBy != "admin" || got.Version != 2 {
		t.Fatalf("committed: %+v %v", got, err)
	}
	if _, err := s.Get(c, geo.Green, park.ID); err != nil {
		t.Errorf("the committed park: %v", err)
	}
	if err := s.UpdateScenario(c, &store.Scenario{ID: sc.ID, Name: "after", Edits: []byte(`{}`)}, 2); !errors.Is(err, store.ErrCommitted) {
		t.Errorf("update after commit: %v", err)
	}
}
