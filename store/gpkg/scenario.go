package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/store"
)

const scenarioCols = `id, name, author, owner, version, edits, created, updated, committed, committed_by`

type rowScan interface{ Scan(...any) error }

func scanScenario(r rowScan, withEdits bool) (*store.Scenario, error) {
	var sc store.Scenario
	var edits string
	var created, updated any
	var committed any
	var by sql.NullString
	if err := r.Scan(&sc.ID, &sc.Name, &sc.Author, &sc.Owner, &sc.Version, &edits, &created, &updated, &committed, &by); err != nil {
		return nil, err
	}
	var err error
	if sc.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if sc.Updated, err = parseTime(updated); err != nil {
		return nil, err
	}
	if committed != nil {
		t, err := parseTime(committed)
		if err != nil {
			return nil, err
		}
		sc.Committed, sc.CommittedBy = &t, by.String
	}
	if withEdits {
		sc.Edits = []byte(edits)
	}
	return &sc, nil
}

func (s *Store) ListScenarios(ctx context.Context) ([]store.Scenario, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+scenarioCols+` FROM gr_scenarios ORDER BY id DESC`)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.Scenario
	for rows.Next() {
		sc, err := scanScenario(rows, false)
		if err != nil {
			return nil, fmt.Errorf("gpkg: scenarios: %w", err)
		}
		out = append(out, *sc)
	}
	return out, rows.Err()
}

func (s *Store) GetScenario(ctx context.Context, id int64) (*store.Scenario, error) {
	sc, err := scanScenario(s.r.QueryRowContext(ctx, `SELECT `+scenarioCols+` FROM gr_scenarios WHERE id = ?`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("scenario %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("gpkg: scenario %d: %w", id, err)
	}
	return sc, nil
}

// scenarioWrite runs fn in a write transaction of its own.
func (s *Store) scenarioWrite(ctx context.Context, fn func(*sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return s.unavailable(errClosed)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.unavailable(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("gpkg: commit: %w", err)
	}
	return nil
}

func (s *Store) CreateScenario(ctx context.Context, sc *store.Scenario) error {
	now := store.Now()
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO gr_scenarios (name, author, owner, version, edits, created, updated) VALUES (?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			sc.Name, sc.Author, sc.Owner, string(sc.Edits), formatTime(now), formatTime(now)).Scan(&sc.ID)
		if err != nil {
			return fmt.Errorf("gpkg: create scenario: %w", err)
		}
		sc.Version, sc.Created, sc.Updated, sc.Committed, sc.CommittedBy = 1, now, now, nil, ""
		return nil
	})
}

// why explains a guarded statement that changed nothing.
func why(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id, v int64) error {
	var cur int64
	var committed any
	err := q.QueryRowContext(ctx, `SELECT version, committed FROM gr_scenarios WHERE id = ?`, id).Scan(&cur, &committed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("scenario %d: %w", id, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("gpkg: scenario %d: %w", id, err)
	case committed != nil:
		return fmt.Errorf("scenario %d: %w", id, store.ErrCommitted)
	}
	return fmt.Errorf("scenario %d is at version %d, not %d: %w", id, cur, v, store.ErrConflict)
}

func (s *Store) UpdateScenario(ctx context.Context, sc *store.Scenario, ifVersion int64) error {
	now := store.Now()
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE gr_scenarios SET name = ?, edits = ?, version = version + 1, updated = ? WHERE id = ? AND version = ? AND committed IS NULL`,
			sc.Name, string(sc.Edits), formatTime(now), sc.ID, ifVersion)
		if err != nil {
			return fmt.Errorf("gpkg: update scenario %d: %w", sc.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return why(ctx, tx, sc.ID, ifVersion)
		}
		sc.Version, sc.Updated = ifVersion+1, now
		return nil
	})
}

func (s *Store) DeleteScenario(ctx context.Context, id, ifVersion int64) error {
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM gr_scenarios WHERE id = ? AND version = ?`, id, ifVersion)
		if err != nil {
			return fmt.Errorf("gpkg: delete scenario %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := why(ctx, tx, id, ifVersion); !errors.Is(err, store.ErrCommitted) {
				return err
			}
			return fmt.Errorf("scenario %d is at another version than %d: %w", id, ifVersion, store.ErrConflict)
		}
		return nil
	})
}

func (t *tx) CommitScenario(ctx context.Context, id, ifVersion int64, who string) error {
	now := formatTime(t.rec.C.Updated)
	res, err := t.tx.ExecContext(ctx, `UPDATE gr_scenarios SET committed = ?, committed_by = ?, version = version + 1, updated = ? WHERE id = ? AND version = ? AND committed IS NULL`,
		now, who, now, id, ifVersion)
	if err != nil {
		return fmt.Errorf("gpkg: commit scenario %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return why(ctx, t.tx, id, ifVersion)
	}
	return nil
}
