// Package open picks and opens a store from a data source name: a
// postgres:// or postgresql:// URL selects PostGIS, anything else is the path
// of an embedded GeoPackage.
package open

import (
	"context"
	"strings"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/postgis"
)

// DefaultDSN is the store used when neither --db nor GREENREACH_DB is set.
const DefaultDSN = "./data/greenreach.gpkg"

// IsPostGIS reports whether dsn names a PostGIS database.
func IsPostGIS(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Store opens the store dsn names.
func Store(ctx context.Context, dsn string) (store.Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	if IsPostGIS(dsn) {
		return postgis.Open(ctx, dsn)
	}
	return gpkg.Open(ctx, dsn)
}
