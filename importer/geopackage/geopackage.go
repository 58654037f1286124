// Package geopackage imports a feature table of any OGC GeoPackage (made by
// QGIS, ogr2ogr, or another greenreach) into one greenreach layer.
//
// The table is Options.Table (--table), or the file's only feature table.
// Its coordinate system comes from gpkg_spatial_ref_sys (the EPSG code when
// the organisation is EPSG, else the stored WKT; Options.CRS overrides) and
// is converted to WGS84 through geo/crs. Attributes are mapped as in the
// GeoJSON importer; the source id is the row's fid, or Options.IDField. The
// source is "gpkg:" + the file's base name + "/" + the table, so importing
// the same table again replaces its features. The file is opened read-only.
package geopackage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/paulmach/orb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

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
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?mode=ro")
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	var tables []string
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")
	if err != nil {
		return nil, nil, fmt.Errorf("not a GeoPackage (%v)", err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	table := opt.Table
	switch {
	case table == "" && len(tables) == 1:
		table = tables[0]
	case table == "":
		return nil, nil, fmt.Errorf("holds %d feature tables (%s): choose one with --table", len(tables), strings.Join(tables, ", "))
	default:
		found := false
		for _, t := range tables {
			found = found || t == table
		}
		if !found {
			return nil, nil, fmt.Errorf("no feature table %q (it has: %s)", table, strings.Join(tables, ", "))
		}
	}
	var geomCol string
	var srsID int64
	if err := db.QueryRowContext(ctx, "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", table).Scan(&geomCol, &srsID); err != nil {
		return nil, nil, fmt.Errorf("table %s: no geometry column registered: %v", table, err)
	}
	def := opt.CRS
	if def == "" {
		var org sql.NullString
		var code sql.NullInt64
		var wkt sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?", srsID).Scan(&org, &code, &wkt); err != nil {
			return nil, nil, fmt.Errorf("table %s: spatial reference system %d not described: %v", table, srsID, err)
		}
		switch {
		case strings.EqualFold(org.String, "EPSG") && code.Valid:
			def = "EPSG:" + strconv.FormatInt(code.Int64, 10)
		case wkt.Valid && wkt.String != "" && wkt.String != "undefined":
			def = wkt.String
		default:
			def = "EPSG:4326"
		}
	}
	tr, err := crs.New(def)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	defer tr.Close()
	if opt.Source == "" {
		opt.Source = "gpkg:" + filepath.Base(path) + "/" + table
	}
	var pk string
	cols, err := db.QueryContext(ctx, "SELECT name, pk FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, nil, err
	}
	for cols.Next() {
		var name string
		var isPK int
		if err := cols.Scan(&name, &isPK); err != nil {
			cols.Close()
			return nil, nil, err
		}
		if isPK == 1 {
			pk = name
		}
	}
	cols.Close()
	if pk == "" {
		pk = "rowid"
	}
	rows, err = db.QueryContext(ctx, fmt.Sprintf("SELECT %s AS gr_fid, * FROM %s ORDER BY %s", quote(pk), quote(table), quote(pk)))
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	col, err := importer.NewCollector(path, "gpkg", opt.Layer, opt.Source, opt.Fields, tr)
	if err != nil {
		return nil, nil, err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, fmt.Errorf("table %s: %w", table, err)
		}
		sid := fmt.Sprint(vals[0])
		props := map[string]any{}
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
		if opt.IDField != "" {
			v, ok := props[opt.IDField]
			if !ok {
				return nil, nil, fmt.Errorf("table %s: row %s has no %s (the --id column)", table, sid, opt.IDField)
			}
			sid = fmt.Sprint(v)
		}
		var g orb.Geometry
		if len(blob) > 0 {
			if g, _, err = gpkg.DecodeGeometry(blob); err != nil {
				return nil, nil, fmt.Errorf("table %s: row %s: %w", table, sid, err)
			}
		}
		if err := col.Add(sid, g, props); err != nil {
			return nil, nil, fmt.Errorf("table %s: row %s: %w", table, sid, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	feats, sum := col.Done()
	return feats, sum, nil
}
