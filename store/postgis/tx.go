package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"
)

// bulkMin is the batch size from which new-or-replaced features go through
// COPY into a staging table and one INSERT … ON CONFLICT.
const bulkMin = 200

type tx struct {
	s   *Store
	tx  pgx.Tx
	rec *store.Recorder
}

func (t *tx) Put(ctx context.Context, feats []*geo.Feature) error {
	for _, f := range feats {
		if err := geo.Prepare(f); err != nil {
			return err
		}
	}
	// Group by layer, keeping input order within each layer.
	var order []string
	byLayer := map[string][]*geo.Feature{}
	for _, f := range feats {
		if _, ok := byLayer[f.Layer]; !ok {
			order = append(order, f.Layer)
		}
		byLayer[f.Layer] = append(byLayer[f.Layer], f)
	}
	for _, layer := range order {
		fs := byLayer[layer]
		var err error
		if len(fs) >= bulkMin && bulkable(fs) {
			err = t.putBulk(ctx, geo.SchemaOf(layer), fs)
		} else {
			for _, f := range fs {
				if err = t.putOne(ctx, geo.SchemaOf(layer), f); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	t.rec.Put(feats)
	return nil
}

// bulkable: no ids or versions to check, and no source id twice.
func bulkable(fs []*geo.Feature) bool {
	seen := make(map[string]bool, len(fs))
	for _, f := range fs {
		k := f.Source + "\x00" + f.SourceID
		if f.ID != 0 || f.Version != 0 || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func values(sc *geo.Schema, f *geo.Feature) ([]any, error) {
	g, err := wkb.Marshal(f.Geom)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: geometry: %w", f.Layer, f.Source, f.SourceID, err)
	}
	v := make([]any, 0, 3+len(sc.Fields))
	v = append(v, g, f.Source, f.SourceID)
	for _, fd := range sc.Fields {
		v = append(v, f.Value(fd.Name))
	}
	return v, nil
}

func (t *tx) putOne(ctx context.Context, sc *geo.Schema, f *geo.Feature) error {
	tbl := t.s.table(sc.ID)
	var (
		id, version int64
		err         error
	)
	if f.ID != 0 {
		id = f.ID
		err = t.tx.QueryRow(ctx, "SELECT version FROM "+tbl+" WHERE fid = $1 FOR UPDATE", f.ID).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s %d: %w", sc.ID, f.ID, store.ErrNotFound)
		}
	} else {
		err = t.tx.QueryRow(ctx, "SELECT fid, version FROM "+tbl+" WHERE source = $1 AND source_id = $2 FOR UPDATE", f.Source, f.SourceID).Scan(&id, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			id, err = 0, nil
		}
	}
	if err != nil {
		return dbErr(fmt.Sprintf("put %s", sc.ID), err)
	}
	if f.Version != 0 && (id == 0 || version != f.Version) {
		return fmt.Errorf("%s %s/%s: version %d, stored %d: %w", sc.ID, f.Source, f.SourceID, f.Version, version, store.ErrConflict)
	}
	vals, err := values(sc, f)
	if err != nil {
		return err
	}
	cols := columns(sc)
	now := t.rec.C.Updated
	if id == 0 {
		ph := make([]string, len(cols))
		for i := range cols {
			ph[i] = fmt.Sprintf("$%d", i+5)
		}
		q := fmt.Sprintf("INSERT INTO %s (geom, source, source_id, updated, version, %s) VALUES (ST_SetSRID(ST_GeomFromWKB($1), 4326), $2, $3, $4, 1, %s) RETURNING fid, version",
			tbl, strings.Join(cols, ", "), strings.Join(ph, ", "))
		args := append([]any{vals[0], vals[1], vals[2], now}, vals[3:]...)
		err = t.tx.QueryRow(ctx, q, args...).Scan(&f.ID, &f.Version)
	} else {
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = fmt.Sprintf("%s = $%d", c, i+6)
		}
		q := fmt.Sprintf("UPDATE %s SET geom = ST_SetSRID(ST_GeomFromWKB($2), 4326), source = $3, source_id = $4, updated = $5, version = version + 1, %s WHERE fid = $1 RETURNING fid, version",
			tbl, strings.Join(set, ", "))
		args := append([]any{id, vals[0], vals[1], vals[2], now}, vals[3:]...)
		err = t.tx.QueryRow(ctx, q, args...).Scan(&f.ID, &f.Version)
	}
	if err != nil {
		return dbErr(fmt.Sprintf("put %s %s/%s", sc.ID, f.Source, f.SourceID), err)
	}
	f.Updated = now
	return nil
}

func (t *tx) putBulk(ctx context.Context, sc *geo.Schema, fs []*geo.Feature) error {
	cols := columns(sc)
	stage := "gr_stage_" + sc.ID
	defs := []string{"ord int", "geom bytea", "source text", "source_id text"}
	for _, fd := range sc.Fields {
		defs = append(defs, fd.Name+" "+pgType(fd.Type))
	}
	if _, err := t.tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS %s (%s) ON COMMIT DROP; TRUNCATE %s", stage, strings.Join(defs, ", "), stage)); err != nil {
		return dbErr(fmt.Sprintf("staging %s", sc.ID), err)
	}
	rows := make([][]any, len(fs))
	for i, f := range fs {
		v, err := values(sc, f)
		if err != nil {
			return err
		}
		rows[i] = append([]any{int32(i)}, v...)
	}
	copyCols := append([]string{"ord", "geom", "source", "source_id"}, cols...)
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{stage}, copyCols, pgx.CopyFromRows(rows)); err != nil {
		return dbErr(fmt.Sprintf("copy %s", sc.ID), err)
	}
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = fmt.Sprintf("%s = EXCLUDED.%s", c, c)
	}
	q := fmt.Sprintf(`INSERT INTO %[1]s AS t (geom, source, source_id, updated, version, %[2]s)
		SELECT ST_SetSRID(ST_GeomFromWKB(geom), 4326), source, source_id, $1, 1, %[2]s FROM %[3]s ORDER BY ord
		ON CONFLICT (source, source_id) DO UPDATE SET geom = EXCLUDED.geom, updated = EXCLUDED.updated, version = t.version + 1, %[4]s
		RETURNING fid, version, source_id`, t.s.table(sc.ID), strings.Join(cols, ", "), stage, strings.Join(set, ", "))
	res, err := t.tx.Query(ctx, q, t.rec.C.Updated)
	if err != nil {
		return dbErr(fmt.Sprintf("insert %s", sc.ID), err)
	}
	defer res.Close()
	bySID := make(map[string]*geo.Feature, len(fs))
	for _, f := range fs {
		bySID[f.SourceID] = f
	}
	n := 0
	for res.Next() {
		var id, version int64
		var sid string
		if err := res.Scan(&id, &version, &sid); err != nil {
			return err
		}
		f := bySID[sid]
		f.ID, f.Version, f.Updated = id, version, t.rec.C.Updated
		n++
	}
	if err := res.Err(); err != nil {
		return dbErr(fmt.Sprintf("insert %s", sc.ID), err)
	}
	if n != len(fs) {
		return fmt.Errorf("postgis: insert %s: %d rows written for %d features", sc.ID, n, len(fs))
	}
	return nil
}

func (t *tx) Delete(ctx context.Context, layer string, id int64) error {
	if geo.SchemaOf(layer) == nil {
		return fmt.Errorf("%w: unknown layer %q", geo.ErrInvalid, layer)
	}
	tag, err := t.tx.Exec(ctx, "DELETE FROM "+t.s.table(layer)+" WHERE fid = $1", id)
	if err != nil {
		return dbErr(fmt.Sprintf("delete %s %d", layer, id), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %d: %w", layer, id, store.ErrNotFound)
	}
	t.rec.Delete(layer, id)
	return nil
}

func (t *tx) DeleteSource(ctx context.Context, layer, source string, keep map[string]bool) ([]int64, error) {
	if geo.SchemaOf(layer) == nil {
		return nil, fmt.Errorf("%w: unknown layer %q", geo.ErrInvalid, layer)
	}
	kept := make([]string, 0, len(keep))
	for k, ok := range keep {
		if ok {
			kept = append(kept, k)
		}
	}
	rows, err := t.tx.Query(ctx, "DELETE FROM "+t.s.table(layer)+" WHERE source = $1 AND NOT (source_id = ANY($2)) RETURNING fid", source, kept)
	if err != nil {
		return nil, dbErr(fmt.Sprintf("delete source %s from %s", source, layer), err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, dbErr(fmt.Sprintf("delete source %s from %s", source, layer), err)
	}
	slices.Sort(ids)
	t.rec.Delete(layer, ids...)
	return ids, nil
}
