package demotown

import (
	"context"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// Into generates the town into st in one transaction: all of it or, on an
// error, nothing.
func Into(ctx context.Context, st store.Store, opt Options) (Stats, error) {
	var stats Stats
	_, err := st.Write(ctx, func(tx store.Tx) error {
		var err error
		stats, err = Generate(opt, func(b []*geo.Feature) error { return tx.Put(ctx, b) })
		return err
	})
	return stats, err
}
