package coverage

import (
	"context"
	"testing"

	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/open"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/jackc/pgx/v5"
)

// postgisCity imports the shared OSM file name into a fresh PostGIS schema
// named after prefix and returns the loaded snapshot, the schema and a
// connection for the reference SQL; the store and connection close with t.
func postgisCity(t *testing.T, ctx context.Context, name, prefix string) (*index.Snapshot, string, *pgx.Conn) {
	t.Helper()
	file := storetest.SharedData(t, name)
	dsn := storetest.PostGISURL(t, prefix)
	st, err := open.Store(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := osm.ImportFile(ctx, st, file, osm.Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, storetest.PostGISURL(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return ix.Snapshot(), dsnSchema(dsn), conn
}
