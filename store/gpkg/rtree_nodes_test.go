package gpkg

import (
	"encoding/binary"
	"strings"
	"testing"
)

// node returns an RTree node blob of size bytes: depth, then one cell per
// id (the box left zero).
func node(size, depth int, ids ...int64) []byte {
	d := make([]byte, size)
	binary.BigEndian.PutUint16(d, uint16(depth))
	binary.BigEndian.PutUint16(d[2:], uint16(len(ids)))
	for i, id := range ids {
		binary.BigEndian.PutUint64(d[4+24*i:], uint64(id))
	}
	return d
}

// leafCells reads node tables of files it did not write: a node reached
// twice (a cycle, or a child shared by two parents) is refused before the
// walk multiplies, and a valid tree gives each leaf cell once.
func TestLeafCellsLinks(t *testing.T) {
	const size = 4 + 24*4
	tests := []struct {
		name  string
		nodes map[int64][]byte
		want  string // error substring; "" for a valid tree
		cells int
	}{
		{"valid", map[int64][]byte{1: node(size, 2, 2, 3), 2: node(size, 1, 4), 3: node(size, 1, 5, 6),
			4: node(size, 0, 10, 11, 12), 5: node(size, 0, 13), 6: node(size, 0, 14, 15)}, "", 6},
		{"root is its own child", map[int64][]byte{1: node(size, 16, 1, 1)}, "node 1 reached twice", 0},
		{"shared child", map[int64][]byte{1: node(size, 1, 2, 2), 2: node(size, 0, 7)}, "node 2 reached twice", 0},
		{"missing child", map[int64][]byte{1: node(size, 1, 2, 3), 2: node(size, 0, 7)}, "missing node 3", 0},
		{"short node", map[int64][]byte{1: node(size, 1, 2), 2: node(size-24, 0, 7)}, "node of 76 bytes, want 100", 0},
		{"too many cells", map[int64][]byte{1: func() []byte { d := node(size, 0); d[3] = 5; return d }()}, "node with 5 cells", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cells, n, err := leafCells("rtree_x_geom", tc.nodes, nil)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err %v (%d cells), want %q", err, len(cells), tc.want)
				}
				return
			}
			if err != nil || n != size || len(cells) != tc.cells {
				t.Fatalf("%d cells, node size %d, %v; want %d, %d", len(cells), n, err, tc.cells, size)
			}
			seen := map[int64]bool{}
			for _, c := range cells {
				if c.id < 10 || c.id > 15 || seen[c.id] {
					t.Errorf("cell %d", c.id)
				}
				seen[c.id] = true
			}
		})
	}
}
