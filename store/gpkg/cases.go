package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
)

// migrateCases adds cases, their append-only history and photos. The
// tables hold reporters' contacts and photos, so like gr_tokens they are
// not registered in gpkg_contents: no GIS client offers them as a layer.
func migrateCases(ctx context.Context, tx *sql.Tx) error {
	for _, st := range []string{
		`CREATE TABLE gr_cases (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, version INTEGER NOT NULL, category TEXT NOT NULL, state TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, description TEXT NOT NULL, source TEXT NOT NULL, reporter TEXT NOT NULL, contact TEXT NOT NULL, zone TEXT NOT NULL, unit TEXT NOT NULL, duplicate_of INTEGER NOT NULL, reason TEXT NOT NULL, reopens INTEGER NOT NULL, reported DATETIME NOT NULL, registered DATETIME, deadline DATETIME, closed DATETIME, updated DATETIME NOT NULL)`,
		`CREATE INDEX gr_cases_state ON gr_cases (state, category)`,
		`CREATE INDEX gr_cases_lonlat ON gr_cases (lon, lat)`,
		`CREATE INDEX gr_cases_deadline ON gr_cases (deadline)`,
		`CREATE TABLE gr_case_events (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, case_id INTEGER NOT NULL REFERENCES gr_cases (id), at DATETIME NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, note TEXT NOT NULL, unit TEXT NOT NULL)`,
		`CREATE INDEX gr_case_events_case ON gr_case_events (case_id, id)`,
		`CREATE TABLE gr_case_photos (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, case_id INTEGER NOT NULL REFERENCES gr_cases (id), event_id INTEGER NOT NULL REFERENCES gr_case_events (id), type TEXT NOT NULL, data BLOB NOT NULL)`,
		`CREATE INDEX gr_case_photos_case ON gr_case_photos (case_id, event_id)`,
		`CREATE TRIGGER gr_case_events_no_update BEFORE UPDATE ON gr_case_events BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END`,
		`CREATE TRIGGER gr_case_events_no_delete BEFORE DELETE ON gr_case_events BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END`,
		`CREATE TRIGGER gr_case_photos_no_update BEFORE UPDATE ON gr_case_photos BEGIN SELECT RAISE(ABORT, 'case photos are append-only'); END`,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

// migrateCaseRef adds the source's own id of a case, unique per source
// where set (a re-import of a 12345 export adds nothing).
func migrateCaseRef(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('gr_cases') WHERE name = 'ref'`).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE gr_cases ADD COLUMN ref TEXT NOT NULL DEFAULT ''`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX gr_cases_ref ON gr_cases (source, ref) WHERE ref <> ''`)
	return err
}

// migrateCaseLists adds the indexes a list of one zone's or one unit's
// cases reads newest first, stopping at its limit: without them such a
// list walked the table from the newest case, the whole year for a zone
// with few cases. (state, deadline) finds the overdue cases, few of the
// open ones and of those past their deadline. It may run again on a
// store that has them (a schema version rolled back), and then leaves
// them.
func migrateCaseLists(ctx context.Context, tx *sql.Tx) error {
	for _, st := range []string{
		`CREATE INDEX IF NOT EXISTS gr_cases_zone ON gr_cases (zone, id)`,
		`CREATE INDEX IF NOT EXISTS gr_cases_unit ON gr_cases (unit, id)`,
		`CREATE INDEX IF NOT EXISTS gr_cases_state_deadline ON gr_cases (state, deadline)`,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

const caseCols = `id, version, category, state, lon, lat, description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, registered, deadline, closed, updated, ref`

func scanCase(r rowScan) (*store.Case, error) {
	var c store.Case
	var reported, registered, deadline, closed, updated any
	if err := r.Scan(&c.ID, &c.Version, &c.Category, &c.State, &c.Point[0], &c.Point[1], &c.Description, &c.Source, &c.Reporter, &c.Contact,
		&c.Zone, &c.Unit, &c.DuplicateOf, &c.Reason, &c.Reopens, &reported, &registered, &deadline, &closed, &updated, &c.Ref); err != nil {
		return nil, err
	}
	var err error
	if c.Reported, err = parseTime(reported); err != nil {
		return nil, err
	}
	if c.Updated, err = parseTime(updated); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		v   any
		dst **time.Time
	}{{registered, &c.Registered}, {deadline, &c.Deadline}, {closed, &c.Closed}} {
		if p.v == nil {
			continue
		}
		t, err := parseTime(p.v)
		if err != nil {
			return nil, err
		}
		*p.dst = &t
	}
	return &c, nil
}

// optTime is a nullable DATETIME.
func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func (s *Store) CreateCase(ctx context.Context, c *store.Case, ev *store.CaseEvent, photos []*store.Photo) error {
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		onConflict := ""
		if c.Ref != "" {
			onConflict = `ON CONFLICT DO NOTHING`
		}
		if err := insertCase(ctx, tx, c, onConflict); err != nil {
			return err
		}
		if c.ID == 0 {
			return fmt.Errorf("case of %s with ref %q: %w", c.Source, c.Ref, store.ErrDuplicate)
		}
		return appendEvent(ctx, tx, c.ID, ev, photos)
	})
}

// insertCase inserts c inside tx and sets its ID and Version; onConflict
// is "" or an upsert clause, after which a skipped case keeps ID 0.
func insertCase(ctx context.Context, tx *sql.Tx, c *store.Case, onConflict string) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO gr_cases (`+strings.TrimPrefix(caseCols, "id, ")+`) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+onConflict+` RETURNING id`,
		c.Category, c.State, c.Point[0], c.Point[1], c.Description, c.Source, c.Reporter, c.Contact, c.Zone, c.Unit, c.DuplicateOf, c.Reason, c.Reopens,
		formatTime(c.Reported), optTime(c.Registered), optTime(c.Deadline), optTime(c.Closed), formatTime(c.Updated), c.Ref).Scan(&c.ID)
	if onConflict != "" && errors.Is(err, sql.ErrNoRows) {
		c.ID = 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("gpkg: create case: %w", err)
	}
	c.Version = 1
	return nil
}

func (s *Store) CreateCases(ctx context.Context, cs []store.NewCase) (int, error) {
	if err := store.CheckCaseBatch(cs); err != nil {
		return 0, err
	}
	var n int
	err := s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		n = 0
		for i, nc := range cs {
			if i%1000 == 999 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := insertCase(ctx, tx, nc.Case, `ON CONFLICT DO NOTHING`); err != nil {
				return err
			}
			if nc.Case.ID == 0 {
				continue
			}
			if err := appendEvent(ctx, tx, nc.Case.ID, nc.Event, nil); err != nil {
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
func appendEvent(ctx context.Context, tx *sql.Tx, id int64, ev *store.CaseEvent, photos []*store.Photo) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO gr_case_events (case_id, at, who, role, action, from_state, to_state, note, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		id, formatTime(ev.At), ev.Who, ev.Role, ev.Action, ev.From, ev.To, ev.Note, ev.Unit).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("gpkg: case %d event: %w", id, err)
	}
	ev.CaseID, ev.Photos = id, nil
	for _, p := range photos {
		if err := tx.QueryRowContext(ctx, `INSERT INTO gr_case_photos (case_id, event_id, type, data) VALUES (?, ?, ?, ?) RETURNING id`,
			id, ev.ID, p.Type, p.Data).Scan(&p.ID); err != nil {
			return fmt.Errorf("gpkg: case %d photo: %w", id, err)
		}
		p.CaseID, p.EventID = id, ev.ID
		ev.Photos = append(ev.Photos, p.ID)
	}
	return nil
}

func (s *Store) GetCase(ctx context.Context, id int64) (*store.Case, error) {
	c, err := scanCase(s.r.QueryRowContext(ctx, `SELECT `+caseCols+` FROM gr_cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("gpkg: case %d: %w", id, err)
	}
	return c, nil
}

func (s *Store) CaseByRef(ctx context.Context, source, ref string) (*store.Case, error) {
	c, err := scanCase(s.r.QueryRowContext(ctx, `SELECT `+caseCols+` FROM gr_cases WHERE source = ? AND ref = ? AND ref <> ''`, source, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case of %s with ref %q: %w", source, ref, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("gpkg: case of %s with ref %q: %w", source, ref, err)
	}
	return c, nil
}

// indexProbe is how many index entries a list may read through an
// index of one of its filters before it walks the table instead.
const indexProbe = 4000

// listCond is a condition of a list; index names the column whose index
// SQLite could find it by ("" for none), by the index to name when it is
// the one kept ("" for SQLite's choice), ordered that this index holds
// the condition's cases in id order ((zone, id), (unit, id)), off is the
// condition no index finds ("" for sql with a unary + before it).
type listCond struct {
	sql     string
	off     string
	args    []any
	index   string
	by      string
	ordered bool
}

func (s *Store) ListCases(ctx context.Context, f store.CaseFilter) ([]store.Case, error) {
	q, args, err := s.listQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("gpkg: cases: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// listQuery is ListCases's statement for f and its arguments.
func (s *Store) listQuery(ctx context.Context, f store.CaseFilter) (string, []any, error) {
	conds := listConds(f)
	use, err := s.chooseIndex(ctx, conds)
	if err != nil {
		return "", nil, err
	}
	var where []string
	var args []any
	q := `SELECT ` + caseCols + ` FROM gr_cases`
	for i, c := range conds {
		sql := c.sql
		if c.index != "" && !use[i] {
			sql = cmp.Or(c.off, "+"+sql)
		}
		if use[i] && c.by != "" {
			q += ` INDEXED BY ` + c.by
		}
		where, args = append(where, sql), append(args, c.args...)
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 || limit > store.MaxCaseList {
		limit = store.MaxCaseList
	}
	return q + ` ORDER BY id DESC LIMIT ?`, append(args, limit), nil
}

// listConds returns the conditions of a list's filter, each with the
// index that may find its cases.
func listConds(f store.CaseFilter) []listCond {
	var conds []listCond
	add := func(index, sql string, args ...any) {
		conds = append(conds, listCond{sql: sql, args: args, index: index})
	}
	if len(f.States) > 0 {
		var args []any
		for _, st := range f.States {
			args = append(args, st)
		}
		sql := `state IN (?` + strings.Repeat(`, ?`, len(f.States)-1) + `)`
		off := "+" + sql
		if f.Category != "" {
			// (state, category) finds these in id order for one state.
			sql, off, args = sql+` AND category = ?`, off+` AND category = ?`, append(args, f.Category)
		}
		// (state, category) finds a state's cases in the table's order
		// of categories and ids, which reads them fastest; (state,
		// deadline) finds the overdue ones: few, though the open cases or
		// those past their deadline may be many. SQLite takes either for
		// a state alone, so the one meant is named.
		by := "gr_cases_state"
		if f.DueBefore != nil {
			sql, off, args = sql+` AND deadline < ?`, off+` AND +deadline < ?`, append(args, formatTime(*f.DueBefore))
			by = "gr_cases_state_deadline"
		}
		conds = append(conds, listCond{sql: sql, off: off, args: args, index: "state", by: by})
	} else if f.Category != "" {
		add("", `category = ?`, f.Category)
	}
	if f.Unit != "" {
		conds = append(conds, listCond{sql: `unit = ?`, args: []any{f.Unit}, index: "unit", ordered: true})
	}
	if f.Zone != "" {
		conds = append(conds, listCond{sql: `zone = ?`, args: []any{f.Zone}, index: "zone", ordered: true})
	}
	if f.Before > 0 {
		add("", `id < ?`, f.Before)
	}
	if b := f.Bound; b != nil {
		add("lon", `lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?`, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	}
	if f.DueBefore != nil && len(f.States) == 0 {
		add("deadline", `deadline < ?`, formatTime(*f.DueBefore))
	}
	if f.ReportedFrom != nil {
		add("", `reported >= ?`, formatTime(*f.ReportedFrom))
	}
	if f.ReportedBefore != nil {
		add("", `reported < ?`, formatTime(*f.ReportedBefore))
	}
	if f.ActiveFrom != nil {
		t := formatTime(*f.ActiveFrom)
		add("", `(reported >= ? OR closed IS NULL OR closed >= ?)`, t, t)
	}
	return conds
}

// chooseIndex says which of conds's indexes a list's statement uses.
//
// A list is newest first: SQLite finds a filter's cases by its index
// and sorts them all by id, or walks the table from the newest case
// and stops at the limit. It takes the index whenever there is one,
// so a filter most cases pass (state=closed in a year of cases) read
// and sorted the whole year for a page of 50. An index that holds
// more than indexProbe entries for its filter is left out (a unary +
// on its column), so the walk is taken unless an index finds few.
// Where some index finds few, the one finding fewest is kept and the
// others are left out. A zone's or a unit's index holds its cases in
// id order: walking it newest first is never worse than walking the
// table, so where no index finds few it is kept, and where one does it
// is counted only as far as that one's count (a big unit's year of
// cases is not read for its few open ones).
func (s *Store) chooseIndex(ctx context.Context, conds []listCond) ([]bool, error) {
	use := make([]bool, len(conds))
	best, fewest := -1, indexProbe
	for _, ordered := range []bool{false, true} {
		if ordered && best < 0 {
			break
		}
		for i, c := range conds {
			if c.index == "" || c.ordered != ordered {
				continue
			}
			n, err := s.indexCount(ctx, c.sql, c.args, fewest)
			if err != nil {
				return nil, err
			}
			if n < fewest {
				best, fewest = i, n
			}
		}
	}
	for i, c := range conds {
		use[i] = i == best || best < 0 && c.ordered
	}
	return use, nil
}

// indexCount counts the entries the index of a list's condition holds
// for it, counting no further than limit.
func (s *Store) indexCount(ctx context.Context, cond string, args []any, limit int) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM gr_cases WHERE `+cond+` LIMIT ?)`, append(slices.Clone(args), limit)...).Scan(&n); err != nil {
		return 0, s.unavailable(err)
	}
	return n, nil
}

func (s *Store) StepCase(ctx context.Context, c *store.Case, ifVersion int64, ev *store.CaseEvent, photos []*store.Photo) error {
	return s.scenarioWrite(ctx, func(tx *sql.Tx) error {
		var v int64
		err := tx.QueryRowContext(ctx, `UPDATE gr_cases SET version = version + 1, category = ?, state = ?, lon = ?, lat = ?, description = ?, source = ?, reporter = ?, contact = ?, zone = ?, unit = ?, duplicate_of = ?, reason = ?, reopens = ?, registered = ?, deadline = ?, closed = ?, updated = ? WHERE id = ? AND version = ? RETURNING version`,
			c.Category, c.State, c.Point[0], c.Point[1], c.Description, c.Source, c.Reporter, c.Contact, c.Zone, c.Unit, c.DuplicateOf, c.Reason, c.Reopens,
			optTime(c.Registered), optTime(c.Deadline), optTime(c.Closed), formatTime(c.Updated), c.ID, ifVersion).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return caseWhy(ctx, tx, c.ID, ifVersion)
		}
		if err != nil {
			return fmt.Errorf("gpkg: step case %d: %w", c.ID, err)
		}
		c.Version = v
		return appendEvent(ctx, tx, c.ID, ev, photos)
	})
}

// caseWhy explains a guarded step that changed nothing.
func caseWhy(ctx context.Context, tx *sql.Tx, id, v int64) error {
	var cur int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM gr_cases WHERE id = ?`, id).Scan(&cur)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("gpkg: case %d: %w", id, err)
	}
	return fmt.Errorf("case %d is at version %d, not %d: %w", id, cur, v, store.ErrConflict)
}

func (s *Store) CaseEvents(ctx context.Context, id int64) ([]store.CaseEvent, error) {
	if _, err := s.GetCase(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, who, role, action, from_state, to_state, note, unit FROM gr_case_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.CaseEvent
	byID := map[int64]int{}
	for rows.Next() {
		ev := store.CaseEvent{CaseID: id}
		var at any
		if err := rows.Scan(&ev.ID, &at, &ev.Who, &ev.Role, &ev.Action, &ev.From, &ev.To, &ev.Note, &ev.Unit); err != nil {
			return nil, fmt.Errorf("gpkg: case %d events: %w", id, err)
		}
		if ev.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("gpkg: case %d events: %w", id, err)
		}
		byID[ev.ID] = len(out)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: case %d events: %w", id, err)
	}
	return out, s.eventPhotos(ctx, id, out, byID)
}

// eventPhotos fills in the photo ids of a case's events (byID: event id →
// index in evs).
func (s *Store) eventPhotos(ctx context.Context, id int64, evs []store.CaseEvent, byID map[int64]int) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, event_id FROM gr_case_photos WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return s.unavailable(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, eid int64
		if err := rows.Scan(&pid, &eid); err != nil {
			return fmt.Errorf("gpkg: case %d photos: %w", id, err)
		}
		if i, ok := byID[eid]; ok {
			evs[i].Photos = append(evs[i].Photos, pid)
		}
	}
	return rows.Err()
}

func (s *Store) CasePhoto(ctx context.Context, id int64) (*store.Photo, error) {
	p := &store.Photo{ID: id}
	err := s.r.QueryRowContext(ctx, `SELECT case_id, event_id, type, data FROM gr_case_photos WHERE id = ?`, id).Scan(&p.CaseID, &p.EventID, &p.Type, &p.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("photo %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("gpkg: photo %d: %w", id, err)
	}
	return p, nil
}
