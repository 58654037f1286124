package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

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
