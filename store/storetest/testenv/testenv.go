// Package testenv opens throwaway stores for the tests of the packages
// above the store (cases, survey, the api): a new empty store of every
// kind, closed — and its PostGIS schema dropped — when the test ends. It
// is apart from storetest because the store packages' own tests import
// storetest, and this package imports them.
package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/greenreach/greenreach/store/storetest"
)

// EachStore runs fn on a new empty store of every kind, as the subtests
// memory, gpkg and postgis. name names the GeoPackage file and prefixes the
// PostGIS schema; PostGIS runs as storetest.PostGISURL decides (never a
// silent skip where GREENREACH_REQUIRE_POSTGIS is set).
func EachStore(t *testing.T, name string, fn func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, memstore.New()) })
	t.Run("gpkg", func(t *testing.T) { fn(t, GeoPackage(t, name)) })
	t.Run("postgis", func(t *testing.T) { fn(t, PostGIS(t, name)) })
}

// GeoPackage opens a new empty GeoPackage NAME.gpkg in the test's own
// directory, closed when the test ends.
func GeoPackage(t testing.TB, name string) store.Store {
	t.Helper()
	st, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), name+".gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostGIS opens the test run's PostGIS in a new schema NAME_N
// (storetest.PostGISSchema), closed and the schema dropped when the test
// ends.
func PostGIS(t testing.TB, name string) store.Store {
	t.Helper()
	st, err := postgis.Open(context.Background(), storetest.PostGISSchema(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
