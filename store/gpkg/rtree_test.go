package gpkg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// A failed write of the root node during a bulk index rebuild fails the
// Write with that error and leaves the store as it was: no RTree without
// its root is committed, also when the rebuild touched no feature (a Put
// whose error the caller dropped).
func TestRebuildRootWriteFails(t *testing.T) {
	tests := []struct {
		name   string
		stored int
		fn     func(ctx context.Context, tx store.Tx) error
	}{
		{"import", 0, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, 5000)) }},
		{"nothing written", 5000, func(ctx context.Context, tx store.Tx) error {
			fs := parcels(0, 5000)
			fs[0].Version = 7
			if err := tx.Put(ctx, fs); !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("put: %v, want a conflict", err)
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			ctx := context.Background()
			if tc.stored > 0 {
				write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, tc.stored)) })
			}
			before := storetest.Snapshot(t, s)
			// The writer pool holds one connection: a temp trigger there
			// makes inserting node 1 into the parcels RTree fail.
			if _, err := s.w.ExecContext(ctx, `CREATE TEMP TRIGGER fail_root BEFORE INSERT ON `+q(rtreeName(geo.Parcels)+"_node")+
				` WHEN NEW."nodeno" = 1 BEGIN SELECT RAISE(ABORT, 'root node refused'); END`); err != nil {
				t.Fatal(err)
			}
			n := s.rebuilds.Load()
			_, err := s.Write(ctx, func(tx store.Tx) error { return tc.fn(ctx, tx) }) // 5000: deep enough for parent rows
			if s.rebuilds.Load() != n+1 {
				t.Fatalf("%d rebuilds, want 1", s.rebuilds.Load()-n)
			}
			if err == nil || !strings.Contains(err.Error(), "root node refused") {
				t.Errorf("write: %v, want the refused root insert", err)
			}
			if _, err := s.w.ExecContext(ctx, `DROP TRIGGER temp.fail_root`); err != nil {
				t.Fatal(err)
			}
			if storetest.Snapshot(t, s) != before {
				t.Error("failed write changed the store")
			}
			checkIndex(t, s, geo.Parcels)
		})
	}
}
