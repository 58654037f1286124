package storetest

import (
	"errors"
	"testing"
)

// OneWinner checks the errors of concurrent writers from one version:
// exactly one nil, the winner, whose index it returns, and every other
// lost (errors.Is(err, lost): store.ErrConflict, store.ErrDuplicate).
// what names a writer in the messages ("writer", "edit").
func OneWinner(t testing.TB, what string, errs []error, lost error) int {
	t.Helper()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Fatalf("%ss %d and %d both won", what, won, i)
			}
			won = i
		case !errors.Is(err, lost):
			t.Errorf("%s %d: %v, want %v", what, i, err, lost)
		}
	}
	if won < 0 {
		t.Fatalf("no %s won", what)
	}
	return won
}
