package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// Bulk loading of the RTree spatial index.
//
// SQLite maintains an RTree one insert at a time (the GeoPackage triggers
// call it per row), which costs more than the rest of an insert together.
// For a large Write, the layer's RTree triggers are dropped inside the
// transaction, the fids written are tracked, and before commit the index is
// rebuilt by sort-tile-recursive packing and written straight into the
// RTree's shadow tables, as GDAL's bulk loader does; then the triggers are
// created again, identical. Readers never see the intermediate state, and a
// rollback restores triggers and index together.
//
// The shadow tables of an rtree(id, minx, maxx, miny, maxy) named R are
// R_node(nodeno, data), R_rowid(rowid, nodeno) and R_parent(nodeno,
// parentnode). Node 1 is the root. A node blob is a 2-byte tree depth (root
// only), a 2-byte cell count and cells of an 8-byte id (leaf: the row id;
// otherwise the child node) and four float32, all big-endian; its length is
// fixed when the table is created, and is the length of the root blob.

// rentry is one RTree cell: an id and a box (minx, maxx, miny, maxy) as the
// RTree stores it.
type rentry struct {
	id int64
	b  [4]float32
}

// f32Down and f32Up round a coordinate to float32 the way SQLite's RTree
// does (rtreeValueDown, rtreeValueUp): outwards, so the box still contains
// the geometry.
func f32Down(d float64) float32 {
	f := float32(d)
	if float64(f) > d {
		x := math.Float32bits(f)
		if x&0x80000000 != 0 {
			x++
		} else {
			x--
		}
		f = math.Float32frombits(x)
	}
	return f
}

func f32Up(d float64) float32 {
	f := float32(d)
	if float64(f) < d {
		x := math.Float32bits(f)
		if x&0x80000000 != 0 {
			x--
		} else {
			x++
		}
		f = math.Float32frombits(x)
	}
	return f
}

func toEntry(id int64, b orb.Bound) rentry {
	return rentry{id, [4]float32{f32Down(b.Min[0]), f32Up(b.Max[0]), f32Down(b.Min[1]), f32Up(b.Max[1])}}
}

// rtreeTriggers are the RTree extension triggers (GeoPackage 1.3 F.3) of
// column geom of table, as the spec and GDAL write them.
func rtreeTriggers(table string) []string {
	t, r := q(table), q(rtreeName(table))
	trig := func(suffix string) string { return q(rtreeName(table) + "_" + suffix) }
	ins := `INSERT OR REPLACE INTO ` + r + ` VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), ST_MaxY(NEW."geom"));`
	return []string{
		`CREATE TRIGGER ` + trig("insert") + ` AFTER INSERT ON ` + t + ` WHEN (new."geom" NOT NULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN ` + ins + ` END`,
		`CREATE TRIGGER ` + trig("update1") + ` AFTER UPDATE OF "geom" ON ` + t + ` WHEN OLD."fid" = NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN ` + ins + ` END`,
		`CREATE TRIGGER ` + trig("update2") + ` AFTER UPDATE OF "geom" ON ` + t + ` WHEN OLD."fid" = NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM ` + r + ` WHERE id = OLD."fid"; END`,
		`CREATE TRIGGER ` + trig("update3") + ` AFTER UPDATE ON ` + t + ` WHEN OLD."fid" != NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM ` + r + ` WHERE id = OLD."fid"; ` + ins + ` END`,
		`CREATE TRIGGER ` + trig("update4") + ` AFTER UPDATE ON ` + t + ` WHEN OLD."fid" != NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM ` + r + ` WHERE id IN (OLD."fid", NEW."fid"); END`,
		`CREATE TRIGGER ` + trig("delete") + ` AFTER DELETE ON ` + t + ` WHEN old."geom" NOT NULL BEGIN DELETE FROM ` + r + ` WHERE id = OLD."fid"; END`,
	}
}

// rtreeTriggerNames are the trigger suffixes of GeoPackage 1.3 and 1.4
// (which replaced update1 by update6 and update7), all dropped on deferral.
var rtreeTriggerNames = []string{"insert", "update1", "update2", "update3", "update4", "update5", "update6", "update7", "delete"}

// deferIndex drops the RTree triggers of a layer in the transaction.
func deferIndex(ctx context.Context, tx *sql.Tx, layer string) error {
	for _, n := range rtreeTriggerNames {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+q(rtreeName(layer)+"_"+n)); err != nil {
			return err
		}
	}
	return nil
}

// indexChanges are the writes to a layer since its index was deferred.
type indexChanges struct {
	added   []rentry             // inserted fids (unless in changed, which wins)
	changed map[int64]*orb.Bound // replaced fids; nil: deleted or empty
}

// rebuildIndex rewrites the RTree of layer: the cells it held when the
// triggers were dropped, less the fids changed, plus the cells added and
// changed. Then it restores the triggers.
func rebuildIndex(ctx context.Context, tx *sql.Tx, layer string, ch *indexChanges) error {
	nodes, err := readNodes(ctx, tx, q(rtreeName(layer)+"_node"))
	if err != nil {
		return err
	}
	entries, nodeSize, err := leafCells(rtreeName(layer), nodes, ch.changed)
	if err != nil {
		return err
	}
	nodes = nil
	for _, e := range ch.added {
		if _, ok := ch.changed[e.id]; !ok {
			entries = append(entries, e)
		}
	}
	for id, b := range ch.changed {
		if b != nil {
			entries = append(entries, toEntry(id, *b))
		}
	}
	if err := writeIndex(ctx, tx, layer, entries, nodeSize); err != nil {
		return err
	}
	for _, st := range rtreeTriggers(layer) {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// readNodes reads the node table of an RTree: each node's blob by number.
func readNodes(ctx context.Context, tx *sql.Tx, node string) (map[int64][]byte, error) {
	nodes := map[int64][]byte{}
	rows, err := tx.QueryContext(ctx, `SELECT "nodeno", "data" FROM `+node)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n int64
		var d []byte
		if err := rows.Scan(&n, &d); err != nil {
			rows.Close()
			return nil, err
		}
		nodes[n] = d
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return nodes, nil
}

// leafCells collects the leaf cells of the RTree named name, walking down
// from the root (node 1), less the fids in skip, and returns them with the
// node size. Every node must have the root's size and at most the cells it
// holds, and is reached once: a damaged file that links a node twice would
// otherwise multiply the walk.
func leafCells(name string, nodes map[int64][]byte, skip map[int64]*orb.Bound) ([]rentry, int, error) {
	root, ok := nodes[1]
	if !ok || len(root) < 4+24 {
		return nil, 0, fmt.Errorf("rtree %s: no valid root node", name)
	}
	nodeSize := len(root)
	maxCells := (nodeSize - 4) / 24
	var entries []rentry
	seen := map[int64]bool{1: true}
	var walk func(data []byte, depth int) error
	walk = func(data []byte, depth int) error {
		if len(data) != nodeSize {
			return fmt.Errorf("rtree %s: node of %d bytes, want %d", name, len(data), nodeSize)
		}
		n := int(binary.BigEndian.Uint16(data[2:]))
		if n > maxCells {
			return fmt.Errorf("rtree %s: node with %d cells", name, n)
		}
		for i := 0; i < n; i++ {
			c := data[4+24*i:]
			id := int64(binary.BigEndian.Uint64(c))
			if depth == 0 {
				if _, ok := skip[id]; ok {
					continue
				}
				e := rentry{id: id}
				for k := range e.b {
					e.b[k] = math.Float32frombits(binary.BigEndian.Uint32(c[8+4*k:]))
				}
				entries = append(entries, e)
				continue
			}
			child, ok := nodes[id]
			if !ok {
				return fmt.Errorf("rtree %s: missing node %d", name, id)
			}
			if seen[id] {
				return fmt.Errorf("rtree %s: node %d reached twice", name, id)
			}
			seen[id] = true
			if err := walk(child, depth-1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, int(binary.BigEndian.Uint16(root))); err != nil {
		return nil, 0, err
	}
	return entries, nodeSize, nil
}

// writeIndex empties the shadow tables of layer's RTree and writes entries
// into them, packed into nodes of nodeSize bytes.
func writeIndex(ctx context.Context, tx *sql.Tx, layer string, entries []rentry, nodeSize int) error {
	node, rowid, parent := q(rtreeName(layer)+"_node"), q(rtreeName(layer)+"_rowid"), q(rtreeName(layer)+"_parent")
	for _, t := range []string{node, rowid, parent} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	maxCells := (nodeSize - 4) / 24
	w := newRowWriter(tx)
	var leafOf []leafRef // written sorted by fid
	level := entries
	depth := 0
	next := int64(2)
	for {
		groups := strGroups(level, maxCells)
		if len(groups) == 1 {
			// The root.
			if err := w.add(ctx, `INSERT INTO `+node+` ("nodeno", "data") VALUES `, 2, 1, encodeNode(groups[0], depth, nodeSize)); err != nil {
				return err
			}
			leafOf = linkLevel(ctx, leafOf, w, parent, depth, []int64{1}, groups)
			if w.err != nil {
				return w.err
			}
			break
		}
		ids := make([]int64, len(groups))
		up := make([]rentry, len(groups))
		for i, g := range groups {
			ids[i] = next
			next++
			if err := w.add(ctx, `INSERT INTO `+node+` ("nodeno", "data") VALUES `, 2, ids[i], encodeNode(g, 0, nodeSize)); err != nil {
				return err
			}
			up[i] = rentry{id: ids[i], b: union(g)}
		}
		leafOf = linkLevel(ctx, leafOf, w, parent, depth, ids, groups)
		if w.err != nil {
			return w.err
		}
		level = up
		depth++
	}
	// The rowid table in fid order: SQLite appends instead of seeking.
	slices.SortFunc(leafOf, func(a, b leafRef) int { return cmp.Compare(a.id, b.id) })
	for _, e := range leafOf {
		if err := w.add(ctx, `INSERT INTO `+rowid+` ("rowid", "nodeno") VALUES `, 2, e.id, e.node); err != nil {
			return err
		}
	}
	return w.flush(ctx)
}

// linkLevel records, for the nodes ids holding groups, the leaf node of each
// cell (leaf level, depth 0; appended to leafOf, written later in fid order)
// or writes the parent rows of their child nodes.
func linkLevel(ctx context.Context, leafOf []leafRef, w *rowWriter, parent string, depth int, ids []int64, groups [][]rentry) []leafRef {
	for i, g := range groups {
		for _, e := range g {
			if depth == 0 {
				leafOf = append(leafOf, leafRef{e.id, ids[i]})
			} else if w.err == nil {
				w.err = w.add(ctx, `INSERT INTO `+parent+` ("nodeno", "parentnode") VALUES `, 2, e.id, ids[i])
			}
		}
	}
	return leafOf
}

// leafRef is a row of the rowid table: a fid and its leaf node.
type leafRef struct{ id, node int64 }

func union(es []rentry) [4]float32 {
	b := es[0].b
	for _, e := range es[1:] {
		b[0], b[1] = min(b[0], e.b[0]), max(b[1], e.b[1])
		b[2], b[3] = min(b[2], e.b[2]), max(b[3], e.b[3])
	}
	return b
}

func encodeNode(cells []rentry, depth, size int) []byte {
	d := make([]byte, size)
	binary.BigEndian.PutUint16(d, uint16(depth))
	binary.BigEndian.PutUint16(d[2:], uint16(len(cells)))
	for i, e := range cells {
		c := d[4+24*i:]
		binary.BigEndian.PutUint64(c, uint64(e.id))
		for k, v := range e.b {
			binary.BigEndian.PutUint32(c[8+4*k:], math.Float32bits(v))
		}
	}
	return d
}

// strGroups splits entries into nodes of at most m cells by
// sort-tile-recursive packing: vertical slabs by centre x, then runs by
// centre y, sized evenly so no node is nearly empty. Zero entries give one
// empty group (the empty root).
func strGroups(es []rentry, m int) [][]rentry {
	n := len(es)
	if n <= m {
		return [][]rentry{es}
	}
	k := (n + m - 1) / m
	s := int(math.Ceil(math.Sqrt(float64(k))))
	cx := func(e rentry) float64 { return float64(e.b[0]) + float64(e.b[1]) }
	cy := func(e rentry) float64 { return float64(e.b[2]) + float64(e.b[3]) }
	slices.SortFunc(es, func(a, b rentry) int { return cmpFloat(cx(a), cx(b)) })
	var out [][]rentry
	for i := 0; i < s; i++ {
		slab := es[i*n/s : (i+1)*n/s]
		slices.SortFunc(slab, func(a, b rentry) int { return cmpFloat(cy(a), cy(b)) })
		kk := (len(slab) + m - 1) / m
		for j := 0; j < kk; j++ {
			out = append(out, slab[j*len(slab)/kk:(j+1)*len(slab)/kk])
		}
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rowWriter batches rows into multi-row INSERT statements.
type rowWriter struct {
	err   error // first error of add calls whose error is not checked at once
	tx    *sql.Tx
	head  string
	width int
	args  []any
	stmts map[string]*sql.Stmt
}

const rowsPerInsert = 256

func newRowWriter(tx *sql.Tx) *rowWriter { return &rowWriter{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (w *rowWriter) add(ctx context.Context, head string, width int, vals ...any) error {
	if head != w.head {
		if err := w.flush(ctx); err != nil {
			return err
		}
		w.head, w.width = head, width
	}
	w.args = append(w.args, vals...)
	if len(w.args) == rowsPerInsert*width {
		return w.flush(ctx)
	}
	return nil
}

func (w *rowWriter) flush(ctx context.Context) error {
	if len(w.args) == 0 {
		return nil
	}
	nrows := len(w.args) / w.width
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", w.width), ", ") + ")"
	query := w.head + strings.TrimSuffix(strings.Repeat(tuple+", ", nrows), ", ")
	var err error
	if nrows == rowsPerInsert {
		st, ok := w.stmts[query]
		if !ok {
			if st, err = w.tx.PrepareContext(ctx, query); err != nil {
				return err
			}
			w.stmts[query] = st
		}
		_, err = st.ExecContext(ctx, w.args...)
	} else {
		_, err = w.tx.ExecContext(ctx, query, w.args...)
	}
	w.args = w.args[:0]
	return err
}
