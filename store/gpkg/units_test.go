package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// undoZonesUnits takes a store back to before the zones and units
// migration (its tables and registrations dropped), at the schema version
// before it (7 when it was written).
func undoZonesUnits(t *testing.T, db *sql.DB) {
	t.Helper()
	stmts := []string{
		`DROP TABLE gr_units`, `DROP TABLE "zones"`, `DROP TABLE "rtree_zones_geom"`,
		`DELETE FROM gpkg_geometry_columns WHERE table_name = 'zones'`,
		`DELETE FROM gpkg_contents WHERE table_name = 'zones'`,
		`DELETE FROM gpkg_extensions WHERE table_name = 'zones'`,
		`DELETE FROM gr_layers WHERE layer = 'zones'`,
		fmt.Sprintf(`UPDATE gr_meta SET value = '%[1]d' WHERE key = 'schema_version' AND CAST(value AS INTEGER) > %[1]d`, layerSince(geo.Zones)-1),
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_data_columns'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		stmts = append(stmts, `DELETE FROM gpkg_data_columns WHERE table_name = 'zones'`)
	}
	for _, st := range stmts {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

// TestZonesUnitsMigrated: a store from before zones and units (schema 7)
// opens with its layers intact, an empty zones layer that takes features,
// and units.
func TestZonesUnitsMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.gpkg")
	sampleStore(t, path, 10)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	undoZonesUnits(t, db)
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open a schema-7 store: %v", err)
	}
	defer s.Close()
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		want := int64(len(samplePlaces))
		switch l.ID {
		case geo.Parcels:
			want += 10
		case geo.Zones:
			want = 0
		}
		if l.Count != want {
			t.Errorf("%s: %d features after the migration, want %d", l.ID, l.Count, want)
		}
	}
	if _, err := s.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{storetest.SampleZone("new", "1", "U01", 104.06, 30.66)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUnits(ctx, []*store.Unit{{ID: "U01", Name: "一公司", Kind: store.UnitMaintenance}}); err != nil {
		t.Fatal(err)
	}
	if us, err := s.ListUnits(ctx); err != nil || len(us) != 1 {
		t.Fatalf("units: %v %v", us, err)
	}
}
