package cases

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

// TestCountedWrites: every create, batch and step through a Counted
// store counts once, a refused one too; reads count nothing.
func TestCountedWrites(t *testing.T) {
	ctx := context.Background()
	c := &Counted{Cases: memstore.New()}
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	newCase := func() (*store.Case, *store.CaseEvent) {
		return &store.Case{Category: "broken_branch", State: Reported, Point: orb.Point{104.06, 30.66}, Reported: at, Updated: at},
			&store.CaseEvent{At: at, Who: "x", Role: store.RoleInspector, Action: ActReport, To: Reported}
	}
	k, ev := newCase()
	if err := c.CreateCase(ctx, k, ev, nil); err != nil || c.Writes() != 1 {
		t.Fatalf("after a create: %d writes, %v", c.Writes(), err)
	}
	k2, ev2 := newCase()
	if n, err := c.CreateCases(ctx, []store.NewCase{{Case: k2, Event: ev2}}); err != nil || n != 1 || c.Writes() != 2 {
		t.Fatalf("after a batch: %d writes, %v", c.Writes(), err)
	}
	step := *k
	step.State = Registered
	if err := c.StepCase(ctx, &step, 1, &store.CaseEvent{At: at, Who: "d", Action: ActRegister, From: Reported, To: Registered}, nil); err != nil || c.Writes() != 3 {
		t.Fatalf("after a step: %d writes, %v", c.Writes(), err)
	}
	if err := c.StepCase(ctx, &step, 1, &store.CaseEvent{At: at, Who: "d", Action: ActRegister, From: Reported, To: Registered}, nil); !errors.Is(err, store.ErrConflict) || c.Writes() != 4 {
		t.Fatalf("after a refused step: %d writes, %v", c.Writes(), err)
	}
	if _, err := c.ListCases(ctx, store.CaseFilter{}); err != nil || c.Writes() != 4 {
		t.Fatalf("a read counted: %d writes, %v", c.Writes(), err)
	}
}
