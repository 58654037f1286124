package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// uri returns the SQLite URI of a file path: %, ? and # are escaped.
func uri(abs string, params string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	return "file:" + p + "?" + params
}

// Open opens the store at path, creating the file (and its directory) when
// it does not exist or is empty. An existing file is checked read-only
// before anything is written: a file that is not a greenreach GeoPackage is
// refused with a one-line error and left byte for byte as it was.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := registerFunctions(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	case fi.IsDir():
		return nil, fmt.Errorf("%s: is a directory, not a GeoPackage", path)
	case fi.Size() > 0:
		if err := validate(ctx, path, abs); err != nil {
			return nil, err
		}
	}

	s := &Store{path: path, layers: map[string]*layerSQL{}}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)"
	if s.w, err = sql.Open("sqlite", uri(abs, pragmas+"&_pragma=journal_mode(WAL)&_pragma=cache_size(-65536)&_txlock=immediate")); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.init(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("%s: %s", path, oneLine(err))
	}
	if s.r, err = sql.Open("sqlite", uri(abs, pragmas+"&_pragma=cache_size(-16384)&_pragma=query_only(1)")); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.r.SetMaxIdleConns(4)
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %s", path, oneLine(err))
	}
	return s, nil
}

var rcSuffix = regexp.MustCompile(`\s*\(\d+\)$`)

// oneLine returns an SQLite error message without its result code suffix
// and without line breaks.
func oneLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return rcSuffix.ReplaceAllString(msg, "")
}

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// walIdle reports whether the file's header says WAL mode while no -wal or
// -shm file exists: no connection has it open, and a read-only connection
// would create both and could not remove them.
func walIdle(abs string) bool {
	f, err := os.Open(abs)
	if err != nil {
		return false
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:16]) != "SQLite format 3\x00" || hdr[18] != 2 || hdr[19] != 2 {
		return false
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(abs + suffix); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
	}
	return true
}

// validate checks read-only that an existing file is a greenreach store,
// leaving it and its directory as they were.
func validate(ctx context.Context, path, abs string) error {
	params := "mode=ro&_pragma=busy_timeout(10000)"
	if walIdle(abs) {
		params = "mode=ro&immutable=1" // read the file alone, create nothing
	}
	db, err := sql.Open("sqlite", uri(abs, params))
	if err != nil {
		return fmt.Errorf("%s: %s", path, oneLine(err))
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	readErr := func(err error) error {
		switch sqliteCode(err) {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%s: not a GeoPackage: %s", path, oneLine(err))
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s: damaged database: %s", path, oneLine(err))
		}
		return fmt.Errorf("%s: cannot read: %s", path, oneLine(err))
	}
	tables := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type IN ('table', 'view')`)
	if err != nil {
		return readErr(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return readErr(err)
		}
		tables[name] = true
	}
	if err := rows.Close(); err != nil {
		return readErr(err)
	}
	if err := rows.Err(); err != nil {
		return readErr(err)
	}
	var appID int64
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return readErr(err)
	}
	switch uint32(appID) {
	case applicationID, 0x47503130, 0x47503131: // GPKG, GP10, GP11
	default:
		return fmt.Errorf("%s: not a GeoPackage", path)
	}
	if !tables["gpkg_contents"] {
		return fmt.Errorf("%s: not a GeoPackage", path)
	}
	if !tables["gr_layers"] {
		return fmt.Errorf("%s: a GeoPackage, but not a greenreach store (no gr_layers table); load its layers with `greenreach import`", path)
	}
	ver, err := readSchemaVersion(ctx, db)
	if err != nil {
		return readErr(err)
	}
	switch {
	case ver == 0:
		return fmt.Errorf("%s: a greenreach store without a schema version (gr_meta)", path)
	case ver > schemaVersion:
		return fmt.Errorf("%s: store schema version %d is newer than this greenreach supports (%d)", path, ver, schemaVersion)
	}
	// SQLite compares the page count in the header with the file size on
	// the first read, so a truncated copy failed above; reading a row of
	// each layer also catches a damaged table root, short of a full
	// integrity check.
	for _, sc := range geo.Schemas {
		if ver < layerSince(sc.ID) {
			continue // its migration will create it
		}
		if !tables[sc.ID] {
			return fmt.Errorf("%s: a greenreach store without layer table %q", path, sc.ID)
		}
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+q(sc.ID)+` LIMIT 1)`).Scan(&n); err != nil {
			return readErr(err)
		}
	}
	return nil
}

// init applies the migrations and checks every layer table has its columns.
func (s *Store) init(ctx context.Context) error {
	if err := migrate(ctx, s.w); err != nil {
		return err
	}
	for _, sc := range geo.Schemas {
		rows, err := s.w.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, sc.ID)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			have[n] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, c := range append([]string{"fid", "geom", "source", "source_id", "version", "updated"}, fieldNames(sc)...) {
			if !have[c] {
				return fmt.Errorf("layer table %s has no column %s: the store schema is out of date", sc.ID, c)
			}
		}
	}
	return nil
}

func fieldNames(sc *geo.Schema) []string {
	var out []string
	for _, f := range sc.Fields {
		out = append(out, f.Name)
	}
	return out
}

func (s *Store) prepare(ctx context.Context) error {
	for _, sc := range geo.Schemas {
		t := q(sc.ID)
		cols := []string{`"geom"`, `"source"`, `"source_id"`, `"version"`, `"updated"`}
		for _, f := range sc.Fields {
			cols = append(cols, q(f.Name))
		}
		ls := &layerSQL{schema: sc}
		ls.cols = `"fid", ` + strings.Join(cols, ", ")
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		var err error
		prep := func(db *sql.DB, dst **sql.Stmt, query string) {
			if err == nil {
				*dst, err = db.PrepareContext(ctx, query)
			}
		}
		prep(s.w, &ls.selKey, `SELECT "fid", "version", "geom" FROM `+t+` WHERE "source" = ? AND "source_id" = ?`)
		prep(s.w, &ls.selID, `SELECT "version", "geom", "source", "source_id" FROM `+t+` WHERE "fid" = ?`)
		prep(s.w, &ls.ins, `INSERT INTO `+t+` (`+strings.Join(cols, ", ")+`) VALUES (`+ph+`) ON CONFLICT ("source", "source_id") DO NOTHING`)
		for mask := range ls.upd {
			// Leaving geom out when it is unchanged keeps the RTree
			// update trigger from firing; leaving the key out spares
			// the unique index.
			var sets []string
			for i, c := range cols {
				if (i == 0 && mask&updGeom == 0) || ((i == 1 || i == 2) && mask&updKey == 0) {
					continue
				}
				sets = append(sets, c+" = ?")
			}
			prep(s.w, &ls.upd[mask], `UPDATE `+t+` SET `+strings.Join(sets, ", ")+` WHERE "fid" = ?`)
		}
		prep(s.w, &ls.del, `DELETE FROM `+t+` WHERE "fid" = ?`)
		prep(s.w, &ls.selSrc, `SELECT "fid", "source_id" FROM `+t+` WHERE "source" = ? ORDER BY "fid"`)
		prep(s.r, &ls.get, `SELECT `+ls.cols+` FROM `+t+` WHERE "fid" = ?`)
		ls.scanSQL = `SELECT ` + ls.cols + ` FROM ` + t + ` ORDER BY "fid"`
		s.layers[sc.ID] = ls
		if err != nil {
			return err
		}
	}
	return nil
}
