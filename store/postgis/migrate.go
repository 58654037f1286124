package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/greenreach/greenreach/geo"
)

// migrations are applied in order, each once, recorded in gr_schema_migrations.
// Append; never edit a step that has shipped.
var migrations = []func(schema string) string{
	// 1: layer tables, GiST indexes, layer versions.
	func(schema string) string {
		var b strings.Builder
		for _, sc := range schemasOf(initialLayers) {
			fmt.Fprintf(&b, "CREATE TABLE %s.%s (\n  fid bigserial PRIMARY KEY,\n  geom geometry(%s, 4326) NOT NULL,\n  source text NOT NULL,\n  source_id text NOT NULL,\n  version bigint NOT NULL,\n  updated timestamptz NOT NULL", schema, sc.ID, pgGeom(sc.Geom))
			for _, f := range sc.Fields {
				fmt.Fprintf(&b, ",\n  %s %s", f.Name, pgType(f.Type))
			}
			fmt.Fprintf(&b, ",\n  UNIQUE (source, source_id)\n);\n")
			fmt.Fprintf(&b, "CREATE INDEX %[2]s_geom_gist ON %[1]s.%[2]s USING gist (geom);\n", schema, sc.ID)
		}
		fmt.Fprintf(&b, "CREATE TABLE %s.gr_layers (layer text PRIMARY KEY, version bigint NOT NULL DEFAULT 0, updated timestamptz);\n", schema)
		for _, sc := range schemasOf(initialLayers) {
			fmt.Fprintf(&b, "INSERT INTO %s.gr_layers (layer) VALUES ('%s');\n", schema, sc.ID)
		}
		return b.String()
	},
	// 2: scenarios (planners' drafts; committed ones are the history).
	func(schema string) string {
		return fmt.Sprintf(`CREATE TABLE %s.gr_scenarios (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  author text NOT NULL DEFAULT '',
  version bigint NOT NULL,
  edits json NOT NULL,
  created timestamptz NOT NULL,
  updated timestamptz NOT NULL,
  committed timestamptz,
  committed_by text
);`, schema)
	},
	// 3: API tokens (the SHA-256 of each secret only).
	func(schema string) string {
		return fmt.Sprintf(`CREATE TABLE %s.gr_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL,
  hash text NOT NULL UNIQUE,
  created timestamptz NOT NULL,
  revoked timestamptz
);`, schema)
	},
	// 4: the owner of each scenario; older ones get none (admins only).
	func(schema string) string {
		return fmt.Sprintf(`ALTER TABLE %s.gr_scenarios ADD COLUMN owner text NOT NULL DEFAULT '';`, schema)
	},
	// 5: layer titles and column aliases for GIS tools, Chinese first.
	func(schema string) string { return labelComments(schema, schemasOf(initialLayers)) },
	// 6: cases, their append-only history and photos (cases.go).
	migrateCases,
	// 7: the unit a token of role unit speaks for; older tokens have none
	// (IF NOT EXISTS: tests roll the steps back and run them again).
	func(schema string) string {
		return fmt.Sprintf(`ALTER TABLE %s.gr_tokens ADD COLUMN IF NOT EXISTS unit text NOT NULL DEFAULT '';`, schema)
	},
	// 8: the zones layer and units records (units.go).
	migrateZonesUnits,
	// 9: the source's own id of a case (cases.go).
	migrateCaseRef,
	// 10: the survey history of green spaces (survey.go).
	migrateSurvey,
	// 11: the zone's and the unit's case list indexes (cases.go).
	migrateCaseLists,
}

// initialLayers are the layers step 1 created. A layer added later gets a
// step of its own, which creates its table in schemas made before it;
// step 1 must not create it too.
var initialLayers = []string{geo.Green, geo.Parcels, geo.Roads, geo.Waste, geo.Areas}

// schemasOf returns the schemas of layer ids.
func schemasOf(ids []string) []*geo.Schema {
	out := make([]*geo.Schema, len(ids))
	for i, id := range ids {
		if out[i] = geo.SchemaOf(id); out[i] == nil {
			panic("postgis: no layer " + id)
		}
	}
	return out
}

// layerDDL creates the table of one layer, its GiST index and its version
// row.
func layerDDL(schema string, sc *geo.Schema) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s.%s (\n  fid bigserial PRIMARY KEY,\n  geom geometry(%s, 4326) NOT NULL,\n  source text NOT NULL,\n  source_id text NOT NULL,\n  version bigint NOT NULL,\n  updated timestamptz NOT NULL", schema, sc.ID, pgGeom(sc.Geom))
	for _, f := range sc.Fields {
		fmt.Fprintf(&b, ",\n  %s %s", f.Name, pgType(f.Type))
	}
	fmt.Fprintf(&b, ",\n  UNIQUE (source, source_id)\n);\n")
	fmt.Fprintf(&b, "CREATE INDEX %[2]s_geom_gist ON %[1]s.%[2]s USING gist (geom);\n", schema, sc.ID)
	fmt.Fprintf(&b, "INSERT INTO %s.gr_layers (layer) VALUES ('%s');\n", schema, sc.ID)
	return b.String()
}

// labelComments names each layer's table and its columns for people where
// GIS tools (QGIS, pgAdmin, DBeaver) look: COMMENT ON TABLE and COLUMN,
// the Chinese title or alias first, then what it holds, then the same in
// English. A comment replaces the one before, so a later step may run it
// again when the labels change.
func labelComments(schema string, schemas []*geo.Schema) string {
	var b strings.Builder
	for _, sc := range schemas {
		fmt.Fprintf(&b, "COMMENT ON TABLE %s.%s IS %s;\n", schema, sc.ID, pgLit(sc.Comment()))
		for _, c := range sc.Columns() {
			fmt.Fprintf(&b, "COMMENT ON COLUMN %s.%s.%s IS %s;\n", schema, sc.ID, c.Name, pgLit(c.Comment()))
		}
	}
	return b.String()
}

// pgLit quotes a standard string literal, which reads backslashes as they
// are (standard_conforming_strings, on since PostgreSQL 9.1).
func pgLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func pgGeom(k geo.GeomKind) string {
	switch k {
	case geo.MultiPolygon:
		return "MultiPolygon"
	case geo.MultiLineString:
		return "MultiLineString"
	}
	return "Point"
}

func pgType(t geo.FieldType) string {
	switch t {
	case geo.Int:
		return "bigint"
	case geo.Real:
		return "double precision"
	case geo.Bool:
		return "boolean"
	}
	return "text"
}

func (s *Store) migrate(ctx context.Context) error {
	var hasPostGIS bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')").Scan(&hasPostGIS); err != nil {
		return err
	}
	if !hasPostGIS {
		if _, err := s.pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
			return fmt.Errorf("the postgis extension is missing and cannot be created: %w", err)
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "greenreach:"+s.schema); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS %[1]s; CREATE TABLE IF NOT EXISTS %[1]s.gr_schema_migrations (step int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())", s.schema)); err != nil {
		return err
	}
	var done int
	if err := tx.QueryRow(ctx, fmt.Sprintf("SELECT coalesce(max(step), 0) FROM %s.gr_schema_migrations", s.schema)).Scan(&done); err != nil {
		return err
	}
	if done > len(migrations) {
		return fmt.Errorf("schema is at step %d, newer than this greenreach (%d): upgrade greenreach", done, len(migrations))
	}
	for i := done; i < len(migrations); i++ {
		if _, err := tx.Exec(ctx, migrations[i](s.schema)); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s.gr_schema_migrations (step) VALUES ($1)", s.schema), i+1); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
