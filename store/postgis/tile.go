package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/greenreach/greenreach/geo"
)

// TileMVT cuts the z/x/y vector tile of the named layers in PostGIS with
// ST_AsMVTGeom and ST_AsMVT: extent 4096, a 64-unit buffer, clipped, the
// feature id in fid and every attribute. It is the baseline greenreach's
// own tiles (package tiles, from the in-memory index) are compared and
// benchmarked against; the service does not use it.
func (s *Store) TileMVT(ctx context.Context, layers []string, z, x, y int) ([]byte, error) {
	parts := make([]string, 0, len(layers))
	for _, l := range layers {
		sc := geo.SchemaOf(l)
		if sc == nil {
			return nil, fmt.Errorf("postgis tile: unknown layer %q", l)
		}
		cols := []string{"fid"}
		for _, f := range sc.Fields {
			cols = append(cols, f.Name)
		}
		parts = append(parts, fmt.Sprintf(`(SELECT coalesce(ST_AsMVT(q, '%[1]s', 4096, 'geom', 'fid'), '') FROM (
  SELECT %[3]s, ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.env, 4096, 64, true) AS geom
  FROM %[2]s.%[1]s t, b WHERE t.geom && b.benv) q WHERE q.geom IS NOT NULL)`, l, s.schema, strings.Join(cols, ", ")))
	}
	sql := fmt.Sprintf(`WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0/4096), 4326) AS benv)
SELECT %s FROM b`, strings.Join(parts, " || "))
	var out []byte
	if err := s.pool.QueryRow(ctx, sql, z, x, y).Scan(&out); err != nil {
		return nil, fmt.Errorf("postgis tile %d/%d/%d: %w", z, x, y, err)
	}
	return out, nil
}
