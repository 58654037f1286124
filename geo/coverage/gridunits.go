package coverage

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/grid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// Grid is the level of units that are generated management cells.
const Grid = "grid"

// cellSet gathers the grid cells that hold parcels, for a city whose
// areas layer is empty: each parcel lies in exactly one cell, named by the
// cell's stable code (geo/grid), kept by its row and column.
type cellSet struct {
	g      grid.Grid
	byCell map[[2]int]*Unit
}

func newCellSet(size int) (*cellSet, error) {
	g, err := grid.New(size)
	if err != nil {
		return nil, err
	}
	return &cellSet{g: g, byCell: map[[2]int]*Unit{}}, nil
}

// at returns the unit of the cell holding p, creating it on first use.
func (cs *cellSet) at(p orb.Point) *Unit {
	row, col := cs.g.RowCol(p)
	if u, ok := cs.byCell[[2]int{row, col}]; ok {
		return u
	}
	c := cs.g.Cell(row, col)
	poly := c.Polygon()
	u := &Unit{ID: c.ID(), Name: c.Code, Level: Grid, Geom: poly, Area: geo.Area(poly)}
	cs.byCell[[2]int{row, col}] = u
	return u
}

// maxLandCells bounds the grid cells one residential polygon may reach.
const maxLandCells = 1 << 16

// reach adds the cells that g's polygons cover some part of: the radius
// rule clips residential land to the units, so every cell holding any of
// it must be listed for the cells to sum to the city. A polygon reaching
// more than maxLandCells cells is refused, naming the limit.
func (cs *cellSet) reach(g orb.Geometry) error {
	b := g.Bound()
	r0, c0 := cs.g.RowCol(b.Min)
	if r1, c1 := cs.g.RowCol(b.Max); r0 == r1 && c0 == c1 {
		return nil // in its inside point's cell
	}
	cells, err := cs.g.Cover(b, maxLandCells)
	if err != nil {
		return fmt.Errorf("a residential polygon reaches more than %d grid cells: %w", maxLandCells, err)
	}
	for _, c := range cells {
		if _, ok := cs.byCell[[2]int{c.Row, c.Col}]; ok {
			continue
		}
		if part := clip.Geometry(c.Bound, orb.Clone(g)); part == nil || geo.Area(part) == 0 {
			continue
		}
		poly := c.Polygon()
		cs.byCell[[2]int{c.Row, c.Col}] = &Unit{ID: c.ID(), Name: c.Code, Level: Grid, Geom: poly, Area: geo.Area(poly)}
	}
	return nil
}

// holds reports whether p lies in the cell unit u (a grid unit).
func (cs *cellSet) holds(u *Unit, p orb.Point) bool {
	return cs.g.At(p).Code == u.Name
}

// units returns the cells gathered, south to north, west to east.
func (cs *cellSet) units() []*Unit {
	out := make([]*Unit, 0, len(cs.byCell))
	rc := make(map[*Unit][2]int, len(cs.byCell))
	for k, u := range cs.byCell {
		rc[u] = k
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *Unit) int {
		if d := cmp.Compare(rc[a][0], rc[b][0]); d != 0 {
			return d
		}
		return cmp.Compare(rc[a][1], rc[b][1])
	})
	return out
}

// gridSize is the cell side the audit uses when it needs a grid: the
// option, else the rule set's, else grid.DefaultSize.
func gridSize(opt Options, rs *RuleSet) int {
	switch {
	case opt.GridSize > 0:
		return opt.GridSize
	case rs.GridSize > 0:
		return rs.GridSize
	}
	return grid.DefaultSize
}

// unitHolds reports whether unit u holds point p: the city every point,
// a grid cell the points the grid puts in it, an area those its polygon
// contains.
func (a *Audit) unitHolds(u *Unit, p orb.Point) bool {
	switch {
	case u.Level == "city":
		return true
	case u.Level == Grid && a.cells != nil:
		return a.cells.holds(u, p)
	}
	return geo.Contains(u.Geom, p)
}

// unitsHolding calls fn for every unit holding point p: the city, which
// holds every point; the grid cell the grid puts p in, when it is a unit;
// or each area whose polygon contains p.
func (a *Audit) unitsHolding(p orb.Point, fn func(*Unit)) {
	fn(a.Units[0])
	if a.cells != nil {
		row, col := a.cells.g.RowCol(p)
		if u, ok := a.cells.byCell[[2]int{row, col}]; ok {
			fn(u)
		}
		return
	}
	a.utree.Search(p, p, func(_, _ [2]float64, u *Unit) bool {
		if geo.Contains(u.Geom, p) {
			fn(u)
		}
		return true
	})
}

// UnitsNote says in a sentence what the audit's units are.
func (a *Audit) UnitsNote() string {
	if a.GridSize == 0 {
		return "administrative areas of the areas layer"
	}
	return fmt.Sprintf("grid cells of %d × %d m (level %q, code G<size>-N<row>-E<column>), generated because the areas layer is empty; only cells holding parcels are listed",
		a.GridSize, a.GridSize, Grid)
}
