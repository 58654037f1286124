package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
)

const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10300      // GeoPackage 1.3.0
	srsWGS84      = 4326

	wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

	// timeFormat is how DATETIME values are stored (GeoPackage 1.3, 1.1.1.1.1).
	timeFormat = "2006-01-02T15:04:05.000Z"
)

// A migration brings the schema from version i to i+1 inside the open
// transaction. Append new ones; never edit a released one.
type migration struct {
	name string
	up   func(ctx context.Context, tx *sql.Tx) error
}

var migrations = []migration{
	{"geopackage core, layers, gr_layers, gr_meta", migrateInitial},
	{"gr_scenarios", migrateScenarios},
	{"gr_tokens", migrateTokens},
	{"gr_scenarios.owner", migrateScenarioOwner},
	{"gr_tokens out of gpkg_contents", migrateHideTokens},
	{"layer titles and column aliases (gpkg_schema)", labelsOf(initialLayers)},
	{"gr_cases, gr_case_events, gr_case_photos", migrateCases},
	{"gr_tokens.unit", migrateTokenUnit},
	{migrationZones, migrateZonesUnits},
	{"gr_cases.ref", migrateCaseRef},
	{"gr_survey", migrateSurvey},
	{"gr_cases (zone, id), (unit, id), (state, deadline)", migrateCaseLists},
}

// migrateTokenUnit adds the unit a token of role unit speaks for; older
// tokens have none. It may run again on a store that has the column (a
// schema version rolled back), and then leaves it.
func migrateTokenUnit(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('gr_tokens') WHERE name = 'unit'`).Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, `ALTER TABLE gr_tokens ADD COLUMN unit TEXT NOT NULL DEFAULT ''`)
	return err
}

// initialLayers are the layers the first migration created. A layer added
// later gets a migration of its own, which creates its table in stores
// made before it; the first migration must not create it too.
var initialLayers = []string{geo.Green, geo.Parcels, geo.Roads, geo.Waste, geo.Areas}

// layerSince is the schema version from which a store has the table of
// layer: 1 for the initial layers, else the migration that added it.
func layerSince(layer string) int {
	for i, m := range migrations {
		if m.name == layerMigrations[layer] {
			return i + 1
		}
	}
	return 1
}

// migrationZones is the name of the migration adding the zones layer.
const migrationZones = "zones layer, gr_units"

// layerMigrations names the migration that created each layer past the
// initial ones.
var layerMigrations = map[string]string{geo.Zones: migrationZones}

// schemasOf returns the schemas of layer ids.
func schemasOf(ids []string) []*geo.Schema {
	out := make([]*geo.Schema, len(ids))
	for i, id := range ids {
		if out[i] = geo.SchemaOf(id); out[i] == nil {
			panic("gpkg: no layer " + id)
		}
	}
	return out
}

// labelsOf is migrateLabels for the layers ids.
func labelsOf(ids []string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error { return migrateLabels(ctx, tx, schemasOf(ids)) }
}

// schemaExtension is the GeoPackage schema extension (1.3, F.9), which
// gpkg_data_columns belongs to.
const schemaExtension = `http://www.geopackage.org/spec/#extension_schema`

// migrateLabels names the layers and their columns for people, Chinese
// first, where GIS tools look: each layer's gpkg_contents identifier (its
// Chinese title) and description (title and description in both
// languages), and gpkg_data_columns, whose name GDAL and QGIS show as the
// field's alias (the Chinese one), with the English alias as its title and
// both descriptions. It replaces what it wrote before, so a later
// migration may run it again when the labels change.
func migrateLabels(ctx context.Context, tx *sql.Tx, schemas []*geo.Schema) error {
	stmts := []string{
		// The extension's two tables as GeoPackage 1.3 defines them (F.9;
		// annex C.11 and C.12).
		`CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name))`,
		`CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))`,
	}
	for _, table := range []string{"gpkg_data_columns", "gpkg_data_column_constraints"} {
		// NULL column_name: the UNIQUE constraint does not catch a second row.
		stmts = append(stmts, `INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) SELECT `+lit(table)+`, NULL, 'gpkg_schema', `+lit(schemaExtension)+`, 'read-write'
			WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE table_name = `+lit(table)+` AND extension_name = 'gpkg_schema')`)
	}
	for _, s := range schemas {
		// identifier is UNIQUE: a table the user added under the same
		// title keeps it, and the layer its English one.
		stmts = append(stmts, `UPDATE gpkg_contents SET identifier = `+lit(s.TitleZH)+` WHERE table_name = `+lit(s.ID)+
			` AND NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE identifier = `+lit(s.TitleZH)+` AND table_name <> `+lit(s.ID)+`)`,
			`UPDATE gpkg_contents SET description = `+lit(s.Comment())+` WHERE table_name = `+lit(s.ID))
		for _, c := range s.Columns() {
			stmts = append(stmts, `INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (`+
				lit(s.ID)+`, `+lit(c.Name)+`, `+lit(c.Alias.ZH)+`, `+lit(c.Alias.EN)+`, `+lit(c.Doc.Both())+`)`)
		}
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

// migrateHideTokens takes the token table out of gpkg_contents: registered,
// QGIS and GDAL list it beside the layers, though it holds only secrets'
// hashes and is none of a map's business. Unregistered tables are allowed
// in a GeoPackage (1.3, clause 1.1.1.1.1).
func migrateHideTokens(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM gpkg_contents WHERE table_name = 'gr_tokens'`)
	return err
}

// migrateScenarioOwner adds the owner of each scenario; scenarios from
// before it get none, so only admins may change them.
func migrateScenarioOwner(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `ALTER TABLE gr_scenarios ADD COLUMN owner TEXT NOT NULL DEFAULT ''`)
	return err
}

// migrateTokens adds API tokens (their SHA-256 only), an attributes table.
func migrateTokens(ctx context.Context, tx *sql.Tx) error {
	for _, st := range []string{
		`CREATE TABLE gr_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created DATETIME NOT NULL, revoked DATETIME)`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('gr_tokens', 'attributes', 'greenreach API tokens', 'API tokens: name, role and the SHA-256 of the secret')`,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

// migrateScenarios adds the scenarios table, a GeoPackage attributes table.
func migrateScenarios(ctx context.Context, tx *sql.Tx) error {
	for _, st := range []string{
		`CREATE TABLE gr_scenarios (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name TEXT NOT NULL, author TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL, edits TEXT NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL, committed DATETIME, committed_by TEXT)`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('gr_scenarios', 'attributes', 'greenreach scenarios', 'planners'' drafts of edits, and who committed them when')`,
	} {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

// schemaVersion is the version a store has once every migration ran.
var schemaVersion = len(migrations)

// q quotes an SQL identifier.
func q(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// lit quotes an SQL string literal.
func lit(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

func columnType(t geo.FieldType) string {
	switch t {
	case geo.Int:
		return "INTEGER"
	case geo.Real:
		return "REAL"
	case geo.Bool:
		return "BOOLEAN"
	}
	return "TEXT"
}

func rtreeName(table string) string { return "rtree_" + table + "_geom" }

// rtreeDDL is the GeoPackage 1.3 RTree spatial index (extension F.3) for
// column geom of table, registered in gpkg_extensions.
func rtreeDDL(table string) []string {
	stmts := []string{`CREATE VIRTUAL TABLE ` + q(rtreeName(table)) + ` USING rtree(id, minx, maxx, miny, maxy)`}
	stmts = append(stmts, rtreeTriggers(table)...)
	return append(stmts, `INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (`+lit(table)+`, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`)
}

// layerDDL creates the feature table of a layer and registers it.
func layerDDL(s *geo.Schema) []string {
	var b strings.Builder
	fmt.Fprintf(&b, `CREATE TABLE %s (`, q(s.ID))
	fmt.Fprintf(&b, `"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" %s, "source" TEXT NOT NULL, "source_id" TEXT NOT NULL, "version" INTEGER NOT NULL, "updated" DATETIME NOT NULL`, s.Geom)
	for _, f := range s.Fields {
		fmt.Fprintf(&b, `, %s %s`, q(f.Name), columnType(f.Type))
	}
	b.WriteString(`, UNIQUE ("source", "source_id"))`)
	stmts := []string{
		b.String(),
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (` + lit(s.ID) + `, 'features', ` + lit(s.Title) + `, '', 4326)`,
		`INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (` + lit(s.ID) + `, 'geom', ` + lit(string(s.Geom)) + `, 4326, 0, 0)`,
		`INSERT INTO gr_layers (layer, version) VALUES (` + lit(s.ID) + `, 0)`,
	}
	return append(stmts, rtreeDDL(s.ID)...)
}

func migrateInitial(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`PRAGMA application_id = ` + strconv.Itoa(applicationID),
		`PRAGMA user_version = ` + strconv.Itoa(userVersion),
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined Cartesian coordinate reference system')`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ` + lit(wgs84WKT) + `, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
		`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
		`CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
		// gr_layers is a GeoPackage attributes table, so it needs an
		// INTEGER PRIMARY KEY (requirement 119); layer is its natural key.
		`CREATE TABLE gr_layers (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, layer TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, updated DATETIME)`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('gr_layers', 'attributes', 'greenreach layer versions', 'version and last update of each greenreach layer')`,
		`CREATE TABLE gr_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)`,
	}
	for _, s := range schemasOf(initialLayers) {
		stmts = append(stmts, layerDDL(s)...)
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", firstLine(st), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// readSchemaVersion returns the schema version recorded in gr_meta, 0 when
// there is no gr_meta table yet.
func readSchemaVersion(ctx context.Context, qr interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var n int
	if err := qr.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gr_meta'`).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v string
	err := qr.QueryRowContext(ctx, `SELECT value FROM gr_meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ver, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("gr_meta schema_version %q: %w", v, err)
	}
	return ver, nil
}

// migrate applies the missing migrations in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ver, err := readSchemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if ver > schemaVersion {
		return fmt.Errorf("store schema version %d is newer than this greenreach (%d)", ver, schemaVersion)
	}
	if ver == schemaVersion {
		return tx.Commit() // nothing written
	}
	for i := ver; i < schemaVersion; i++ {
		if err := migrations[i].up(ctx, tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", i+1, migrations[i].name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gr_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}
