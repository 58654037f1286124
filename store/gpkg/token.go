package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/store"
)

func scanToken(r rowScan) (*store.Token, error) {
	var t store.Token
	var created, revoked any
	if err := r.Scan(&t.ID, &t.Name, &t.Role, &t.Unit, &t.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	var err error
	if t.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if revoked != nil {
		rt, err := parseTime(revoked)
		if err != nil {
			return nil, err
		}
		t.Revoked = &rt
	}
	return &t, nil
}

func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	now := store.Now()
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO gr_tokens (name, role, unit, hash, created) VALUES (?, ?, ?, ?, ?) RETURNING id`, t.Name, t.Role, t.Unit, t.Hash, formatTime(now)).Scan(&t.ID); err != nil {
			return fmt.Errorf("gpkg: create token: %w", err)
		}
		t.Created, t.Revoked = now, nil
		return nil
	})
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (*store.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT id, name, role, unit, hash, created, revoked FROM gr_tokens WHERE hash = ? AND revoked IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, s.unavailable(err)
	}
	return t, nil
}

func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, role, unit, '', created, revoked FROM gr_tokens ORDER BY id`)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("gpkg: tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE gr_tokens SET revoked = coalesce(revoked, ?) WHERE id = ?`, formatTime(store.Now()), id)
		if err != nil {
			return fmt.Errorf("gpkg: revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}
