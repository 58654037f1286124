// Package geopackage imports a feature table of any OGC GeoPackage (made by
// QGIS, ogr2ogr, or another greenreach) into one greenreach layer.
//
// The table is Options.Table (--table), or the file's only feature table.
// Its coordinate system comes from gpkg_spatial_ref_sys (the EPSG code when
// the organisation is EPSG, else the stored WKT; Options.CRS overrides) and
// is converted to WGS84 through geo/crs. Attributes are mapped as in the
// GeoJSON importer; the source id is the row's fid, or Options.IDField. The
// source is "gpkg:" + the file's base name + "/" + the table, so importing
// the same table again replaces its features.
//
// A GeoPackage is an SQLite database, and SQLite computes what a file asks
// for: a view or a generated column can make every row a 900 MB blob or
// recurse without end. So the file is opened read-only with the schema
// untrusted, only real tables are read (gpkg_contents and the other
// GeoPackage tables as much as the feature table; a view, a virtual table
// or a column computed on read is an error naming it), no value may be
// longer than MaxValue bytes, and the queries stop when ctx is done.
package geopackage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/paulmach/orb"
	"modernc.org/sqlite" // the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// MaxValue is the longest value (a geometry blob, a text) read from a
// GeoPackage: SQLite's SQLITE_LIMIT_LENGTH on the connection, so a longer
// one fails the file before it is in memory.
const MaxValue = 64 << 20

// Extensions are the file name endings this package reads.
var Extensions = []string{".gpkg"}

// Supported reports whether path looks like a GeoPackage.
func Supported(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".gpkg") }

// Options control a GeoPackage import.
type Options struct {
	Layer   string            // required: the greenreach layer
	Table   string            // the feature table; default: the only one
	Source  string            // default "gpkg:" + base name + "/" + table
	Fields  map[string]string // field → column; nil: same-named columns
	IDField string            // column with a stable id; default: the fid
	CRS     string            // overrides the table's spatial reference system
}

func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// ReadFile reads one feature table into features ready for importer.Load.
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	feats, sum, err := read(ctx, path, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return feats, sum, nil
}

func read(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	if geo.SchemaOf(opt.Layer) == nil {
		return nil, nil, fmt.Errorf("unknown layer %q (one of green, parcels, roads, waste, areas)", opt.Layer)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	db, conn, err := open(ctx, abs)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	defer conn.Close()
	table, err := chooseTable(ctx, conn, opt.Table)
	if err != nil {
		return nil, nil, err
	}
	geomCol, def, err := tableCRS(ctx, conn, table, opt.CRS)
	if err != nil {
		return nil, nil, err
	}
	tr, err := crs.New(def)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	defer tr.Close()
	if opt.Source == "" {
		opt.Source = "gpkg:" + filepath.Base(path) + "/" + table
	}
	col, err := importer.NewCollector(path, "gpkg", opt.Layer, opt.Source, opt.Fields, tr)
	if err != nil {
		return nil, nil, err
	}
	if err := readRows(ctx, conn, table, geomCol, opt.IDField, col); err != nil {
		return nil, nil, err
	}
	feats, sum := col.Done()
	return feats, sum, nil
}

// chooseTable checks that the file's GeoPackage tables are real tables and
// returns the feature table to read: want, or the only one when want is
// empty; the chosen table must be a real table too.
func chooseTable(ctx context.Context, conn *sql.Conn, want string) (string, error) {
	for _, t := range []string{"gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys"} {
		if err := realTable(ctx, conn, t); err != nil {
			return "", fmt.Errorf("not a GeoPackage greenreach reads: %w", err)
		}
	}
	var tables []string
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")
	if err != nil {
		return "", fmt.Errorf("not a GeoPackage (%v)", tooBig(err))
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return "", err
		}
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return "", tooBig(err)
	}
	table := want
	switch {
	case table == "" && len(tables) == 1:
		table = tables[0]
	case table == "":
		return "", fmt.Errorf("holds %d feature tables (%s): choose one with --table", len(tables), strings.Join(tables, ", "))
	case !slices.Contains(tables, table):
		return "", fmt.Errorf("no feature table %q (it has: %s)", table, strings.Join(tables, ", "))
	}
	if err := realTable(ctx, conn, table); err != nil {
		return "", err
	}
	return table, nil
}

// tableCRS returns the geometry column of table and the definition of its
// coordinate system for crs.New: override when given, else the EPSG code
// or WKT of gpkg_spatial_ref_sys, else WGS84.
func tableCRS(ctx context.Context, conn *sql.Conn, table, override string) (geomCol, def string, err error) {
	var srsID int64
	if err := conn.QueryRowContext(ctx, "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", table).Scan(&geomCol, &srsID); err != nil {
		return "", "", fmt.Errorf("table %s: no geometry column registered: %v", table, err)
	}
	if override != "" {
		return geomCol, override, nil
	}
	var org sql.NullString
	var code sql.NullInt64
	var wkt sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?", srsID).Scan(&org, &code, &wkt); err != nil {
		return "", "", fmt.Errorf("table %s: spatial reference system %d not described: %v", table, srsID, err)
	}
	switch {
	case strings.EqualFold(org.String, "EPSG") && code.Valid:
		return geomCol, "EPSG:" + strconv.FormatInt(code.Int64, 10), nil
	case wkt.Valid && wkt.String != "" && wkt.String != "undefined":
		return geomCol, wkt.String, nil
	}
	return geomCol, "EPSG:4326", nil
}

// columns returns the primary key of table (rowid when it has none) and
// its quoted columns; a column computed on read is an error.
func columns(ctx context.Context, conn *sql.Conn, table string) (pk string, selected []string, err error) {
	cols, err := conn.QueryContext(ctx, "SELECT name, pk, hidden FROM pragma_table_xinfo(?)", table)
	if err != nil {
		return "", nil, err
	}
	defer cols.Close()
	for cols.Next() {
		var name string
		var isPK, hidden int
		if err := cols.Scan(&name, &isPK, &hidden); err != nil {
			return "", nil, err
		}
		if hidden == 2 { // a VIRTUAL generated column: computed on every read
			return "", nil, fmt.Errorf("table %s: column %s is computed when read (a generated column); greenreach reads stored values only", table, name)
		}
		if isPK == 1 {
			pk = name
		}
		selected = append(selected, quote(name))
	}
	if pk == "" {
		pk = "rowid"
	}
	return pk, selected, nil
}

// readRows hands every row of table, in key order, to col: its id (the
// key, or the idField column), its geometry and its other columns.
func readRows(ctx context.Context, conn *sql.Conn, table, geomCol, idField string, col *importer.Collector) error {
	pk, selected, err := columns(ctx, conn, table)
	if err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT %s AS gr_fid, %s FROM %s ORDER BY %s", quote(pk), strings.Join(selected, ", "), quote(table), quote(pk)))
	if err != nil {
		return fmt.Errorf("table %s: %w", table, tooBig(err))
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("table %s: %w", table, tooBig(err))
		}
		sid, g, props, err := rowFeature(table, names, vals, geomCol, idField)
		if err != nil {
			return err
		}
		if err := col.Add(sid, g, props); err != nil {
			return fmt.Errorf("table %s: row %s: %w", table, sid, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("table %s: %w", table, tooBig(err))
	}
	return nil
}

// rowFeature splits one row of table (its key first, then the columns
// names[1:]) into the source id, the decoded geometry and the other
// columns' values.
func rowFeature(table string, names []string, vals []any, geomCol, idField string) (sid string, g orb.Geometry, props map[string]any, err error) {
	sid = fmt.Sprint(vals[0])
	props = map[string]any{}
	var blob []byte
	for i, n := range names[1:] {
		v := vals[i+1]
		if n == geomCol {
			blob, _ = v.([]byte)
			continue
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if v != nil {
			props[n] = v
		}
	}
	if idField != "" {
		v, ok := props[idField]
		if !ok {
			return sid, nil, nil, fmt.Errorf("table %s: row %s has no %s (the --id column)", table, sid, idField)
		}
		sid = fmt.Sprint(v)
	}
	if len(blob) > 0 {
		if g, _, err = gpkg.DecodeGeometry(blob); err != nil {
			return sid, nil, nil, fmt.Errorf("table %s: row %s: %w", table, sid, err)
		}
	}
	return sid, g, props, nil
}

// open opens the file read-only with its schema untrusted (its views and
// triggers may call only harmless functions) and returns the one
// connection to query it on, whose values are limited to MaxValue bytes.
func open(ctx context.Context, abs string) (*sql.DB, *sql.Conn, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?mode=ro&_pragma=trusted_schema(0)&_pragma=query_only(1)")
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, MaxValue)
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

// realTable checks that name is an ordinary table of the file: a view or a
// virtual table computes its rows when read, as much as it likes.
func realTable(ctx context.Context, conn *sql.Conn, name string) error {
	var typ, def sql.NullString
	err := conn.QueryRowContext(ctx, "SELECT type, sql FROM sqlite_schema WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')", name).Scan(&typ, &def)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("no table %s", name)
	case err != nil:
		return err
	case typ.String == "view":
		return fmt.Errorf("%s is a view: greenreach reads only tables (a view computes its rows when read)", name)
	case strings.HasPrefix(strings.ToUpper(strings.TrimSpace(def.String)), "CREATE VIRTUAL"):
		return fmt.Errorf("%s is a virtual table: greenreach reads only ordinary tables", name)
	}
	return nil
}

// tooBig names the limit in SQLite's "string or blob too big".
func tooBig(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_TOOBIG {
		return fmt.Errorf("a value is over the limit of %d bytes (%d MiB): %w", MaxValue, MaxValue>>20, err)
	}
	return err
}
