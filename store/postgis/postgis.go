// Package postgis is the PostGIS store, greenreach's system of record for
// deployments: one table per layer with a geometry(…, 4326) column and a GiST
// index, in a schema of its own (default "greenreach", or the URL's schema=
// parameter), migrated on open under an advisory lock.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// Store is a store.Store on PostGIS.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	wmu    sync.Mutex // one writer at a time keeps layer versions in commit order
	// closed ends watchers on Close: the pool's Close waits for every
	// acquired connection, and a listening one is held until its wait ends.
	closed context.Context
	close  context.CancelFunc
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the database url names and applies migrations. The URL
// may carry schema=NAME (default greenreach); it is not passed to the server.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("postgis: bad URL: %w", err)
	}
	q := u.Query()
	schema := q.Get("schema")
	if schema == "" {
		schema = "greenreach"
	}
	if !identRE.MatchString(schema) {
		return nil, fmt.Errorf("postgis: schema %q: use lower-case letters, digits and _", schema)
	}
	q.Del("schema")
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	u.RawQuery = q.Encode()
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "5432")
	}
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgis %s: %w", addr, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis %s: %w: %v", addr, store.ErrUnavailable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis %s: %w: %v", addr, store.ErrUnavailable, cause(err))
	}
	s := &Store{pool: pool, schema: schema}
	s.closed, s.close = context.WithCancel(context.Background())
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis %s: migrate schema %s: %w", addr, schema, err)
	}
	return s, nil
}

// cause strips pgx's connection preamble to the innermost message.
func cause(err error) string {
	msg := err.Error()
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		msg = ce.Unwrap().Error()
	}
	// pgx lists every address it tried on its own line: keep the first.
	first, _, _ := strings.Cut(msg, "\n")
	return first
}

func (s *Store) Kind() string { return "postgis" }

func (s *Store) Close() error {
	s.close()
	s.pool.Close()
	return nil
}

func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgis: %w: %v", store.ErrUnavailable, err)
	}
	return nil
}

func (s *Store) table(layer string) string { return s.schema + "." + layer }

func columns(sc *geo.Schema) []string {
	out := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		out[i] = f.Name
	}
	return out
}

func (s *Store) Layers(ctx context.Context) ([]store.LayerInfo, error) {
	out := make([]store.LayerInfo, 0, len(geo.Schemas))
	for _, sc := range geo.Schemas {
		info := store.LayerInfo{ID: sc.ID, Title: sc.Title}
		var minx, miny, maxx, maxy *float64
		var updated *time.Time
		err := s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %[1]s),
			(SELECT min(ST_XMin(geom)) FROM %[1]s), (SELECT min(ST_YMin(geom)) FROM %[1]s),
			(SELECT max(ST_XMax(geom)) FROM %[1]s), (SELECT max(ST_YMax(geom)) FROM %[1]s),
			l.version, l.updated FROM %[2]s.gr_layers l WHERE l.layer = $1`, s.table(sc.ID), s.schema), sc.ID).
			Scan(&info.Count, &minx, &miny, &maxx, &maxy, &info.Version, &updated)
		if err != nil {
			return nil, dbErr(fmt.Sprintf("layer %s", sc.ID), err)
		}
		if minx != nil {
			info.BBox = &orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}
		}
		if updated != nil {
			info.Updated = updated.UTC()
		}
		out = append(out, info)
	}
	return out, nil
}

func (s *Store) selectSQL(sc *geo.Schema) string {
	return fmt.Sprintf("SELECT fid, source, source_id, version, updated, ST_AsBinary(geom), %s FROM %s",
		strings.Join(columns(sc), ", "), s.table(sc.ID))
}

func scanFeature(sc *geo.Schema, rows pgx.Rows) (*geo.Feature, error) {
	vals, err := rows.Values()
	if err != nil {
		return nil, err
	}
	f := &geo.Feature{Layer: sc.ID, Props: make(map[string]any, len(sc.Fields))}
	f.ID = vals[0].(int64)
	f.Source, f.SourceID = vals[1].(string), vals[2].(string)
	f.Version = vals[3].(int64)
	f.Updated = vals[4].(time.Time).UTC()
	if f.Geom, err = wkb.Unmarshal(vals[5].([]byte)); err != nil {
		return nil, fmt.Errorf("%s %d: geometry: %w", sc.ID, f.ID, err)
	}
	for i, fd := range sc.Fields {
		if v := vals[6+i]; v != nil {
			f.Props[fd.Name] = v
		}
	}
	return f, nil
}

func (s *Store) Scan(ctx context.Context, layer string, fn func(*geo.Feature) error) error {
	sc := geo.SchemaOf(layer)
	if sc == nil {
		return fmt.Errorf("postgis: unknown layer %q", layer)
	}
	rows, err := s.pool.Query(ctx, s.selectSQL(sc)+" ORDER BY fid")
	if err != nil {
		return dbErr(fmt.Sprintf("scan %s", layer), err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFeature(sc, rows)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr(fmt.Sprintf("scan %s", layer), err)
	}
	return nil
}

func (s *Store) Get(ctx context.Context, layer string, id int64) (*geo.Feature, error) {
	sc := geo.SchemaOf(layer)
	if sc == nil {
		return nil, fmt.Errorf("postgis: unknown layer %q", layer)
	}
	rows, err := s.pool.Query(ctx, s.selectSQL(sc)+" WHERE fid = $1", id)
	if err != nil {
		return nil, dbErr(fmt.Sprintf("get %s %d", layer, id), err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	return scanFeature(sc, rows)
}

func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	pgtx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgis: begin: %w: %v", store.ErrUnavailable, err)
	}
	defer pgtx.Rollback(context.Background())
	t := &tx{s: s, tx: pgtx, rec: store.NewRecorder(store.Now())}
	if err := fn(t); err != nil {
		return nil, err
	}
	layers := make([]string, 0, len(t.rec.C.Versions))
	for l := range t.rec.C.Versions {
		layers = append(layers, l)
	}
	slices.Sort(layers)
	for _, l := range layers {
		var v int64
		if err := pgtx.QueryRow(ctx, fmt.Sprintf("UPDATE %s.gr_layers SET version = version + 1, updated = $2 WHERE layer = $1 RETURNING version", s.schema), l, t.rec.C.Updated).Scan(&v); err != nil {
			return nil, dbErr(fmt.Sprintf("bump %s version", l), err)
		}
		t.rec.C.Versions[l] = v
	}
	if len(layers) > 0 {
		// Delivered on commit: other replicas reload what changed.
		if _, err := pgtx.Exec(ctx, "SELECT pg_notify($1, $2)", s.channel(), strings.Join(layers, ",")); err != nil {
			return nil, dbErr("notify", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, dbErr("not committed", err)
	}
	if err := pgtx.Commit(ctx); err != nil {
		return nil, dbErr("commit", err)
	}
	return &t.rec.C, nil
}
