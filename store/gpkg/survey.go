package gpkg

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/greenreach/greenreach/store"
)

// migrateSurvey adds the survey history (普查 edits of a feature's
// attributes), append-only like a case's. It holds staff names, so like
// gr_cases it is not registered in gpkg_contents. It may run again on a
// store that has it (a schema version rolled back), and then leaves it.
func migrateSurvey(ctx context.Context, tx *sql.Tx) error {
	for _, st := range []string{
		`CREATE TABLE IF NOT EXISTS gr_survey (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, layer TEXT NOT NULL, fid INTEGER NOT NULL, version INTEGER NOT NULL, field TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, note TEXT NOT NULL, at DATETIME NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS gr_survey_feature ON gr_survey (layer, fid, id)`,
		`CREATE TRIGGER IF NOT EXISTS gr_survey_no_update BEFORE UPDATE ON gr_survey BEGIN SELECT RAISE(ABORT, 'survey history is append-only'); END`,
		`CREATE TRIGGER IF NOT EXISTS gr_survey_no_delete BEFORE DELETE ON gr_survey BEGIN SELECT RAISE(ABORT, 'survey history is append-only'); END`,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

func (t *tx) AppendSurvey(ctx context.Context, es []*store.SurveyEntry) error {
	if err := store.CheckSurvey(es); err != nil {
		return err
	}
	at := t.rec.C.Updated
	for _, e := range es {
		err := t.tx.QueryRowContext(ctx, `INSERT INTO gr_survey (layer, fid, version, field, old, new, who, role, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.Layer, e.FeatureID, e.Version, e.Field, e.Old, e.New, e.Who, e.Role, e.Note, formatTime(at)).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("gpkg: survey of %s %d: %w", e.Layer, e.FeatureID, err)
		}
		e.At = at
	}
	return ctx.Err()
}

func (s *Store) SurveyHistory(ctx context.Context, layer string, fid int64, limit int) ([]store.SurveyEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, version, field, old, new, who, role, note, at FROM gr_survey WHERE layer = ? AND fid = ? ORDER BY id DESC LIMIT ?`,
		layer, fid, store.SurveyLimit(limit))
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.SurveyEntry
	for rows.Next() {
		e := store.SurveyEntry{Layer: layer, FeatureID: fid}
		var at any
		if err := rows.Scan(&e.ID, &e.Version, &e.Field, &e.Old, &e.New, &e.Who, &e.Role, &e.Note, &at); err != nil {
			return nil, fmt.Errorf("gpkg: survey of %s %d: %w", layer, fid, err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("gpkg: survey of %s %d: %w", layer, fid, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: survey of %s %d: %w", layer, fid, err)
	}
	return out, nil
}
