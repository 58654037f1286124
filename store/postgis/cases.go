package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

// migrateCases adds cases (a point with a GiST index), their history and
// photos; a trigger keeps the history and photos append-only.
func migrateCases(schema string) string {
	return fmt.Sprintf(`CREATE TABLE %[1]s.gr_cases (
  id bigserial PRIMARY KEY,
  version bigint NOT NULL,
  category text NOT NULL,
  state text NOT NULL,
  geom geometry(Point, 4326) NOT NULL,
  description text NOT NULL,
  source text NOT NULL,
  reporter text NOT NULL,
  contact text NOT NULL,
  zone text NOT NULL,
  unit text NOT NULL,
  duplicate_of bigint NOT NULL,
  reason text NOT NULL,
  reopens int NOT NULL,
  reported timestamptz NOT NULL,
  registered timestamptz,
  deadline timestamptz,
  closed timestamptz,
  updated timestamptz NOT NULL
);
CREATE INDEX gr_cases_geom_gist ON %[1]s.gr_cases USING gist (geom);
CREATE INDEX gr_cases_state ON %[1]s.gr_cases (state, category);
CREATE INDEX gr_cases_deadline ON %[1]s.gr_cases (deadline);
CREATE TABLE %[1]s.gr_case_events (
  id bigserial PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES %[1]s.gr_cases (id),
  at timestamptz NOT NULL,
  who text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  note text NOT NULL,
  unit text NOT NULL
);
CREATE INDEX gr_case_events_case ON %[1]s.gr_case_events (case_id, id);
CREATE TABLE %[1]s.gr_case_photos (
  id bigserial PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES %[1]s.gr_cases (id),
  event_id bigint NOT NULL REFERENCES %[1]s.gr_case_events (id),
  type text NOT NULL,
  data bytea NOT NULL
);
CREATE INDEX gr_case_photos_case ON %[1]s.gr_case_photos (case_id, event_id);
CREATE FUNCTION %[1]s.gr_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER gr_case_events_append_only BEFORE UPDATE OR DELETE ON %[1]s.gr_case_events FOR EACH ROW EXECUTE FUNCTION %[1]s.gr_append_only();
CREATE TRIGGER gr_case_photos_append_only BEFORE UPDATE ON %[1]s.gr_case_photos FOR EACH ROW EXECUTE FUNCTION %[1]s.gr_append_only();`, schema)
}

// migrateCaseRef adds the source's own id of a case, unique per source
// where set (a re-import of a 12345 export adds nothing).
func migrateCaseRef(schema string) string {
	return fmt.Sprintf(`ALTER TABLE %[1]s.gr_cases ADD COLUMN IF NOT EXISTS ref text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX IF NOT EXISTS gr_cases_ref ON %[1]s.gr_cases (source, ref) WHERE ref <> '';`, schema)
}

// migrateCaseLists adds the indexes a list of one zone's or one unit's
// cases reads newest first, stopping at its limit: without them such a
// list walked the cases from the newest, the whole year for a zone with
// few cases. IF NOT EXISTS: tests roll the steps back and run them again.
func migrateCaseLists(schema string) string {
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS gr_cases_zone ON %[1]s.gr_cases (zone, id);
CREATE INDEX IF NOT EXISTS gr_cases_unit ON %[1]s.gr_cases (unit, id);`, schema)
}

const caseCols = `id, version, category, state, ST_X(geom), ST_Y(geom), description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, registered, deadline, closed, updated, ref`

func scanCase(r pgx.Row) (*store.Case, error) {
	var c store.Case
	if err := r.Scan(&c.ID, &c.Version, &c.Category, &c.State, &c.Point[0], &c.Point[1], &c.Description, &c.Source, &c.Reporter, &c.Contact,
		&c.Zone, &c.Unit, &c.DuplicateOf, &c.Reason, &c.Reopens, &c.Reported, &c.Registered, &c.Deadline, &c.Closed, &c.Updated, &c.Ref); err != nil {
		return nil, err
	}
	c.Reported, c.Updated = c.Reported.UTC(), c.Updated.UTC()
	for _, t := range []**time.Time{&c.Registered, &c.Deadline, &c.Closed} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	return &c, nil
}

// caseTx runs fn in a transaction of its own; a server out of reach at
// its start or commit is store.ErrUnavailable, like every statement's.
func (s *Store) caseTx(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbErr(what, err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return dbErr(what, err)
	}
	return nil
}

func (s *Store) CreateCase(ctx context.Context, c *store.Case, ev *store.CaseEvent, photos []*store.Photo) error {
	return s.caseTx(ctx, "create case", func(tx pgx.Tx) error {
		onConflict := ""
		if c.Ref != "" {
			onConflict = refConflict
		}
		if err := s.insertCase(ctx, tx, c, onConflict); err != nil {
			return err
		}
		if c.ID == 0 {
			return fmt.Errorf("case of %s with ref %q: %w", c.Source, c.Ref, store.ErrDuplicate)
		}
		return s.appendEvent(ctx, tx, c.ID, ev, photos)
	})
}

// insertCase inserts c inside tx and sets its ID and Version; onConflict
// is "" or an ON CONFLICT clause, after which a skipped case keeps ID 0.
func (s *Store) insertCase(ctx context.Context, tx pgx.Tx, c *store.Case, onConflict string) error {
	err := tx.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_cases (version, category, state, geom, description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, registered, deadline, closed, updated, ref)
VALUES (1, $1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) %s RETURNING id`, s.schema, onConflict),
		c.Category, c.State, c.Point[0], c.Point[1], c.Description, c.Source, c.Reporter, c.Contact, c.Zone, c.Unit, c.DuplicateOf, c.Reason, c.Reopens,
		c.Reported, c.Registered, c.Deadline, c.Closed, c.Updated, c.Ref).Scan(&c.ID)
	if onConflict != "" && errors.Is(err, pgx.ErrNoRows) {
		c.ID = 0
		return nil
	}
	if err != nil {
		return dbErr("create case", err)
	}
	c.Version = 1
	return nil
}

// refConflict skips a case whose source and ref are stored (waiting for a
// concurrent transaction that inserted them to end).
const refConflict = `ON CONFLICT (source, ref) WHERE ref <> '' DO NOTHING`

func (s *Store) CreateCases(ctx context.Context, cs []store.NewCase) (int, error) {
	if err := store.CheckCaseBatch(cs); err != nil {
		return 0, err
	}
	var n int
	err := s.caseTx(ctx, "create cases", func(tx pgx.Tx) error {
		n = 0
		for _, nc := range cs {
			if err := s.insertCase(ctx, tx, nc.Case, refConflict); err != nil {
				return err
			}
			if nc.Case.ID == 0 {
				continue
			}
			if err := s.appendEvent(ctx, tx, nc.Case.ID, nc.Event, nil); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		for _, nc := range cs {
			nc.Case.ID = 0
		}
		return 0, err
	}
	return n, nil
}

// appendEvent inserts ev and its photos for case id inside tx.
func (s *Store) appendEvent(ctx context.Context, tx pgx.Tx, id int64, ev *store.CaseEvent, photos []*store.Photo) error {
	err := tx.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_case_events (case_id, at, who, role, action, from_state, to_state, note, unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, s.schema),
		id, ev.At, ev.Who, ev.Role, ev.Action, ev.From, ev.To, ev.Note, ev.Unit).Scan(&ev.ID)
	if err != nil {
		return dbErr(fmt.Sprintf("case %d event", id), err)
	}
	ev.CaseID, ev.Photos = id, nil
	for _, p := range photos {
		if err := tx.QueryRow(ctx, fmt.Sprintf(`INSERT INTO %s.gr_case_photos (case_id, event_id, type, data) VALUES ($1, $2, $3, $4) RETURNING id`, s.schema),
			id, ev.ID, p.Type, p.Data).Scan(&p.ID); err != nil {
			return dbErr(fmt.Sprintf("case %d photo", id), err)
		}
		p.CaseID, p.EventID = id, ev.ID
		ev.Photos = append(ev.Photos, p.ID)
	}
	return nil
}

func (s *Store) GetCase(ctx context.Context, id int64) (*store.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.gr_cases WHERE id = $1`, caseCols, s.schema), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr(fmt.Sprintf("case %d", id), err)
	}
	return c, nil
}

func (s *Store) CaseByRef(ctx context.Context, source, ref string) (*store.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.gr_cases WHERE source = $1 AND ref = $2 AND ref <> ''`, caseCols, s.schema), source, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("case of %s with ref %q: %w", source, ref, store.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr(fmt.Sprintf("case of %s with ref %q", source, ref), err)
	}
	return c, nil
}

// listQuery is ListCases's statement for f and its arguments.
func (s *Store) listQuery(f store.CaseFilter) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.States) > 0 {
		where = append(where, `state = ANY(`+arg(f.States)+`)`)
	}
	if f.Category != "" {
		where = append(where, `category = `+arg(f.Category))
	}
	if f.Unit != "" {
		where = append(where, `unit = `+arg(f.Unit))
	}
	if f.Zone != "" {
		where = append(where, `zone = `+arg(f.Zone))
	}
	if f.Before > 0 {
		where = append(where, `id < `+arg(f.Before))
	}
	if b := f.Bound; b != nil {
		// && finds the points by the GiST index, whose boxes are single
		// precision (a point up to a metre outside passes); the
		// coordinates then keep exactly those inside, as the other stores.
		minX, minY, maxX, maxY := arg(b.Min[0]), arg(b.Min[1]), arg(b.Max[0]), arg(b.Max[1])
		where = append(where, fmt.Sprintf(`geom && ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4326) AND ST_X(geom) BETWEEN %[1]s AND %[3]s AND ST_Y(geom) BETWEEN %[2]s AND %[4]s`, minX, minY, maxX, maxY))
	}
	if f.DueBefore != nil {
		where = append(where, `deadline < `+arg(*f.DueBefore))
	}
	if f.ReportedFrom != nil {
		where = append(where, `reported >= `+arg(*f.ReportedFrom))
	}
	if f.ReportedBefore != nil {
		where = append(where, `reported < `+arg(*f.ReportedBefore))
	}
	if f.ActiveFrom != nil {
		t := arg(*f.ActiveFrom)
		where = append(where, `(reported >= `+t+` OR closed IS NULL OR closed >= `+t+`)`)
	}
	q := fmt.Sprintf(`SELECT %s FROM %s.gr_cases`, caseCols, s.schema)
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 || limit > store.MaxCaseList {
		limit = store.MaxCaseList
	}
	return q + ` ORDER BY id DESC LIMIT ` + arg(limit), args
}

func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	q, args := s.listQuery(f)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, dbErr("cases", err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, dbErr("cases", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func (s *Store) StepCase(ctx context.Context, c *store.Case, ifVersion int64, ev *store.CaseEvent, photos []*store.Photo) error {
	return s.caseTx(ctx, fmt.Sprintf("step case %d", c.ID), func(tx pgx.Tx) error {
		var v int64
		err := tx.QueryRow(ctx, fmt.Sprintf(`UPDATE %s.gr_cases SET version = version + 1, category = $1, state = $2, geom = ST_SetSRID(ST_MakePoint($3, $4), 4326), description = $5, source = $6, reporter = $7, contact = $8, zone = $9, unit = $10, duplicate_of = $11, reason = $12, reopens = $13, registered = $14, deadline = $15, closed = $16, updated = $17
WHERE id = $18 AND version = $19 RETURNING version`, s.schema),
			c.Category, c.State, c.Point[0], c.Point[1], c.Description, c.Source, c.Reporter, c.Contact, c.Zone, c.Unit, c.DuplicateOf, c.Reason, c.Reopens,
			c.Registered, c.Deadline, c.Closed, c.Updated, c.ID, ifVersion).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.caseWhy(ctx, tx, c.ID, ifVersion)
		}
		if err != nil {
			return dbErr(fmt.Sprintf("step case %d", c.ID), err)
		}
		c.Version = v
		return s.appendEvent(ctx, tx, c.ID, ev, photos)
	})
}

// caseWhy explains a guarded step that changed nothing.
func (s *Store) caseWhy(ctx context.Context, q querier, id, v int64) error {
	var cur int64
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT version FROM %s.gr_cases WHERE id = $1`, s.schema), id).Scan(&cur)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	case err != nil:
		return dbErr(fmt.Sprintf("case %d", id), err)
	}
	return fmt.Errorf("case %d is at version %d, not %d: %w", id, cur, v, store.ErrConflict)
}

func (s *Store) CaseEvents(ctx context.Context, id int64) ([]store.CaseEvent, error) {
	if _, err := s.GetCase(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT e.id, e.at, e.who, e.role, e.action, e.from_state, e.to_state, e.note, e.unit,
  coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM %[1]s.gr_case_photos p WHERE p.event_id = e.id), '{}')
FROM %[1]s.gr_case_events e WHERE e.case_id = $1 ORDER BY e.id`, s.schema), id)
	if err != nil {
		return nil, dbErr(fmt.Sprintf("case %d events", id), err)
	}
	defer rows.Close()
	var out []store.CaseEvent
	for rows.Next() {
		ev := store.CaseEvent{CaseID: id}
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Who, &ev.Role, &ev.Action, &ev.From, &ev.To, &ev.Note, &ev.Unit, &ev.Photos); err != nil {
			return nil, dbErr(fmt.Sprintf("case %d events", id), err)
		}
		ev.At = ev.At.UTC()
		if len(ev.Photos) == 0 {
			ev.Photos = nil
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

func (s *Store) CasePhoto(ctx context.Context, id int64) (*store.Photo, error) {
	p := &store.Photo{ID: id}
	err := s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT case_id, event_id, type, data FROM %s.gr_case_photos WHERE id = $1`, s.schema), id).Scan(&p.CaseID, &p.EventID, &p.Type, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("photo %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr(fmt.Sprintf("photo %d", id), err)
	}
	return p, nil
}
