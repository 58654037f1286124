package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

// migrateZonesUnits adds the zones layer (its table, index, version row
// and comments, as the first steps made the other layers') and the units
// records.
func migrateZonesUnits(schema string) string {
	zones := geo.SchemaOf(geo.Zones)
	return layerDDL(schema, zones) + labelComments(schema, []*geo.Schema{zones}) + fmt.Sprintf(`CREATE TABLE %s.gr_units (
  id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL,
  phone text NOT NULL,
  person text NOT NULL,
  updated timestamptz NOT NULL
);`, schema)
}

const unitCols = `id, name, kind, phone, person, updated`

func scanUnit(r pgx.Row) (*store.Unit, error) {
	var u store.Unit
	if err := r.Scan(&u.ID, &u.Name, &u.Kind, &u.Phone, &u.Person, &u.Updated); err != nil {
		return nil, err
	}
	u.Updated = u.Updated.UTC()
	return &u, nil
}

func (s *Store) PutUnits(ctx context.Context, us []*store.Unit) error {
	if err := store.CheckUnits(us); err != nil {
		return err
	}
	now := store.Now()
	err := s.caseTx(ctx, "put units", func(tx pgx.Tx) error {
		for _, u := range us {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.gr_units (`+unitCols+`) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, phone = excluded.phone, person = excluded.person, updated = excluded.updated`, s.schema),
				u.ID, u.Name, u.Kind, u.Phone, u.Person, now); err != nil {
				return dbErr("put unit "+u.ID, err)
			}
		}
		var n int
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s.gr_units`, s.schema)).Scan(&n); err != nil {
			return dbErr("count units", err)
		}
		if n > store.MaxUnits {
			return fmt.Errorf("%d units: more than %d", n, store.MaxUnits)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range us {
		u.Updated = now
	}
	return nil
}

func (s *Store) GetUnit(ctx context.Context, id string) (*store.Unit, error) {
	u, err := scanUnit(s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT `+unitCols+` FROM %s.gr_units WHERE id = $1`, s.schema), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("unit "+id, err)
	}
	return u, nil
}

// ListUnits orders by the ids' bytes (COLLATE "C"), as the other stores do.
func (s *Store) ListUnits(ctx context.Context) ([]store.Unit, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT `+unitCols+` FROM %s.gr_units ORDER BY id COLLATE "C" LIMIT $1`, s.schema), store.MaxUnits)
	if err != nil {
		return nil, dbErr("units", err)
	}
	defer rows.Close()
	out := []store.Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, dbErr("units", err)
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("units", err)
	}
	return out, nil
}

func (s *Store) DeleteUnit(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.gr_units WHERE id = $1`, s.schema), id)
	if err != nil {
		return dbErr("delete unit "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
	}
	return nil
}
