package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

const scenarioCols = `id, name, author, owner, version, edits::text, created, updated, committed, coalesce(committed_by, '')`

func scanScenario(r pgx.Row, withEdits bool) (*store.Scenario, error) {
	var sc store.Scenario
	var edits string
	var committed *time.Time
	if err := r.Scan(&sc.ID, &sc.Name, &sc.Author, &sc.Owner, &sc.Version, &edits, &sc.Created, &sc.Updated, &committed, &sc.CommittedBy); err != nil {
		return nil, err
	}
	sc.Created, sc.Updated = sc.Created.UTC(), sc.Updated.UTC()
	if committed != nil {
		t := committed.UTC()
		sc.Committed = &t
	}
	if withEdits {
		sc.Edits = []byte(edits)
	}
	return &sc, nil
}

func (s *Store) ListScenarios(ctx context.Context) ([]store.Scenario, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s.gr_scenarios ORDER BY id DESC`, scenarioCols, s.schema))
	if err != nil {
		return nil, dbErr("scenarios", err)
	}
	defer rows.Close()
	var out []store.Scenario
	for rows.Next() {
		sc, err := scanScenario(rows, false)
		if err != nil {
			return nil, dbErr("scenarios", err)
		}
		out = append(out, *sc)
	}
	return out, rows.Err()
}

func (s *Store) GetScenario(ctx context.Context, id int64) (*store.Scenario, error) {
	sc, err := scanScenario(s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.gr_scenarios WHERE id = $1`, scenarioCols, s.schema), id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("scenario %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr(fmt.Sprintf("scenario %d", id), err)
	}
	return sc, nil
}

func (s *Store) CreateScenario(ctx context.Context, sc *store.Scenario) error {
	now := store.Now()
	if err := s.pool.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_scenarios (name, author, owner, version, edits, created, updated) VALUES ($1, $2, $3, 1, $4::text::json, $5, $5) RETURNING id`, s.schema),
		sc.Name, sc.Author, sc.Owner, string(sc.Edits), now).Scan(&sc.ID); err != nil {
		return dbErr("create scenario", err)
	}
	sc.Version, sc.Created, sc.Updated, sc.Committed, sc.CommittedBy = 1, now, now, nil, ""
	return nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// why explains a guarded statement that changed nothing.
func (s *Store) why(ctx context.Context, q querier, id, v int64) error {
	var cur int64
	var committed *time.Time
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT version, committed FROM %s.gr_scenarios WHERE id = $1`, s.schema), id).Scan(&cur, &committed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("scenario %d: %w", id, store.ErrNotFound)
	case err != nil:
		return dbErr(fmt.Sprintf("scenario %d", id), err)
	case committed != nil:
		return fmt.Errorf("scenario %d: %w", id, store.ErrCommitted)
	}
	return fmt.Errorf("scenario %d is at version %d, not %d: %w", id, cur, v, store.ErrConflict)
}

func (s *Store) UpdateScenario(ctx context.Context, sc *store.Scenario, ifVersion int64) error {
	now := store.Now()
	tag, err := s.pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.gr_scenarios SET name = $1, edits = $2::text::json, version = version + 1, updated = $3 WHERE id = $4 AND version = $5 AND committed IS NULL`, s.schema),
		sc.Name, string(sc.Edits), now, sc.ID, ifVersion)
	if err != nil {
		return dbErr(fmt.Sprintf("update scenario %d", sc.ID), err)
	}
	if tag.RowsAffected() == 0 {
		return s.why(ctx, s.pool, sc.ID, ifVersion)
	}
	sc.Version, sc.Updated = ifVersion+1, now
	return nil
}

func (s *Store) DeleteScenario(ctx context.Context, id, ifVersion int64) error {
	tag, err := s.pool.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.gr_scenarios WHERE id = $1 AND version = $2`, s.schema), id, ifVersion)
	if err != nil {
		return dbErr(fmt.Sprintf("delete scenario %d", id), err)
	}
	if tag.RowsAffected() == 0 {
		if err := s.why(ctx, s.pool, id, ifVersion); !errors.Is(err, store.ErrCommitted) {
			return err
		}
		return fmt.Errorf("scenario %d is at another version than %d: %w", id, ifVersion, store.ErrConflict)
	}
	return nil
}

func (t *tx) CommitScenario(ctx context.Context, id, ifVersion int64, who string) error {
	tag, err := t.tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.gr_scenarios SET committed = $1, committed_by = $2, version = version + 1, updated = $1 WHERE id = $3 AND version = $4 AND committed IS NULL`, t.s.schema),
		t.rec.C.Updated, who, id, ifVersion)
	if err != nil {
		return dbErr(fmt.Sprintf("commit scenario %d", id), err)
	}
	if tag.RowsAffected() == 0 {
		return t.s.why(ctx, t.tx, id, ifVersion)
	}
	return nil
}
