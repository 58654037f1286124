package api

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/memstore"
)

// TestSurveyTableFromLoadedIndex: a service that loaded its index from
// the store (whose features keep their attributes packed) lists the same
// survey table and records as one whose index took the features as
// written — grades, units and counts included, not blank.
func TestSurveyTableFromLoadedIndex(t *testing.T) {
	st := memstore.New()
	e, gs := newSurveyEnv(t, st)
	want := e.do(req{method: "GET", path: "/api/survey/green.csv", as: "plan-chen"})
	ix, err := live.Load(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := ix.Snapshot().Layer("green").Get(gs[0].ID); !ok || f.Props != nil {
		t.Fatalf("the loaded index's green space %d: found %v, props %v; want packed", gs[0].ID, ok, f.Props)
	}
	e.s = New(e.s.cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.h = e.s.Handler()
	got := e.do(req{method: "GET", path: "/api/survey/green.csv", as: "plan-chen"})
	if got.Code != 200 || got.Body.String() != want.Body.String() {
		t.Errorf("the survey table from a loaded index (%d):\n%s\nwant (%d):\n%s", got.Code, got.Body, want.Code, want.Body)
	}
}
