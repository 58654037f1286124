package memstore

import (
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		d := NewData()
		return func() (store.Store, error) { return d.Open(), nil }
	})
}
