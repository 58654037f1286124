package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

func scanToken(r pgx.Row) (*store.Token, error) {
	var t store.Token
	var revoked *time.Time
	if err := r.Scan(&t.ID, &t.Name, &t.Role, &t.Unit, &t.Hash, &t.Created, &revoked); err != nil {
		return nil, err
	}
	t.Created = t.Created.UTC()
	if revoked != nil {
		rt := revoked.UTC()
		t.Revoked = &rt
	}
	return &t, nil
}

func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	now := store.Now()
	if err := s.pool.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_tokens (name, role, unit, hash, created) VALUES ($1, $2, $3, $4, $5) RETURNING id`, s.schema), t.Name, t.Role, t.Unit, t.Hash, now).Scan(&t.ID); err != nil {
		return dbErr("create token", err)
	}
	t.Created, t.Revoked = now, nil
	return nil
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (*store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT id, name, role, unit, hash, created, revoked FROM %s.gr_tokens WHERE hash = $1 AND revoked IS NULL`, s.schema), hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: %w: %v", store.ErrUnavailable, err)
	}
	return t, nil
}

func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT id, name, role, unit, '', created, revoked FROM %s.gr_tokens ORDER BY id`, s.schema))
	if err != nil {
		return nil, dbErr("tokens", err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, dbErr("tokens", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.gr_tokens SET revoked = coalesce(revoked, $1) WHERE id = $2`, s.schema), store.Now(), id)
	if err != nil {
		return dbErr(fmt.Sprintf("revoke token %d", id), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
	}
	return nil
}
