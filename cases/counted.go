package cases

import (
	"context"
	"sync/atomic"

	"github.com/greenreach/greenreach/store"
)

// Counted is a case store that counts the writes made through it, so a
// cache of what cases draw (the case tiles) can tell it may be stale: a
// tile drawn at count n is current while Writes is still n. Every create
// or step counts once it returns, a failed one too (a commit whose answer
// was lost may have stored). Writes made around it (another process on
// the same database) are not counted.
type Counted struct {
	store.Cases
	n atomic.Uint64
}

// Writes is the number of writes returned so far.
func (c *Counted) Writes() uint64 { return c.n.Load() }

func (c *Counted) CreateCase(ctx context.Context, k *store.Case, ev *store.CaseEvent, photos []*store.Photo) error {
	defer c.n.Add(1)
	return c.Cases.CreateCase(ctx, k, ev, photos)
}

func (c *Counted) CreateCases(ctx context.Context, cs []store.NewCase) (int, error) {
	defer c.n.Add(1)
	return c.Cases.CreateCases(ctx, cs)
}

func (c *Counted) StepCase(ctx context.Context, k *store.Case, ifVersion int64, ev *store.CaseEvent, photos []*store.Photo) error {
	defer c.n.Add(1)
	return c.Cases.StepCase(ctx, k, ifVersion, ev, photos)
}
