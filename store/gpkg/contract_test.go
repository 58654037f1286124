package gpkg

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "sub", "store.gpkg")
		return func() (store.Store, error) { return Open(context.Background(), path) }
	})
}
