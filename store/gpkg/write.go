package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Write runs fn in one immediate transaction and commits when it returns
// nil, raising the version of every layer touched.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return nil, s.unavailable(errClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, s.unavailable(err)
	}
	t := &tx{s: s, tx: sqlTx, rec: store.NewRecorder(store.Now()), bound: map[string]*boundStmts{}}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		sqlTx.Rollback()
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	if err := t.finish(ctx); err != nil {
		sqlTx.Rollback()
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("gpkg: commit: %w", err)
	}
	return &t.rec.C, nil
}

// tx is a store.Tx on the writer connection.
type tx struct {
	s     *Store
	tx    *sql.Tx
	rec   *store.Recorder
	bound map[string]*boundStmts
	args  []any
	vals  []any
	// deferred holds the changes to each layer whose RTree triggers are
	// dropped for a bulk write; finish rebuilds those indexes.
	deferred map[string]*indexChanges
}

// Bulk writes: when a Write changes the RTree of a layer for at least
// bulkMin features (counting the Put about to run as if each of its features
// did) and the layer holds at most bulkPerStored times that many, the index
// is deferred to one rebuild before commit. A rebuild costs about a sixth of
// a row-by-row index insert per stored feature.
const (
	bulkMin       = 1000
	bulkPerStored = 4
)

// maybeDefer defers the RTree of the layers a Put is about to write.
func (t *tx) maybeDefer(ctx context.Context, feats []*geo.Feature) error {
	counts := map[string]int{}
	for _, f := range feats {
		counts[f.Layer]++
	}
	for layer, n := range counts {
		if t.deferred[layer] != nil {
			continue
		}
		b, err := t.stmts(ctx, layer)
		if err != nil {
			return err
		}
		n += b.ops
		if n < bulkMin {
			continue
		}
		var seq int64 // the largest fid ever used: an upper bound of the count
		err = t.tx.QueryRowContext(ctx, `SELECT "seq" FROM sqlite_sequence WHERE "name" = ?`, layer).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if seq > bulkPerStored*int64(n) {
			continue
		}
		if err := deferIndex(ctx, t.tx, layer); err != nil {
			return fmt.Errorf("gpkg: defer %s index: %w", layer, err)
		}
		if t.deferred == nil {
			t.deferred = map[string]*indexChanges{}
		}
		t.deferred[layer] = &indexChanges{changed: map[int64]*orb.Bound{}}
	}
	return nil
}

// changed notes a write that changes the RTree entry of a fid; inserted says
// the fid is new.
func (t *tx) changed(layer string, id int64, b orb.Bound, empty, inserted bool) {
	if bs := t.bound[layer]; bs != nil {
		bs.ops++
	}
	c := t.deferred[layer]
	switch {
	case c == nil:
	case inserted && !empty:
		c.added = append(c.added, toEntry(id, b))
	case empty:
		c.changed[id] = nil
	default:
		c.changed[id] = &b
	}
}

const (
	updGeom = 1 << iota
	updKey
)

type boundStmts struct {
	ls                              *layerSQL
	selKey, selID, ins, del, selSrc *sql.Stmt
	upd                             [4]*sql.Stmt
	// replacing: the last feature put by source id was already stored,
	// so the next one is looked up before trying an insert.
	replacing bool
	// ops counts the writes that changed this layer's RTree.
	ops int
}

func (t *tx) stmts(ctx context.Context, layer string) (*boundStmts, error) {
	if b, ok := t.bound[layer]; ok {
		return b, nil
	}
	ls, err := t.s.layer(layer)
	if err != nil {
		return nil, err
	}
	b := &boundStmts{ls: ls,
		selKey: t.tx.StmtContext(ctx, ls.selKey), selID: t.tx.StmtContext(ctx, ls.selID),
		ins: t.tx.StmtContext(ctx, ls.ins), del: t.tx.StmtContext(ctx, ls.del),
		selSrc: t.tx.StmtContext(ctx, ls.selSrc)}
	for i, st := range ls.upd {
		b.upd[i] = t.tx.StmtContext(ctx, st)
	}
	t.bound[layer] = b
	return b, nil
}

// finish raises the version of every touched layer and refreshes its
// gpkg_contents row (extent and last_change).
func (t *tx) finish(ctx context.Context) error {
	for _, sc := range geo.Schemas { // even if no Put succeeded: restores the triggers
		if c := t.deferred[sc.ID]; c != nil {
			t.s.rebuilds.Add(1)
			if err := rebuildIndex(ctx, t.tx, sc.ID, c); err != nil {
				return fmt.Errorf("rebuild %s index: %w", sc.ID, err)
			}
		}
	}
	if len(t.rec.C.Versions) == 0 {
		return nil
	}
	now := formatTime(t.rec.C.Updated)
	for _, sc := range geo.Schemas {
		if !t.rec.C.Touched(sc.ID) {
			continue
		}
		var v int64
		if err := t.tx.QueryRowContext(ctx, `UPDATE gr_layers SET "version" = "version" + 1, "updated" = ? WHERE "layer" = ? RETURNING "version"`, now, sc.ID).Scan(&v); err != nil {
			return fmt.Errorf("bump %s version: %w", sc.ID, err)
		}
		t.rec.C.Versions[sc.ID] = v
		bb, err := extent(ctx, t.tx, sc.ID)
		if err != nil {
			return fmt.Errorf("extent %s: %w", sc.ID, err)
		}
		var ext [4]any
		if bb != nil {
			ext = [4]any{bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1]}
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`, now, ext[0], ext[1], ext[2], ext[3], sc.ID); err != nil {
			return fmt.Errorf("gpkg_contents %s: %w", sc.ID, err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'gr_layers'`, now); err != nil {
		return fmt.Errorf("gpkg_contents gr_layers: %w", err)
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }
