package coverage

import (
	"context"
	"errors"
	"testing"
)

// countdown is a context whose Err turns DeadlineExceeded after it has
// been asked left times; asked counts the checks.
type countdown struct {
	context.Context
	left, asked int
}

func (c *countdown) Err() error {
	c.asked++
	if c.left >= 0 && c.asked > c.left {
		return context.DeadlineExceeded
	}
	return nil
}

// TestAuditStopsAtTheDeadline: an audit looks at its deadline inside each
// rule's work (the walks, the parcel loops), not only between rules, and
// stops at whichever look finds it passed.
func TestAuditStopsAtTheDeadline(t *testing.T) {
	snap := fixtureTown(t)
	rules := Default()
	live := &countdown{Context: context.Background(), left: -1}
	if _, err := Run(live, snap, rules, Options{}); err != nil {
		t.Fatal(err)
	}
	if live.asked <= 2*len(rules.Rules) {
		t.Errorf("a walk audit of %d rules looked at its deadline %d times: not inside the rules' work", len(rules.Rules), live.asked)
	}
	for k := 0; k < live.asked; k++ {
		c := &countdown{Context: context.Background(), left: k}
		if _, err := Run(c, snap, rules, Options{}); !errors.Is(err, context.DeadlineExceeded) || c.asked != k+1 {
			t.Fatalf("deadline passing after %d of %d looks: err %v after %d looks", k, live.asked, err, c.asked)
		}
	}
}
