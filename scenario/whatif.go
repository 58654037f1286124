package scenario

import (
	"context"
	"time"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
)

// WhatIf is what a scenario's edits (adds, changes, deletes) change in
// the audit of base in mode: base's audit, kept in audits, against the
// audit of base with the edits.
func WhatIf(ctx context.Context, audits *coverage.Cache, base *index.Snapshot, e *Edits, mode string) (*coverage.Delta, error) {
	start := time.Now()
	before, err := audits.Audit(ctx, base, base, mode)
	if err != nil {
		return nil, err
	}
	after, err := audits.Run(ctx, base.With(e.Puts, e.Dels), mode)
	if err != nil {
		return nil, err
	}
	d := coverage.Compare(before, after)
	d.Added, d.Elapsed = e.Puts, time.Since(start)
	return d, nil
}
