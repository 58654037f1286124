// Package gpkg is greenreach's embedded default store: one OGC GeoPackage
// 1.3 file that QGIS and GDAL open as they would any other.
//
// Each layer of geo.Schemas is a feature table named by its layer id (fid,
// geom, source, source_id, version, updated and the typed fields) with the
// GeoPackage RTree spatial index. gr_layers (an attributes table) keeps each
// layer's version and last update, gr_meta the schema version. The file is
// in WAL mode: one writer at a time (Write is serialised), readers run
// concurrently on a pool and see whole commits only.
package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is a greenreach store in a GeoPackage file.
type Store struct {
	path   string
	w      *sql.DB // one connection: the writer
	r      *sql.DB // readers
	wmu    sync.Mutex
	closed atomic.Bool
	layers map[string]*layerSQL
	once   sync.Once
	cerr   error
}

var _ store.Store = (*Store)(nil)

// layerSQL holds one layer's statements.
type layerSQL struct {
	schema  *geo.Schema
	cols    string // select list, in rowScanner order
	selKey  *sql.Stmt
	selID   *sql.Stmt
	ins     *sql.Stmt
	upd     [4]*sql.Stmt // by updGeom|updKey: which of geom and source, source_id are set
	del     *sql.Stmt
	selSrc  *sql.Stmt
	get     *sql.Stmt // on the reader pool
	scanSQL string
}

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

// Kind returns "gpkg".
func (s *Store) Kind() string { return "gpkg" }

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

func (s *Store) unavailable(err error) error {
	return fmt.Errorf("gpkg %s: %w: %w", s.path, store.ErrUnavailable, err)
}

var errClosed = errors.New("store closed")

// Ping checks the store answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return s.unavailable(errClosed)
	}
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM gr_layers LIMIT 1`).Scan(&one); err != nil {
		return s.unavailable(err)
	}
	return nil
}

// Close closes the store. The last connection to close checkpoints the
// WAL into the file, so other programs find it complete.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.wmu.Lock() // let a running Write finish
		defer s.wmu.Unlock()
		for _, ls := range s.layers {
			for _, st := range append([]*sql.Stmt{ls.selKey, ls.selID, ls.ins, ls.del, ls.selSrc, ls.get}, ls.upd[:]...) {
				if st != nil {
					st.Close()
				}
			}
		}
		if s.r != nil {
			s.cerr = s.r.Close()
		}
		if err := s.w.Close(); err != nil && s.cerr == nil {
			s.cerr = err
		}
	})
	return s.cerr
}

func (s *Store) layer(name string) (*layerSQL, error) {
	ls, ok := s.layers[name]
	if !ok {
		return nil, fmt.Errorf("gpkg: unknown layer %q", name)
	}
	return ls, nil
}

// Layers returns every layer of geo.Schemas in order, read in one snapshot.
func (s *Store) Layers(ctx context.Context) ([]store.LayerInfo, error) {
	if s.closed.Load() {
		return nil, s.unavailable(errClosed)
	}
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer tx.Rollback()
	type ver struct {
		v int64
		u time.Time
	}
	vers := map[string]ver{}
	rows, err := tx.QueryContext(ctx, `SELECT "layer", "version", "updated" FROM gr_layers`)
	if err != nil {
		return nil, fmt.Errorf("gpkg: layers: %w", err)
	}
	for rows.Next() {
		var name string
		var v int64
		var u any
		if err := rows.Scan(&name, &v, &u); err != nil {
			rows.Close()
			return nil, fmt.Errorf("gpkg: layers: %w", err)
		}
		t, err := parseTime(u)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("gpkg: layers: %s: %w", name, err)
		}
		vers[name] = ver{v, t}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	out := make([]store.LayerInfo, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		info := store.LayerInfo{ID: sc.ID, Title: sc.Title, Version: vers[sc.ID].v, Updated: vers[sc.ID].u}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+q(sc.ID)).Scan(&info.Count); err != nil {
			return nil, fmt.Errorf("gpkg: count %s: %w", sc.ID, err)
		}
		if info.Count > 0 {
			if info.BBox, err = extent(ctx, tx, sc.ID); err != nil {
				return nil, fmt.Errorf("gpkg: extent %s: %w", sc.ID, err)
			}
		}
		out = append(out, info)
	}
	return out, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// extent returns the exact extent of a layer, nil when it is empty. The
// RTree root gives it rounded outwards to float32; only the features whose
// index box reaches one of those edges are then decoded for the exact value.
func extent(ctx context.Context, qr querier, layer string) (*orb.Bound, error) {
	approx, err := rtreeExtent(ctx, qr, layer)
	if err != nil || approx == nil {
		return approx, err
	}
	t, r := q(layer), q(rtreeName(layer))
	exact := *approx
	for _, e := range []struct {
		dst  *float64
		agg  string
		cond string
		edge float64
	}{
		{&exact.Min[0], `min(ST_MinX("geom"))`, `"minx" <= ?`, approx.Min[0]},
		{&exact.Max[0], `max(ST_MaxX("geom"))`, `"maxx" >= ?`, approx.Max[0]},
		{&exact.Min[1], `min(ST_MinY("geom"))`, `"miny" <= ?`, approx.Min[1]},
		{&exact.Max[1], `max(ST_MaxY("geom"))`, `"maxy" >= ?`, approx.Max[1]},
	} {
		var v sql.NullFloat64
		if err := qr.QueryRowContext(ctx, `SELECT `+e.agg+` FROM `+t+` WHERE "fid" IN (SELECT "id" FROM `+r+` WHERE `+e.cond+`)`, e.edge).Scan(&v); err != nil {
			return nil, err
		}
		if v.Valid {
			*e.dst = v.Float64
		}
	}
	return &exact, nil
}

// rtreeExtent returns the extent of a layer's RTree: the union of the cells
// of its root node (node 1), whose blob is a 2-byte depth, a 2-byte cell
// count and cells of an 8-byte id and four float32 (minx, maxx, miny, maxy),
// all big-endian. It falls back to scanning the RTree if the node looks
// unexpected. nil when the index is empty.
func rtreeExtent(ctx context.Context, qr querier, layer string) (*orb.Bound, error) {
	var node []byte
	err := qr.QueryRowContext(ctx, `SELECT "data" FROM `+q(rtreeName(layer)+"_node")+` WHERE "nodeno" = 1`).Scan(&node)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if len(node) >= 4 {
		n := int(binary.BigEndian.Uint16(node[2:]))
		if n == 0 {
			return nil, nil
		}
		if len(node) >= 4+24*n {
			f := func(off int) float64 { return float64(math.Float32frombits(binary.BigEndian.Uint32(node[off:]))) }
			var b orb.Bound
			for i := 0; i < n; i++ {
				c := 4 + 24*i
				cb := orb.Bound{Min: orb.Point{f(c + 8), f(c + 16)}, Max: orb.Point{f(c + 12), f(c + 20)}}
				if i == 0 {
					b = cb
				} else {
					b = b.Union(cb)
				}
			}
			return &b, nil
		}
	}
	var minx, maxx, miny, maxy sql.NullFloat64
	if err := qr.QueryRowContext(ctx, `SELECT min("minx"), max("maxx"), min("miny"), max("maxy") FROM `+q(rtreeName(layer))).Scan(&minx, &maxx, &miny, &maxy); err != nil {
		return nil, err
	}
	if !minx.Valid {
		return nil, nil
	}
	return &orb.Bound{Min: orb.Point{minx.Float64, miny.Float64}, Max: orb.Point{maxx.Float64, maxy.Float64}}, nil
}

// Scan calls fn for every feature of a layer in fid order, streaming rows
// from one read snapshot.
func (s *Store) Scan(ctx context.Context, layer string, fn func(*geo.Feature) error) error {
	if s.closed.Load() {
		return s.unavailable(errClosed)
	}
	ls, err := s.layer(layer)
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, ls.scanSQL)
	if err != nil {
		return fmt.Errorf("gpkg: scan %s: %w", layer, err)
	}
	defer rows.Close()
	sc := newRowScanner(ls.schema)
	for rows.Next() {
		f, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("gpkg: scan %s: %w", layer, err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("gpkg: scan %s: %w", layer, err)
	}
	return nil
}

// Get returns one feature or store.ErrNotFound.
func (s *Store) Get(ctx context.Context, layer string, id int64) (*geo.Feature, error) {
	if s.closed.Load() {
		return nil, s.unavailable(errClosed)
	}
	ls, ok := s.layers[layer]
	if !ok {
		return nil, fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	rows, err := ls.get.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("gpkg: get %s %d: %w", layer, id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("gpkg: get %s %d: %w", layer, id, err)
		}
		return nil, fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	f, err := newRowScanner(ls.schema).scan(rows)
	if err != nil {
		return nil, fmt.Errorf("gpkg: get %s %d: %w", layer, id, err)
	}
	return f, nil
}

// rowScanner decodes rows of a layer's select list.
type rowScanner struct {
	schema *geo.Schema
	fid    int64
	geom   sql.RawBytes
	source string
	srcID  string
	ver    int64
	upd    any
	vals   []any
	dest   []any
}

func newRowScanner(sc *geo.Schema) *rowScanner {
	r := &rowScanner{schema: sc, vals: make([]any, len(sc.Fields))}
	r.dest = []any{&r.fid, &r.geom, &r.source, &r.srcID, &r.ver, &r.upd}
	for i := range r.vals {
		r.dest = append(r.dest, &r.vals[i])
	}
	return r
}

func (r *rowScanner) scan(rows *sql.Rows) (*geo.Feature, error) {
	if err := rows.Scan(r.dest...); err != nil {
		return nil, err
	}
	g, _, err := DecodeGeometry(r.geom)
	if err != nil {
		return nil, fmt.Errorf("fid %d: %w", r.fid, err)
	}
	upd, err := parseTime(r.upd)
	if err != nil {
		return nil, fmt.Errorf("fid %d: %w", r.fid, err)
	}
	f := &geo.Feature{ID: r.fid, Layer: r.schema.ID, Source: r.source, SourceID: r.srcID, Geom: g, Version: r.ver, Updated: upd,
		Props: make(map[string]any, len(r.vals))}
	for i, fd := range r.schema.Fields {
		v, err := fromSQL(fd.Type, r.vals[i])
		if err != nil {
			return nil, fmt.Errorf("fid %d: %s: %w", r.fid, fd.Name, err)
		}
		if v != nil {
			f.Props[fd.Name] = v
		}
	}
	return f, nil
}

// fromSQL converts a column value to the field's Go type; nil is NULL.
func fromSQL(t geo.FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case geo.Text:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case geo.Int:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		}
	case geo.Real:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case geo.Bool:
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		case float64:
			return x != 0, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not %s", v, v, t)
}

// toSQL converts a prepared attribute value for binding.
func toSQL(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads a DATETIME column: the driver hands back a time.Time for
// the DATETIME declared type, or the text when it cannot parse it.
func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x.UTC(), nil
	case string:
		for _, layout := range []string{timeFormat, time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("bad DATETIME %q", x)
	}
	return time.Time{}, fmt.Errorf("bad DATETIME %v (%T)", v, v)
}

// Write runs fn in one immediate transaction and commits when it returns
// nil, raising the version of every layer touched.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return nil, s.unavailable(errClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, s.unavailable(err)
	}
	t := &tx{s: s, tx: sqlTx, rec: store.NewRecorder(store.Now()), bound: map[string]*boundStmts{}}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		sqlTx.Rollback()
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	if err := t.finish(ctx); err != nil {
		sqlTx.Rollback()
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	return &t.rec.C, nil
}

// tx is a store.Tx on the writer connection.
type tx struct {
	s     *Store
	tx    *sql.Tx
	rec   *store.Recorder
	bound map[string]*boundStmts
	args  []any
	vals  []any
	// deferred holds the changes to each layer whose RTree triggers are
	// dropped for a bulk write; finish rebuilds those indexes.
	deferred map[string]*indexChanges
}

// Bulk writes: when a Write changes the RTree of a layer for at least
// bulkMin features (counting the Put about to run as if each of its features
// did) and the layer holds at most bulkPerStored times that many, the index
// is deferred to one rebuild before commit. A rebuild costs about a sixth of
// a row-by-row index insert per stored feature.
const (
	bulkMin       = 1000
	bulkPerStored = 4
)

// maybeDefer defers the RTree of the layers a Put is about to write.
func (t *tx) maybeDefer(ctx context.Context, feats []*geo.Feature) error {
	counts := map[string]int{}
	for _, f := range feats {
		counts[f.Layer]++
	}
	for layer, n := range counts {
		if t.deferred[layer] != nil {
			continue
		}
		b, err := t.stmts(ctx, layer)
		if err != nil {
			return err
		}
		n += b.ops
		if n < bulkMin {
			continue
		}
		var seq int64 // the largest fid ever used: an upper bound of the count
		err = t.tx.QueryRowContext(ctx, `SELECT "seq" FROM sqlite_sequence WHERE "name" = ?`, layer).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if seq > bulkPerStored*int64(n) {
			continue
		}
		if err := deferIndex(ctx, t.tx, layer); err != nil {
			return fmt.Errorf("gpkg: defer %s index: %w", layer, err)
		}
		if t.deferred == nil {
			t.deferred = map[string]*indexChanges{}
		}
		t.deferred[layer] = &indexChanges{changed: map[int64]*orb.Bound{}}
	}
	return nil
}

// changed notes a write that changes the RTree entry of a fid; inserted says
// the fid is new.
func (t *tx) changed(layer string, id int64, b orb.Bound, empty, inserted bool) {
	if bs := t.bound[layer]; bs != nil {
		bs.ops++
	}
	c := t.deferred[layer]
	switch {
	case c == nil:
	case inserted && !empty:
		c.added = append(c.added, toEntry(id, b))
	case empty:
		c.changed[id] = nil
	default:
		c.changed[id] = &b
	}
}

const (
	updGeom = 1 << iota
	updKey
)

type boundStmts struct {
	ls                              *layerSQL
	selKey, selID, ins, del, selSrc *sql.Stmt
	upd                             [4]*sql.Stmt
	// replacing: the last feature put by source id was already stored,
	// so the next one is looked up before trying an insert.
	replacing bool
	// ops counts the writes that changed this layer's RTree.
	ops int
}

func (t *tx) stmts(ctx context.Context, layer string) (*boundStmts, error) {
	if b, ok := t.bound[layer]; ok {
		return b, nil
	}
	ls, err := t.s.layer(layer)
	if err != nil {
		return nil, err
	}
	b := &boundStmts{ls: ls,
		selKey: t.tx.StmtContext(ctx, ls.selKey), selID: t.tx.StmtContext(ctx, ls.selID),
		ins: t.tx.StmtContext(ctx, ls.ins), del: t.tx.StmtContext(ctx, ls.del),
		selSrc: t.tx.StmtContext(ctx, ls.selSrc)}
	for i, st := range ls.upd {
		b.upd[i] = t.tx.StmtContext(ctx, st)
	}
	t.bound[layer] = b
	return b, nil
}

// finish raises the version of every touched layer and refreshes its
// gpkg_contents row (extent and last_change).
func (t *tx) finish(ctx context.Context) error {
	for _, sc := range geo.Schemas { // even if no Put succeeded: restores the triggers
		if c := t.deferred[sc.ID]; c != nil {
			if err := rebuildIndex(ctx, t.tx, sc.ID, c); err != nil {
				return fmt.Errorf("rebuild %s index: %w", sc.ID, err)
			}
		}
	}
	if len(t.rec.C.Versions) == 0 {
		return nil
	}
	now := formatTime(t.rec.C.Updated)
	for _, sc := range geo.Schemas {
		if !t.rec.C.Touched(sc.ID) {
			continue
		}
		var v int64
		if err := t.tx.QueryRowContext(ctx, `UPDATE gr_layers SET "version" = "version" + 1, "updated" = ? WHERE "layer" = ? RETURNING "version"`, now, sc.ID).Scan(&v); err != nil {
			return fmt.Errorf("bump %s version: %w", sc.ID, err)
		}
		t.rec.C.Versions[sc.ID] = v
		bb, err := extent(ctx, t.tx, sc.ID)
		if err != nil {
			return fmt.Errorf("extent %s: %w", sc.ID, err)
		}
		var ext [4]any
		if bb != nil {
			ext = [4]any{bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1]}
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`, now, ext[0], ext[1], ext[2], ext[3], sc.ID); err != nil {
			return fmt.Errorf("gpkg_contents %s: %w", sc.ID, err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'gr_layers'`, now); err != nil {
		return fmt.Errorf("gpkg_contents gr_layers: %w", err)
	}
	return nil
}

// Put validates every feature, then writes them (see store.Tx).
func (t *tx) Put(ctx context.Context, feats []*geo.Feature) error {
	for _, f := range feats {
		if err := geo.Prepare(f); err != nil {
			return err
		}
	}
	if err := t.maybeDefer(ctx, feats); err != nil {
		return err
	}
	updated := formatTime(t.rec.C.Updated)
	for _, f := range feats {
		b, err := t.stmts(ctx, f.Layer)
		if err != nil {
			return err
		}
		blob, bb, empty, err := encode(f.Geom, srsWGS84)
		if err != nil {
			return fmt.Errorf("%s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
		}
		vals := t.vals[:0]
		for _, fd := range b.ls.schema.Fields {
			vals = append(vals, toSQL(f.Props[fd.Name]))
		}
		t.vals = vals
		if f.ID == 0 && f.Version == 0 && !b.replacing {
			// Most writes are new features: try the insert first; it does
			// nothing when the source and source id are already stored.
			id, ok, err := t.insert(ctx, b, f, blob, updated, vals)
			if err != nil {
				return err
			}
			if ok {
				f.ID, f.Version, f.Updated = id, 1, t.rec.C.Updated
				t.rec.Touch(f.Layer)
				t.changed(f.Layer, id, bb, empty, true)
				continue
			}
		}
		var id, stored int64
		var storedGeom []byte
		exists, sameKey := true, true
		if f.ID != 0 {
			id = f.ID
			var src, srcID string
			err = b.selID.QueryRowContext(ctx, f.ID).Scan(&stored, &storedGeom, &src, &srcID)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%s %d: %w", f.Layer, f.ID, store.ErrNotFound)
			}
			sameKey = src == f.Source && srcID == f.SourceID
		} else {
			err = b.selKey.QueryRowContext(ctx, f.Source, f.SourceID).Scan(&id, &stored, &storedGeom)
			if errors.Is(err, sql.ErrNoRows) {
				exists, err = false, nil
			}
			b.replacing = exists
		}
		if err != nil {
			return fmt.Errorf("gpkg: put %s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
		}
		if f.Version != 0 && (!exists || stored != f.Version) {
			return fmt.Errorf("%s %s/%s: version %d: %w", f.Layer, f.Source, f.SourceID, f.Version, store.ErrConflict)
		}
		if !exists {
			id, ok, err := t.insert(ctx, b, f, blob, updated, vals)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("gpkg: insert %s %s/%s: source id already stored", f.Layer, f.Source, f.SourceID)
			}
			f.ID, f.Version, f.Updated = id, 1, t.rec.C.Updated
			t.rec.Touch(f.Layer)
			t.changed(f.Layer, id, bb, empty, true)
			continue
		}
		mask := 0
		args := t.args[:0]
		if !bytes.Equal(storedGeom, blob) {
			mask |= updGeom
			args = append(args, blob)
		}
		if !sameKey {
			mask |= updKey
			args = append(args, f.Source, f.SourceID)
		}
		args = append(append(args, stored+1, updated), vals...)
		args = append(args, id)
		t.args = args
		if _, err := b.upd[mask].ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("gpkg: update %s %d: %w", f.Layer, id, err)
		}
		f.ID, f.Version, f.Updated = id, stored+1, t.rec.C.Updated
		t.rec.Touch(f.Layer)
		if mask&updGeom != 0 {
			t.changed(f.Layer, id, bb, empty, false)
		}
	}
	t.rec.Put(feats)
	return ctx.Err()
}

// insert inserts a feature as version 1 unless its source id is stored.
func (t *tx) insert(ctx context.Context, b *boundStmts, f *geo.Feature, blob []byte, updated string, vals []any) (int64, bool, error) {
	args := append(append(t.args[:0], blob, f.Source, f.SourceID, int64(1), updated), vals...)
	t.args = args
	res, err := b.ins.ExecContext(ctx, args...)
	if err != nil {
		return 0, false, fmt.Errorf("gpkg: insert %s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, false, err
	}
	id, err := res.LastInsertId()
	return id, err == nil, err
}

// Delete removes one feature or returns store.ErrNotFound.
func (t *tx) Delete(ctx context.Context, layer string, id int64) error {
	if _, ok := t.s.layers[layer]; !ok {
		return fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	b, err := t.stmts(ctx, layer)
	if err != nil {
		return err
	}
	res, err := b.del.ExecContext(ctx, id)
	if err != nil {
		return fmt.Errorf("gpkg: delete %s %d: %w", layer, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	t.rec.Delete(layer, id)
	t.changed(layer, id, orb.Bound{}, true, false)
	return ctx.Err()
}

// DeleteSource removes every feature of layer from source whose SourceID is
// not in keep and returns their ids in fid order.
func (t *tx) DeleteSource(ctx context.Context, layer, source string, keep map[string]bool) ([]int64, error) {
	b, err := t.stmts(ctx, layer)
	if err != nil {
		return nil, err
	}
	rows, err := b.selSrc.QueryContext(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("gpkg: delete source %s %s: %w", layer, source, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var sid string
		if err := rows.Scan(&id, &sid); err != nil {
			rows.Close()
			return nil, err
		}
		if !keep[sid] {
			ids = append(ids, id)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := b.del.ExecContext(ctx, id); err != nil {
			return nil, fmt.Errorf("gpkg: delete %s %d: %w", layer, id, err)
		}
		t.changed(layer, id, orb.Bound{}, true, false)
	}
	t.rec.Delete(layer, ids...)
	return ids, ctx.Err()
}
