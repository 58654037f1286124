package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// migrateZonesUnits adds the zones layer (its table, index and labels, as
// the first migrations made the other layers') and the units records. The
// units hold contact people and phones, so like gr_cases they are not
// registered in gpkg_contents.
func migrateZonesUnits(ctx context.Context, tx *sql.Tx) error {
	stmts := layerDDL(geo.SchemaOf(geo.Zones))
	stmts = append(stmts, `CREATE TABLE gr_units (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, phone TEXT NOT NULL, person TEXT NOT NULL, updated DATETIME NOT NULL)`)
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return migrateLabels(ctx, tx, schemasOf([]string{geo.Zones}))
}

const unitCols = `id, name, kind, phone, person, updated`

func scanUnit(r rowScan) (*store.Unit, error) {
	var u store.Unit
	var updated any
	if err := r.Scan(&u.ID, &u.Name, &u.Kind, &u.Phone, &u.Person, &updated); err != nil {
		return nil, err
	}
	var err error
	u.Updated, err = parseTime(updated)
	return &u, err
}

func (s *Store) PutUnits(ctx context.Context, us []*store.Unit) error {
	if err := store.CheckUnits(us); err != nil {
		return err
	}
	now := store.Now()
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		for _, u := range us {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gr_units (`+unitCols+`) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, phone = excluded.phone, person = excluded.person, updated = excluded.updated`,
				u.ID, u.Name, u.Kind, u.Phone, u.Person, formatTime(now)); err != nil {
				return fmt.Errorf("gpkg: put unit %s: %w", u.ID, err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM gr_units`).Scan(&n); err != nil {
			return fmt.Errorf("gpkg: count units: %w", err)
		}
		if n > store.MaxUnits {
			return fmt.Errorf("%d units: more than %d", n, store.MaxUnits)
		}
		for _, u := range us {
			u.Updated = now
		}
		return nil
	})
}

func (s *Store) GetUnit(ctx context.Context, id string) (*store.Unit, error) {
	u, err := scanUnit(s.r.QueryRowContext(ctx, `SELECT `+unitCols+` FROM gr_units WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.unavailable(err)
	}
	return u, nil
}

func (s *Store) ListUnits(ctx context.Context) ([]store.Unit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+unitCols+` FROM gr_units ORDER BY id LIMIT ?`, store.MaxUnits)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	out := []store.Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("gpkg: units: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

func (s *Store) DeleteUnit(ctx context.Context, id string) error {
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM gr_units WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("gpkg: delete unit %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("unit %q: %w", id, store.ErrNotFound)
		}
		return nil
	})
}
