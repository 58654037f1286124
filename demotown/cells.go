package demotown

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"
)

// Block contents.

type cellKind uint8

const (
	cParcel cellKind = iota
	cPark            // the whole cell is a park
	cLawn
	cForest
	cNone // covered by the riverside park
)

type cell struct {
	x0, y0, x1, y1 float64
	kind           cellKind
	notch          int8 // -1, or the corner (0 SW, 1 SE, 2 NE, 3 NW) taken by a park
	nw, nh         float64
	half           uint8 // 0, or the side of the cell taken by a park
	garden         bool
	gate           uint8 // side of the parcel facing the street
	block          bool  // parcel kind "block" (metro), else "compound"
	nameA, nameB   int
	phase          int
	levels         int
	estimated      bool
	density, hh    float64
	word           int
}

type blockDetail struct {
	i, j      int
	sides     uint8
	nx, ny    int
	cells     [16]cell
	riverPark bool
	rp        [4]float64
}

var givenLevels = []int{6, 6, 7, 9, 11, 11, 18, 18, 24, 26, 32, 33}

const (
	estCoverage  = 0.35 // building coverage of an estimated parcel
	estFloorM2   = 33.0 // floor area per resident
	estHousehold = 2.8  // persons per household
)

// blockPlan is what detail draws once for a residential block and each of
// its cells then uses.
type blockPlan struct {
	nx, ny           int
	x0, y0, x1, y1   float64 // the block inside its setback and any belts
	cw, ch           float64 // cell width and height
	blocks, phased   bool    // metro "block" parcels; compounds named by phase
	baseA, baseB     int     // compound name of a phased block
	forcedN, forcedS bool    // the riverside park's block and the one facing it
	edge             bool    // on the town edge: forests, no parks
	gl               greenLevel
	mul, density     float64
}

// detail lays out residential block (i, j). Every random draw is made in
// a fixed order from the block's own stream, so the town does not depend
// on how the work is divided between functions.
func (t *town) detail(i, j int, bd *blockDetail) {
	r := t.rng(tagCells, i, j)
	*bd = blockDetail{i: i, j: j, sides: t.ringSides(i, j)}
	p := t.planCells(r, bd)
	for cy := 0; cy < p.ny; cy++ {
		for cx := 0; cx < p.nx; cx++ {
			p.fillCell(r, &bd.cells[cy*p.nx+cx], cx, cy)
		}
	}
}

// planCells draws the cell grid of block bd and what its cells share.
func (t *town) planCells(r *rand.Rand, bd *blockDetail) *blockPlan {
	i, j := bd.i, bd.j
	p := &blockPlan{nx: 4, ny: 4}
	p.x0, p.y0 = g(i)+setback, g(j)+setback
	p.x1, p.y1 = g(i+1)-setback, g(j+1)-setback
	s := bd.sides
	if s&sideW != 0 {
		p.x0 += beltW + lane
	}
	if s&sideE != 0 {
		p.x1 -= beltW + lane
	}
	if s&sideS != 0 {
		p.y0 += beltW + lane
	}
	if s&sideN != 0 {
		p.y1 -= beltW + lane
	}
	p.forcedN = i == t.riverN[0] && j == t.riverN[1]
	p.forcedS = i == t.riverS[0] && j == t.riverS[1]
	if !t.cfg.sub4 {
		p.nx, p.ny = cellGrid(r.Float64())
		if p.forcedN || p.forcedS {
			p.nx, p.ny = 2, 2
		}
	}
	bd.nx, bd.ny = p.nx, p.ny
	p.cw = (p.x1 - p.x0 - float64(p.nx-1)*lane) / float64(p.nx)
	p.ch = (p.y1 - p.y0 - float64(p.ny-1)*lane) / float64(p.ny)
	if p.forcedN {
		bd.riverPark = true
		bd.rp = [4]float64{p.x0, p.y0, p.x1, p.y0 + p.ch}
	}
	p.blocks = t.cfg.sub4 && r.Float64() < 0.7
	p.phased = !p.blocks && p.nx*p.ny > 1 && r.Float64() < 0.5
	p.baseA, p.baseB = r.IntN(len(compoundA)), r.IntN(len(compoundB))
	p.edge = i == 0 || j == 0 || i == t.n-1 || j == t.n-1
	com := t.community(i, j)
	p.gl = greenLevels[t.dists[com.d].green]
	p.mul = com.mul
	p.density = t.dists[com.d].density
	return p
}

// cellGrid gives the cells of a block that is not subdivided, from a
// uniform draw u: mostly 2×2, sometimes one or two cells.
func cellGrid(u float64) (nx, ny int) {
	switch {
	case u < 0.15:
		return 1, 1
	case u < 0.25:
		return 2, 1
	case u < 0.35:
		return 1, 2
	}
	return 2, 2
}

// fillCell lays out cell (cx, cy) of the block: its rectangle, gate,
// parcel attributes and name, then what green takes of it.
func (p *blockPlan) fillCell(r *rand.Rand, c *cell, cx, cy int) {
	cx0 := p.x0 + float64(cx)*(p.cw+lane)
	cy0 := p.y0 + float64(cy)*(p.ch+lane)
	*c = cell{x0: cx0, y0: cy0, x1: cx0 + p.cw, y1: cy0 + p.ch, notch: -1, block: p.blocks}
	if cx == p.nx-1 {
		c.x1 = p.x1 // no rounding gap at the block edge
	}
	if cy == p.ny-1 {
		c.y1 = p.y1
	}
	u, w := r.Float64(), r.Float64()
	c.word = r.IntN(len(parkWords))
	corner := int8(r.IntN(4))
	c.estimated = r.Float64() < 0.10
	lv, den, hh := r.Float64(), r.Float64(), r.Float64()
	nA, nB := r.IntN(len(compoundA)), r.IntN(len(compoundB))
	c.gate = gateSide(cx, cy, p.nx, p.ny)
	if c.estimated {
		c.levels = 2 + int(lv*4)
	} else {
		c.levels = givenLevels[int(lv*float64(len(givenLevels)))]
	}
	c.density = math.Min(600, math.Max(150, p.density+(den-0.5)*300))
	c.hh = 2.6 + 0.4*hh
	if p.phased {
		c.nameA, c.nameB, c.phase = p.baseA, p.baseB, cy*p.nx+cx+1
	} else {
		c.nameA, c.nameB = nA, nB
	}
	if p.forcedN && cy == 0 {
		c.kind = cNone
		return
	}
	if p.forcedS && cy == p.ny-1 {
		return // plain parcels facing the riverside park
	}
	p.green(c, u, w, corner)
}

// gateSide is the side of cell (cx, cy) of an nx×ny block that faces a
// street.
func gateSide(cx, cy, nx, ny int) uint8 {
	switch {
	case cx == 0:
		return sideW
	case cx == nx-1:
		return sideE
	case cy == 0:
		return sideS
	case cy == ny-1:
		return sideN
	}
	return sideW
}

// green decides from the cell's draws u and w what green takes of it: the
// whole cell (a park, a lawn or, at the town edge, a forest), a half, a
// corner for a small or pocket park, or a private garden.
func (p *blockPlan) green(c *cell, u, w float64, corner int8) {
	gl, mul := p.gl, p.mul
	a1 := gl.cellPark * mul
	a2 := a1 + gl.lawn*mul
	a3 := a2 + gl.half*mul
	a4 := a3 + gl.smallNotch*mul
	a5 := a4 + gl.pocket*mul
	minDim := math.Min(p.cw, p.ch)
	switch {
	case p.edge && u < 0.1:
		c.kind = cForest
	case p.edge:
	case u < a1:
		c.kind = cPark
	case u < a2:
		c.kind = cLawn
	case minDim >= 60 && u < a3:
		c.half = opposite(c.gate)
	case minDim >= 80 && u < a4:
		c.notch, c.nw, c.nh = corner, 40, 35
	case minDim >= 80 && u < a5:
		c.notch, c.nw, c.nh = corner, 25, 30
	}
	if c.kind == cParcel && !c.block && c.notch < 0 && c.parcelArea() >= 4000 && w < 0.3 {
		c.garden = true
	}
}

func opposite(s uint8) uint8 {
	switch s {
	case sideW:
		return sideE
	case sideE:
		return sideW
	case sideS:
		return sideN
	}
	return sideS
}

// parcelRect is the cell without the half taken by a park.
func (c *cell) parcelRect() (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = c.x0, c.y0, c.x1, c.y1
	xm, ym := (x0+x1)/2, (y0+y1)/2
	switch c.half {
	case sideW:
		x0 = xm
	case sideE:
		x1 = xm
	case sideS:
		y0 = ym
	case sideN:
		y1 = ym
	}
	return
}

// halfRect is the half of the cell taken by a park.
func (c *cell) halfRect() (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = c.x0, c.y0, c.x1, c.y1
	xm, ym := (x0+x1)/2, (y0+y1)/2
	switch c.half {
	case sideW:
		x1 = xm
	case sideE:
		x0 = xm
	case sideS:
		y1 = ym
	case sideN:
		y0 = ym
	}
	return
}

// notchRect is the corner taken by a pocket or small park.
func (c *cell) notchRect() (x0, y0, x1, y1 float64) {
	switch c.notch {
	case 0:
		return c.x0, c.y0, c.x0 + c.nw, c.y0 + c.nh
	case 1:
		return c.x1 - c.nw, c.y0, c.x1, c.y0 + c.nh
	case 2:
		return c.x1 - c.nw, c.y1 - c.nh, c.x1, c.y1
	}
	return c.x0, c.y1 - c.nh, c.x0 + c.nw, c.y1
}

func (c *cell) parcelArea() float64 {
	x0, y0, x1, y1 := c.parcelRect()
	a := (x1 - x0) * (y1 - y0)
	if c.notch >= 0 {
		a -= c.nw * c.nh
	}
	return a
}

// parcelRing is the parcel outline, counter-clockwise: a rectangle, or an
// L-shape when a corner is taken by a park.
func (t *town) parcelRing(c *cell) orb.Ring {
	x0, y0, x1, y1 := c.parcelRect()
	if c.notch < 0 {
		return t.rect(x0, y0, x1, y1)
	}
	corners := [4][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	k := int(c.notch)
	var pts [][2]float64
	for q := 0; q < 4; q++ {
		cur := corners[q]
		if q != k {
			pts = append(pts, cur)
			continue
		}
		prev, next := corners[(q+3)%4], corners[(q+1)%4]
		sx, sy := 1.0, 1.0
		if cur[0] != x0 {
			sx = -1
		}
		if cur[1] != y0 {
			sy = -1
		}
		onEdge := func(o [2]float64) [2]float64 {
			if o[0] == cur[0] { // vertical edge
				return [2]float64{cur[0], cur[1] + sy*c.nh}
			}
			return [2]float64{cur[0] + sx*c.nw, cur[1]}
		}
		pts = append(pts, onEdge(prev), [2]float64{cur[0] + sx*c.nw, cur[1] + sy*c.nh}, onEdge(next))
	}
	ring := make(orb.Ring, 0, len(pts)+1)
	for _, p := range pts {
		ring = append(ring, t.pt(p[0], p[1]))
	}
	return append(ring, ring[0])
}

// gatePoint is where the parcel meets its street, just outside it, and
// a direction along that edge.
func (c *cell) gatePoint() (x, y, ax, ay float64) {
	x0, y0, x1, y1 := c.parcelRect()
	xm, ym := (x0+x1)/2, (y0+y1)/2
	switch c.gate {
	case sideW:
		return x0 - 3, ym, 0, 1
	case sideE:
		return x1 + 3, ym, 0, 1
	case sideS:
		return xm, y0 - 3, 1, 0
	}
	return xm, y1 + 3, 1, 0
}

func (t *town) parcelName(bd *blockDetail, k int) string {
	c := &bd.cells[k]
	if c.block {
		return nsName(bd.i) + strconv.Itoa(bd.j*20+k+1) + "号院"
	}
	s := compoundA[c.nameA] + compoundB[c.nameB]
	if c.phase > 0 {
		s += strconv.Itoa(c.phase) + "期"
	}
	return s
}
