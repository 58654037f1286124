package gpkg

import (
	"context"
	"fmt"

	"github.com/greenreach/greenreach/store"
)

// LayerVersions returns each layer's version and last update, without the
// counts and extents Layers computes: what a running service checks to
// see whether another process (a CLI import) wrote the file.
func (s *Store) LayerVersions(ctx context.Context) ([]store.LayerInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT "layer", "version", "updated" FROM gr_layers`)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.LayerInfo
	for rows.Next() {
		var info store.LayerInfo
		var u any
		if err := rows.Scan(&info.ID, &info.Version, &u); err != nil {
			return nil, fmt.Errorf("gpkg: layer versions: %w", err)
		}
		if u != nil {
			if info.Updated, err = parseTime(u); err != nil {
				return nil, fmt.Errorf("gpkg: layer versions: %w", err)
			}
		}
		out = append(out, info)
	}
	return out, rows.Err()
}
