package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

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
