package scenario

import (
	"context"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
)

// StaleError is a commit refused because the scenario changes or deletes
// a feature the baseline no longer has. Err is the store's ErrNotFound.
type StaleError struct{ Err error }

func (e *StaleError) Error() string { return e.Err.Error() }
func (e *StaleError) Unwrap() error { return e.Err }

// Commit puts scenario id's edits into the baseline and marks it
// committed by who at version (store.ErrConflict if it is no longer at
// it), in one transaction written through ix, so that tiles, queries and
// audits see it on the next request. Added features are sourced
// "scenario-ID".
func Commit(ctx context.Context, ix *live.Index, st store.Store, id, version int64, who string, e *Edits) error {
	for _, f := range e.Puts {
		if f.ID == 0 {
			f.Source = fmt.Sprintf("scenario-%d", id)
		}
	}
	// stale: an edit of a feature the baseline no longer has (not found
	// while editing, as against the scenario itself not found).
	var stale error
	edit := func(err error) error {
		if errors.Is(err, store.ErrNotFound) {
			stale = err
		}
		return err
	}
	_, err := ix.Write(ctx, st, func(tx store.Tx) error {
		for layer, ids := range e.Dels {
			for _, fid := range ids {
				if err := tx.Delete(ctx, layer, fid); err != nil {
					return edit(err)
				}
			}
		}
		if len(e.Puts) > 0 {
			if err := tx.Put(ctx, e.Puts); err != nil {
				return edit(err)
			}
		}
		return tx.CommitScenario(ctx, id, version, who)
	})
	if stale != nil && errors.Is(err, stale) {
		return &StaleError{Err: stale}
	}
	return err
}
