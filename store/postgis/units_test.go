package postgis

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// undoZonesUnits is the SQL that takes a schema back to before the zones
// and units step.
func undoZonesUnits(schema string) string {
	return `DROP TABLE ` + schema + `.gr_units, ` + schema + `.zones; DELETE FROM ` + schema + `.gr_layers WHERE layer = 'zones'`
}

// zonesStep is the step of migrateZonesUnits (7 when it was written).
func zonesStep(t *testing.T) int {
	for i, m := range migrations {
		if reflect.ValueOf(m).Pointer() == reflect.ValueOf(migrateZonesUnits).Pointer() {
			return i + 1
		}
	}
	t.Fatal("no zones step")
	return 0
}

// TestZonesUnitsMigrated: a schema from before zones and units (step 6)
// migrates with its layers intact, an empty zones layer that takes
// features, and units.
func TestZonesUnitsMigrated(t *testing.T) {
	ctx := context.Background()
	u := testURL(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, storetest.Sample("old", "1", 104.06, 30.66)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.gr_schema_migrations WHERE step >= %d; `, s.schema, zonesStep(t))+undoZonesUnits(s.schema)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, u)
	if err != nil {
		t.Fatalf("open a step-6 schema: %v", err)
	}
	defer s.Close()
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		want := int64(1)
		if l.ID == geo.Zones {
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
