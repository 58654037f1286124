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

// Put validates every feature, then writes them in order (see store.Tx).
// A large Put first defers the RTree of the layers it writes (maybeDefer):
// that is gpkg's bulk path; the rows are written one by one either way.
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
		if err := t.putOne(ctx, f, updated); err != nil {
			return err
		}
	}
	t.rec.Put(feats)
	return ctx.Err()
}

// row is a feature encoded for its layer's statements.
type row struct {
	blob  []byte
	bound orb.Bound
	empty bool
	vals  []any // in schema field order
}

// putOne writes one prepared feature: a new row when its source id is not
// stored, otherwise the next version of the stored row (checked against
// f.Version when it is set).
func (t *tx) putOne(ctx context.Context, f *geo.Feature, updated string) error {
	b, err := t.stmts(ctx, f.Layer)
	if err != nil {
		return err
	}
	r, err := t.encodeRow(b, f)
	if err != nil {
		return err
	}
	if f.ID == 0 && f.Version == 0 && !b.replacing {
		// Most writes are new features: try the insert first; it does
		// nothing when the source and source id are already stored.
		if ok, err := t.insert(ctx, b, f, r, updated); err != nil || ok {
			return err
		}
	}
	st, err := t.lookup(ctx, b, f)
	if err != nil {
		return err
	}
	if f.Version != 0 && (!st.exists || st.version != f.Version) {
		return fmt.Errorf("%s %s/%s: version %d: %w", f.Layer, f.Source, f.SourceID, f.Version, store.ErrConflict)
	}
	if !st.exists {
		ok, err := t.insert(ctx, b, f, r, updated)
		if err == nil && !ok {
			err = fmt.Errorf("gpkg: insert %s %s/%s: source id already stored", f.Layer, f.Source, f.SourceID)
		}
		return err
	}
	return t.update(ctx, b, f, st, r, updated)
}

// encodeRow encodes f for b's statements. The values use t's buffer: they
// hold until the next call.
func (t *tx) encodeRow(b *boundStmts, f *geo.Feature) (row, error) {
	blob, bb, empty, err := encode(f.Geom, srsWGS84)
	if err != nil {
		return row{}, fmt.Errorf("%s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
	}
	vals := t.vals[:0]
	for _, fd := range b.ls.schema.Fields {
		vals = append(vals, toSQL(f.Value(fd.Name)))
	}
	t.vals = vals
	return row{blob: blob, bound: bb, empty: empty, vals: vals}, nil
}

// storedRow is what a put finds stored for its feature.
type storedRow struct {
	id, version int64
	geom        []byte
	exists      bool
	sameKey     bool // the stored source and source id are f's
}

// lookup reads the stored row of f: by fid when f has one (store.ErrNotFound
// when it is not stored), otherwise by source and source id.
func (t *tx) lookup(ctx context.Context, b *boundStmts, f *geo.Feature) (storedRow, error) {
	st := storedRow{exists: true, sameKey: true}
	var err error
	if f.ID != 0 {
		st.id = f.ID
		var src, srcID string
		err = b.selID.QueryRowContext(ctx, f.ID).Scan(&st.version, &st.geom, &src, &srcID)
		if errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("%s %d: %w", f.Layer, f.ID, store.ErrNotFound)
		}
		st.sameKey = src == f.Source && srcID == f.SourceID
	} else {
		err = b.selKey.QueryRowContext(ctx, f.Source, f.SourceID).Scan(&st.id, &st.version, &st.geom)
		if errors.Is(err, sql.ErrNoRows) {
			st.exists, err = false, nil
		}
		b.replacing = st.exists
	}
	if err != nil {
		return st, fmt.Errorf("gpkg: put %s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
	}
	return st, nil
}

// insert inserts f as version 1 unless its source id is stored, and reports
// whether it did.
func (t *tx) insert(ctx context.Context, b *boundStmts, f *geo.Feature, r row, updated string) (bool, error) {
	args := append(append(t.args[:0], r.blob, f.Source, f.SourceID, int64(1), updated), r.vals...)
	t.args = args
	res, err := b.ins.ExecContext(ctx, args...)
	if err != nil {
		return false, fmt.Errorf("gpkg: insert %s %s/%s: %w", f.Layer, f.Source, f.SourceID, err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return false, err
	}
	f.ID, f.Version, f.Updated = id, 1, t.rec.C.Updated
	t.rec.Touch(f.Layer)
	t.changed(f.Layer, id, r.bound, r.empty, true)
	return true, nil
}

// update writes f over its stored row as the next version. An unchanged
// geometry is left out, so the RTree triggers do not fire, and an unchanged
// key too, sparing the unique index.
func (t *tx) update(ctx context.Context, b *boundStmts, f *geo.Feature, st storedRow, r row, updated string) error {
	mask := 0
	args := t.args[:0]
	if !bytes.Equal(st.geom, r.blob) {
		mask |= updGeom
		args = append(args, r.blob)
	}
	if !st.sameKey {
		mask |= updKey
		args = append(args, f.Source, f.SourceID)
	}
	args = append(append(args, st.version+1, updated), r.vals...)
	args = append(args, st.id)
	t.args = args
	if _, err := b.upd[mask].ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("gpkg: update %s %d: %w", f.Layer, st.id, err)
	}
	f.ID, f.Version, f.Updated = st.id, st.version+1, t.rec.C.Updated
	t.rec.Touch(f.Layer)
	if mask&updGeom != 0 {
		t.changed(f.Layer, st.id, r.bound, r.empty, false)
	}
	return nil
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

// toSQL converts a prepared attribute value for binding.
func toSQL(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}
