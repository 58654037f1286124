package postgis

import (
	"context"
	"fmt"

	"github.com/greenreach/greenreach/store"
)

// migrateSurvey adds the survey history (普查 edits of a feature's
// attributes), append-only through a trigger like a case's history. The
// function is its own, so that dropping the cases' leaves it. Every
// statement may run again (tests roll the steps back and run them again).
func migrateSurvey(schema string) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %[1]s.gr_survey (
  id bigserial PRIMARY KEY,
  layer text NOT NULL,
  fid bigint NOT NULL,
  version bigint NOT NULL,
  field text NOT NULL,
  old text NOT NULL,
  new text NOT NULL,
  who text NOT NULL,
  role text NOT NULL,
  note text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS gr_survey_feature ON %[1]s.gr_survey (layer, fid, id);
CREATE OR REPLACE FUNCTION %[1]s.gr_survey_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'survey history is append-only'; END $$;
DROP TRIGGER IF EXISTS gr_survey_append_only ON %[1]s.gr_survey;
DROP TRIGGER IF EXISTS gr_survey_no_truncate ON %[1]s.gr_survey;
CREATE TRIGGER gr_survey_append_only BEFORE UPDATE OR DELETE ON %[1]s.gr_survey FOR EACH ROW EXECUTE FUNCTION %[1]s.gr_survey_append_only();
CREATE TRIGGER gr_survey_no_truncate BEFORE TRUNCATE ON %[1]s.gr_survey FOR EACH STATEMENT EXECUTE FUNCTION %[1]s.gr_survey_append_only();`, schema)
}

func (t *tx) AppendSurvey(ctx context.Context, es []*store.SurveyEntry) error {
	if err := store.CheckSurvey(es); err != nil {
		return err
	}
	at := t.rec.C.Updated
	for _, e := range es {
		err := t.tx.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_survey (layer, fid, version, field, old, new, who, role, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, t.s.schema),
			e.Layer, e.FeatureID, e.Version, e.Field, e.Old, e.New, e.Who, e.Role, e.Note, at).Scan(&e.ID)
		if err != nil {
			return dbErr(fmt.Sprintf("survey of %s %d", e.Layer, e.FeatureID), err)
		}
		e.At = at
	}
	return nil
}

func (s *Store) SurveyHistory(ctx context.Context, layer string, fid int64, limit int) ([]store.SurveyEntry, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT id, version, field, old, new, who, role, note, at FROM %s.gr_survey WHERE layer = $1 AND fid = $2 ORDER BY id DESC LIMIT $3`, s.schema),
		layer, fid, store.SurveyLimit(limit))
	if err != nil {
		return nil, dbErr(fmt.Sprintf("survey of %s %d", layer, fid), err)
	}
	defer rows.Close()
	var out []store.SurveyEntry
	for rows.Next() {
		e := store.SurveyEntry{Layer: layer, FeatureID: fid}
		if err := rows.Scan(&e.ID, &e.Version, &e.Field, &e.Old, &e.New, &e.Who, &e.Role, &e.Note, &e.At); err != nil {
			return nil, dbErr(fmt.Sprintf("survey of %s %d", layer, fid), err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(fmt.Sprintf("survey of %s %d", layer, fid), err)
	}
	return out, nil
}
