// Package grid divides the earth into management cells of a fixed size in
// metres, each with a code derived from its position alone: the cell a
// point falls in, and its code, never depend on what else was mapped, so
// codes stay the same when the data grows or is imported again.
//
// Rows are bands of Size metres of latitude counted from the equator
// (row 0 is the first band north of it); each row is cut into columns of
// Size metres of longitude at the row's middle latitude, counted from the
// prime meridian. A cell is therefore Size × Size metres on the ground to
// within a fraction of a percent, and its code "G1000-N3412-E11234" names
// the size, the row and the column (S and W for rows and columns south of
// the equator and west of the meridian, numbered from 1).
package grid

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Limits of a cell's side in metres.
const (
	MinSize = 100
	MaxSize = 100_000
	// DefaultSize gives cells of 1 km².
	DefaultSize = 1000
	// maxLat keeps columns finite: cells end 85° from the equator.
	maxLat = 85
)

// metresPerDegree is the length of a degree of latitude (and of
// longitude on the equator) on the mean earth sphere, as geo measures it.
const metresPerDegree = 6371008.8 * math.Pi / 180

// Grid is a grid of square cells Size metres a side.
type Grid struct {
	size int
	dLat float64 // degrees of latitude per row
}

// New returns the grid of cells size metres a side, MinSize–MaxSize.
func New(size int) (Grid, error) {
	if size < MinSize || size > MaxSize {
		return Grid{}, fmt.Errorf("grid cell size %d m: want %d–%d m", size, MinSize, MaxSize)
	}
	return Grid{size: size, dLat: float64(size) / metresPerDegree}, nil
}

// Size is the side of a cell in metres.
func (g Grid) Size() int { return g.size }

// Cell is one cell of a grid.
type Cell struct {
	Row, Col int
	Code     string
	Bound    orb.Bound // in degrees
}

// Polygon is the cell's rectangle, counter-clockwise.
func (c Cell) Polygon() orb.Polygon {
	b := c.Bound
	return orb.Polygon{{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}}
}

// ID is a number unique to the cell among all cells of all grids of one
// size, negative so it never clashes with a stored feature's id.
func (c Cell) ID() int64 {
	return -((int64(c.Row)+1<<24)<<26 | (int64(c.Col) + 1<<25))
}

// dLon is the width in degrees of the columns of row.
func (g Grid) dLon(row int) float64 {
	mid := (float64(row) + 0.5) * g.dLat
	return g.dLat / math.Cos(mid*math.Pi/180)
}

// At returns the cell holding p: each point lies in exactly one cell (the
// cells are half-open, west and south edges included). Latitudes beyond
// ±85° fall in the last row.
func (g Grid) At(p orb.Point) Cell {
	row, col := g.RowCol(p)
	return g.Cell(row, col)
}

// RowCol returns the row and column of the cell holding p (At's, without
// its code).
func (g Grid) RowCol(p orb.Point) (row, col int) {
	lat := math.Max(-maxLat, math.Min(maxLat-1e-9, p[1]))
	row = int(math.Floor(lat / g.dLat))
	col = int(math.Floor(p[0] / g.dLon(row)))
	return row, col
}

// Cell returns the cell of row and col.
func (g Grid) Cell(row, col int) Cell {
	w := g.dLon(row)
	return Cell{
		Row: row, Col: col,
		Code:  g.code(row, col),
		Bound: orb.Bound{Min: orb.Point{float64(col) * w, float64(row) * g.dLat}, Max: orb.Point{float64(col+1) * w, float64(row+1) * g.dLat}},
	}
}

func (g Grid) code(row, col int) string {
	ns, ew := "N"+strconv.Itoa(row), "E"+strconv.Itoa(col)
	if row < 0 {
		ns = "S" + strconv.Itoa(-row)
	}
	if col < 0 {
		ew = "W" + strconv.Itoa(-col)
	}
	return fmt.Sprintf("G%d-%s-%s", g.size, ns, ew)
}

// Parse returns the grid and cell a code names.
func Parse(code string) (Grid, Cell, error) {
	bad := fmt.Errorf("grid code %q: want G<size>-N<row>-E<col> (S, W south and west)", code)
	parts := strings.Split(code, "-")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "G") || len(parts[1]) < 2 || len(parts[2]) < 2 {
		return Grid{}, Cell{}, bad
	}
	size, err := strconv.Atoi(parts[0][1:])
	if err != nil {
		return Grid{}, Cell{}, bad
	}
	g, err := New(size)
	if err != nil {
		return Grid{}, Cell{}, fmt.Errorf("grid code %q: %w", code, err)
	}
	num := func(s string, pos, neg byte, limit int) (int, bool) {
		n, err := strconv.Atoi(s[1:])
		if err != nil || n < 0 || n > limit {
			return 0, false
		}
		switch s[0] {
		case pos:
			return n, true
		case neg:
			return -n, n > 0
		}
		return 0, false
	}
	rows := int(maxLat/g.dLat) + 1
	row, ok1 := num(parts[1], 'N', 'S', rows)
	col, ok2 := num(parts[2], 'E', 'W', int(180/g.dLon(row))+1)
	if !ok1 || !ok2 {
		return Grid{}, Cell{}, bad
	}
	c := g.Cell(row, col)
	if c.Code != code {
		return Grid{}, Cell{}, bad // leading zeros, "+"
	}
	return g, c, nil
}

// Cover returns the cells that meet b, row by row from the south, west to
// east; more than max cells is an error naming the limit.
func (g Grid) Cover(b orb.Bound, max int) ([]Cell, error) {
	lo, hi := g.At(b.Min), g.At(orb.Point{b.Min[0], b.Max[1]})
	var out []Cell
	for row := lo.Row; row <= hi.Row; row++ {
		w := g.dLon(row)
		c0, c1 := int(math.Floor(b.Min[0]/w)), int(math.Floor(b.Max[0]/w))
		if len(out)+c1-c0+1 > max {
			return nil, fmt.Errorf("grid of %d m cells over %v: more than %d cells", g.size, b, max)
		}
		for col := c0; col <= c1; col++ {
			out = append(out, g.Cell(row, col))
		}
	}
	return out, nil
}
