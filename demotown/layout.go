package demotown

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"
)

// Layout constants, in local metres.
const (
	blockM    = 200.0 // block pitch, road centreline to road centreline
	setback   = 10.0  // parcels and belts start this far from a road centreline
	parkSet   = 8.0   // block parks start this far from a road centreline
	lane      = 6.0   // lane between the cells of a block (and belt to cells)
	beltW     = 50.0  // ring belt width
	riverBank = 15.0  // water starts this far from the bank road centreline
	sidewalk  = 6.0   // street furniture sits this far from a road centreline
)

// Town origin (centre), away from central Chengdu.
const (
	originLon = 103.60
	originLat = 30.45
)

type config struct {
	n                  int  // blocks per side
	sub4               bool // 4×4 parcels per block (metro)
	ring0, ring1       int  // grid lines of the ring road square
	river              int  // block row of the river
	motorway           int  // north–south grid line of the motorway
	bridges            []int
	distCols, distRows []int // district boundaries, in blocks
	commMin, commMax   int   // community size range, in blocks
	bigPark            int   // large park size, in blocks
	bigParkPerDistrict bool
}

func configFor(size string) *config {
	switch size {
	case "small":
		return &config{n: 10, ring0: 2, ring1: 8, river: 6, motorway: 1,
			distCols: []int{0, 5, 10}, distRows: []int{0, 10}, commMin: 2, commMax: 3, bigPark: 2}
	case "city":
		return &config{n: 40, ring0: 13, ring1: 27, river: 22, motorway: 6, bridges: []int{3, 20, 34},
			distCols: []int{0, 19, 40}, distRows: []int{0, 21, 40}, commMin: 3, commMax: 5, bigPark: 3}
	case "metro":
		c := &config{n: 262, sub4: true, ring0: 99, ring1: 163, river: 144, motorway: 40,
			distCols: []int{0, 52, 105, 157, 210, 262}, distRows: []int{0, 52, 105, 157, 210, 262},
			commMin: 3, commMax: 6, bigPark: 3, bigParkPerDistrict: true}
		for i := 8; i < c.n; i += 16 {
			c.bridges = append(c.bridges, i)
		}
		return c
	}
	return nil
}

// Block kinds.
const (
	bRes   uint8 = iota // residential (cells of parcels and small green)
	bRiver              // water
	bPark               // one-block park
	bBig                // part of a large park
)

// Sides of a block or cell, as bits.
const (
	sideW uint8 = 1 << iota
	sideE
	sideS
	sideN
)

// Service levels of a district.
const (
	rich = iota
	medium
	poor
)

type greenLevel struct{ blockPark, cellPark, lawn, half, smallNotch, pocket float64 }

var greenLevels = [3]greenLevel{
	rich:   {0.10, 0.06, 0.04, 0.08, 0.06, 0.06},
	medium: {0.03, 0.03, 0.02, 0.04, 0.04, 0.06},
	poor:   {0, 0, 0, 0, 0, 0.08},
}

type wasteLevel struct{ gatePerHa, node, recycling float64 }

var wasteLevels = [3]wasteLevel{
	rich:   {1.6, 0.5, 0.25},
	medium: {0.8, 0.3, 0.12},
	poor:   {0.15, 0.08, 0.04},
}

// Random streams: each (purpose, block) pair has its own PCG.
const (
	tagPlan uint64 = iota + 1
	tagBlockPark
	tagCells
	tagBelt
	tagGreen
	tagWaste
	tagNode
	tagSeg
	tagName
)

type district struct {
	code, name   string
	c0, r0       int
	c1, r1       int
	green, waste int // service levels
	density      float64
}

type community struct {
	code, name string
	d          int
	c0, r0     int
	c1, r1     int
	mul        float64 // green multiplier
}

type bigPark struct {
	c0, r0, c1, r1 int
	name           string
	d              int
}

type beltKey struct {
	i, j int
	side uint8
}

type town struct {
	cfg      *config
	seed     uint64
	n        int
	proj     proj
	kind     []uint8 // per block, index j*n+i
	big      []int16 // large park index per block, or -1
	comm     []int32 // community index per block
	dists    []district
	comms    []community
	bigParks []bigPark
	bridge   []bool // per north–south line: crosses the river
	riverN   [2]int // block on the north bank holding the riverside park
	riverS   [2]int // block opposite it on the south bank
	beltOmit beltKey
	beltCut  beltKey
}

func newTown(cfg *config, seed int64) *town {
	t := &town{cfg: cfg, seed: uint64(seed), n: cfg.n}
	t.proj = newProj(originLon, originLat, float64(cfg.n)*blockM/2)
	r := t.rng(tagPlan, 0, 0)
	t.planDistricts(r)
	t.planBlocks(r)
	return t
}

func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// rng returns the random stream of a purpose at grid position (i, j).
func (t *town) rng(tag uint64, i, j int) *rand.Rand {
	a := mix(t.seed ^ mix(tag))
	b := mix(uint64(uint32(i))<<32 | uint64(uint32(j)) ^ tag*0x9E3779B97F4A7C15)
	return rand.New(rand.NewPCG(a, b))
}

// proj converts local metres (x east, y north, origin at the south-west
// corner of the town) to lon/lat with an equirectangular projection.
type proj struct{ lon0, lat0, mLon, mLat, half float64 }

func newProj(lon, lat, half float64) proj {
	phi := lat * math.Pi / 180
	return proj{
		lon0: lon, lat0: lat, half: half,
		mLat: 111132.92 - 559.82*math.Cos(2*phi) + 1.175*math.Cos(4*phi),
		mLon: 111412.84*math.Cos(phi) - 93.5*math.Cos(3*phi),
	}
}

func (t *town) pt(x, y float64) orb.Point {
	p := &t.proj
	return orb.Point{p.lon0 + (x-p.half)/p.mLon, p.lat0 + (y-p.half)/p.mLat}
}

// g is the local coordinate of grid line k.
func g(k int) float64 { return float64(k) * blockM }

// rect returns a counter-clockwise rectangle.
func (t *town) rect(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{t.pt(x0, y0), t.pt(x1, y0), t.pt(x1, y1), t.pt(x0, y1), t.pt(x0, y0)}
}

// hole returns a clockwise rectangle.
func (t *town) hole(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{t.pt(x0, y0), t.pt(x0, y1), t.pt(x1, y1), t.pt(x1, y0), t.pt(x0, y0)}
}

func (t *town) idx(i, j int) int { return j*t.n + i }

func (t *town) community(i, j int) *community { return &t.comms[t.comm[t.idx(i, j)]] }

func (t *town) district(i, j int) *district { return &t.dists[t.community(i, j).d] }

func (t *town) bigAt(i, j int) int16 {
	if i < 0 || j < 0 || i >= t.n || j >= t.n {
		return -1
	}
	return t.big[t.idx(i, j)]
}

// split cuts n into chunks of lo..hi and returns the inner cut offsets.
func split(r *rand.Rand, n, lo, hi int) []int {
	var cuts []int
	pos := 0
	for n-pos > hi {
		w := lo + r.IntN(hi-lo+1)
		if n-pos-w < lo {
			w = n - pos - lo
		}
		pos += w
		cuts = append(cuts, pos)
	}
	return cuts
}

func bounds(lo, hi int, cuts []int) []int {
	b := []int{lo}
	for _, c := range cuts {
		b = append(b, lo+c)
	}
	return append(b, hi)
}

// levels returns n service levels with at least one rich and one poor.
func levels(r *rand.Rand, n int) []int {
	lv := make([]int, n)
	for k := range lv {
		switch {
		case k == 0:
			lv[k] = rich
		case k == 1:
			lv[k] = poor
		case n <= 4:
			lv[k] = medium
		default:
			lv[k] = r.IntN(3)
		}
	}
	r.Shuffle(n, func(a, b int) { lv[a], lv[b] = lv[b], lv[a] })
	return lv
}

func (t *town) planDistricts(r *rand.Rand) {
	cfg := t.cfg
	t.comm = make([]int32, t.n*t.n)
	names := r.Perm(len(districtWords))
	nd := (len(cfg.distCols) - 1) * (len(cfg.distRows) - 1)
	gl, wl := levels(r, nd), levels(r, nd)
	for dr := 0; dr+1 < len(cfg.distRows); dr++ {
		for dc := 0; dc+1 < len(cfg.distCols); dc++ {
			k := len(t.dists)
			d := district{
				code: "D" + strconv.Itoa(k+1), name: districtWords[names[k]] + "区",
				c0: cfg.distCols[dc], c1: cfg.distCols[dc+1], r0: cfg.distRows[dr], r1: cfg.distRows[dr+1],
				green: gl[k], waste: wl[k], density: 280 + 160*r.Float64(),
			}
			t.dists = append(t.dists, d)
			cols := bounds(d.c0, d.c1, split(r, d.c1-d.c0, cfg.commMin, cfg.commMax))
			rows := bounds(d.r0, d.r1, split(r, d.r1-d.r0, cfg.commMin, cfg.commMax))
			count := (len(cols) - 1) * (len(rows) - 1)
			width := max(2, len(strconv.Itoa(count)))
			q := 0
			for a := 0; a+1 < len(rows); a++ {
				for b := 0; b+1 < len(cols); b++ {
					q++
					num := strconv.Itoa(q)
					for len(num) < width {
						num = "0" + num
					}
					c := community{
						code: d.code + "-C" + num,
						name: communityWords[r.IntN(len(communityWords))] + communitySuffix[r.IntN(len(communitySuffix))] + "社区",
						d:    k, c0: cols[b], c1: cols[b+1], r0: rows[a], r1: rows[a+1],
						mul: 0.5 + r.Float64(),
					}
					ci := int32(len(t.comms))
					t.comms = append(t.comms, c)
					for j := c.r0; j < c.r1; j++ {
						for i := c.c0; i < c.c1; i++ {
							t.comm[t.idx(i, j)] = ci
						}
					}
				}
			}
		}
	}
}

// ringSides reports which sides of block (i, j) face the ring road.
func (t *town) ringSides(i, j int) uint8 {
	c := t.cfg
	if j == c.river {
		return 0
	}
	var s uint8
	if j >= c.ring0 && j < c.ring1 {
		if i == c.ring0 || i == c.ring1 {
			s |= sideW
		}
		if i+1 == c.ring0 || i+1 == c.ring1 {
			s |= sideE
		}
	}
	if i >= c.ring0 && i < c.ring1 {
		if j == c.ring0 || j == c.ring1 {
			s |= sideS
		}
		if j+1 == c.ring0 || j+1 == c.ring1 {
			s |= sideN
		}
	}
	return s
}

func (t *town) walkableBridge(i int) bool {
	return t.bridge[i] && i != t.cfg.motorway
}

func (t *town) forced(i, j int) bool {
	return (i == t.riverN[0] && j == t.riverN[1]) || (i == t.riverS[0] && j == t.riverS[1])
}

func (t *town) planBlocks(r *rand.Rand) {
	cfg, n := t.cfg, t.n
	t.kind = make([]uint8, n*n)
	t.big = make([]int16, n*n)
	for k := range t.big {
		t.big[k] = -1
	}
	for i := 0; i < n; i++ {
		t.kind[t.idx(i, cfg.river)] = bRiver
	}
	t.bridge = make([]bool, n+1)
	t.bridge[cfg.ring0], t.bridge[cfg.ring1], t.bridge[cfg.motorway] = true, true, true
	for _, b := range cfg.bridges {
		t.bridge[b] = true
	}

	// The riverside park sits on the north bank where the walk to a bridge is
	// longest, with parcels opposite it on the south bank.
	best, bestD := 1, -1.0
	for i := 1; i < n-1; i++ {
		x := float64(i) + 0.5
		d := math.Inf(1)
		for b := 0; b <= n; b++ {
			if t.walkableBridge(b) {
				d = math.Min(d, math.Abs(x-float64(b)))
			}
		}
		if d > bestD {
			best, bestD = i, d
		}
	}
	t.riverN = [2]int{best, cfg.river + 1}
	t.riverS = [2]int{best, cfg.river - 1}

	// Large parks.
	for d := range t.dists {
		lv := t.dists[d].green
		if cfg.bigParkPerDistrict && lv == poor {
			continue
		}
		if !cfg.bigParkPerDistrict && (lv != rich || len(t.bigParks) > 0) {
			continue
		}
		t.placeBigPark(r, d)
	}

	// One-block parks.
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			k := t.idx(i, j)
			if t.kind[k] != bRes || t.ringSides(i, j) != 0 || t.forced(i, j) {
				continue
			}
			c := t.community(i, j)
			p := greenLevels[t.dists[c.d].green].blockPark * c.mul
			if t.rng(tagBlockPark, i, j).Float64() < p {
				t.kind[k] = bPark
			}
		}
	}

	// Belt pieces that are always left out or cut short.
	row := func() int {
		for {
			j := cfg.ring0 + 1 + r.IntN(cfg.ring1-cfg.ring0-2)
			if j != cfg.river {
				return j
			}
		}
	}
	t.beltOmit = beltKey{cfg.ring0 - 1, row(), sideE}
	t.beltCut = beltKey{cfg.ring1 - 1, row(), sideE}
}

func (t *town) placeBigPark(r *rand.Rand, d int) {
	k := t.cfg.bigPark
	var cands []int
	for ci, c := range t.comms {
		if c.d == d && c.c1-c.c0 >= k && c.r1-c.r0 >= k {
			cands = append(cands, ci)
		}
	}
	r.Shuffle(len(cands), func(a, b int) { cands[a], cands[b] = cands[b], cands[a] })
	// Prefer a park inside one community (so that community is green);
	// else anywhere in the district.
	type box struct{ c0, r0, c1, r1 int }
	var boxes []box
	for _, ci := range cands {
		c := t.comms[ci]
		boxes = append(boxes, box{c.c0, c.r0, c.c1, c.r1})
	}
	d0 := t.dists[d]
	boxes = append(boxes, box{d0.c0, d0.r0, d0.c1, d0.r1})
	for _, c := range boxes {
		nx, ny := c.c1-c.c0-k+1, c.r1-c.r0-k+1
		if nx <= 0 || ny <= 0 {
			continue
		}
		off := r.IntN(nx * ny)
		for q := 0; q < nx*ny; q++ {
			p := (off + q) % (nx * ny)
			c0, r0 := c.c0+p%nx, c.r0+p/nx
			if !t.bigParkFits(c0, r0, k) {
				continue
			}
			bi := int16(len(t.bigParks))
			dn := []rune(t.dists[d].name)
			t.bigParks = append(t.bigParks, bigPark{c0: c0, r0: r0, c1: c0 + k, r1: r0 + k, d: d,
				name: string(dn[:len(dn)-1]) + "中央公园"})
			for j := r0; j < r0+k; j++ {
				for i := c0; i < c0+k; i++ {
					t.kind[t.idx(i, j)] = bBig
					t.big[t.idx(i, j)] = bi
				}
			}
			return
		}
	}
}

func (t *town) bigParkFits(c0, r0, k int) bool {
	if c0 < t.cfg.motorway && t.cfg.motorway < c0+k {
		return false
	}
	for j := r0; j < r0+k; j++ {
		for i := c0; i < c0+k; i++ {
			if t.kind[t.idx(i, j)] != bRes || t.ringSides(i, j) != 0 || t.forced(i, j) {
				return false
			}
		}
	}
	return true
}

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

// detail lays out residential block (i, j).
func (t *town) detail(i, j int, bd *blockDetail) {
	cfg := t.cfg
	r := t.rng(tagCells, i, j)
	*bd = blockDetail{i: i, j: j, sides: t.ringSides(i, j)}
	x0, y0 := g(i)+setback, g(j)+setback
	x1, y1 := g(i+1)-setback, g(j+1)-setback
	s := bd.sides
	if s&sideW != 0 {
		x0 += beltW + lane
	}
	if s&sideE != 0 {
		x1 -= beltW + lane
	}
	if s&sideS != 0 {
		y0 += beltW + lane
	}
	if s&sideN != 0 {
		y1 -= beltW + lane
	}
	forcedN := i == t.riverN[0] && j == t.riverN[1]
	forcedS := i == t.riverS[0] && j == t.riverS[1]
	nx, ny := 4, 4
	if !cfg.sub4 {
		switch u := r.Float64(); {
		case u < 0.15:
			nx, ny = 1, 1
		case u < 0.25:
			nx, ny = 2, 1
		case u < 0.35:
			nx, ny = 1, 2
		default:
			nx, ny = 2, 2
		}
		if forcedN || forcedS {
			nx, ny = 2, 2
		}
	}
	bd.nx, bd.ny = nx, ny
	cw := (x1 - x0 - float64(nx-1)*lane) / float64(nx)
	ch := (y1 - y0 - float64(ny-1)*lane) / float64(ny)
	if forcedN {
		bd.riverPark = true
		bd.rp = [4]float64{x0, y0, x1, y0 + ch}
	}
	blocks := cfg.sub4 && r.Float64() < 0.7
	phased := !blocks && nx*ny > 1 && r.Float64() < 0.5
	baseA, baseB := r.IntN(len(compoundA)), r.IntN(len(compoundB))
	edge := i == 0 || j == 0 || i == t.n-1 || j == t.n-1
	com := t.community(i, j)
	gl := greenLevels[t.dists[com.d].green]
	mul := com.mul
	density := t.dists[com.d].density
	minDim := math.Min(cw, ch)
	for cy := 0; cy < ny; cy++ {
		for cx := 0; cx < nx; cx++ {
			c := &bd.cells[cy*nx+cx]
			cx0 := x0 + float64(cx)*(cw+lane)
			cy0 := y0 + float64(cy)*(ch+lane)
			*c = cell{x0: cx0, y0: cy0, x1: cx0 + cw, y1: cy0 + ch, notch: -1, block: blocks}
			if cx == nx-1 {
				c.x1 = x1 // no rounding gap at the block edge
			}
			if cy == ny-1 {
				c.y1 = y1
			}
			u, w := r.Float64(), r.Float64()
			c.word = r.IntN(len(parkWords))
			corner := int8(r.IntN(4))
			c.estimated = r.Float64() < 0.10
			lv, den, hh := r.Float64(), r.Float64(), r.Float64()
			nA, nB := r.IntN(len(compoundA)), r.IntN(len(compoundB))
			switch {
			case cx == 0:
				c.gate = sideW
			case cx == nx-1:
				c.gate = sideE
			case cy == 0:
				c.gate = sideS
			case cy == ny-1:
				c.gate = sideN
			default:
				c.gate = sideW
			}
			if c.estimated {
				c.levels = 2 + int(lv*4)
			} else {
				c.levels = givenLevels[int(lv*float64(len(givenLevels)))]
			}
			c.density = math.Min(600, math.Max(150, density+(den-0.5)*300))
			c.hh = 2.6 + 0.4*hh
			if phased {
				c.nameA, c.nameB, c.phase = baseA, baseB, cy*nx+cx+1
			} else {
				c.nameA, c.nameB = nA, nB
			}
			if forcedN && cy == 0 {
				c.kind = cNone
				continue
			}
			if forcedS && cy == ny-1 {
				continue // plain parcels facing the riverside park
			}
			a1 := gl.cellPark * mul
			a2 := a1 + gl.lawn*mul
			a3 := a2 + gl.half*mul
			a4 := a3 + gl.smallNotch*mul
			a5 := a4 + gl.pocket*mul
			switch {
			case edge && u < 0.1:
				c.kind = cForest
			case edge:
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

// beltRect returns the ring belt on one side of block (i, j), or false
// where the belt has a gap.
func (t *town) beltRect(i, j int, sides, side uint8) (x0, y0, x1, y1 float64, ok bool) {
	ix0, iy0 := g(i)+setback, g(j)+setback
	ix1, iy1 := g(i+1)-setback, g(j+1)-setback
	sx0, sx1 := ix0, ix1
	if sides&sideW != 0 {
		sx0 += beltW + lane
	}
	if sides&sideE != 0 {
		sx1 -= beltW + lane
	}
	vertical := side == sideW || side == sideE
	switch side {
	case sideW:
		x0, y0, x1, y1 = ix0, iy0, ix0+beltW, iy1
	case sideE:
		x0, y0, x1, y1 = ix1-beltW, iy0, ix1, iy1
	case sideS:
		x0, y0, x1, y1 = sx0, iy0, sx1, iy0+beltW
	default:
		x0, y0, x1, y1 = sx0, iy1-beltW, sx1, iy1
	}
	key := beltKey{i, j, side}
	r := t.rng(tagBelt, i, j*16+int(side))
	u, cut, fromStart := r.Float64(), 30+60*r.Float64(), r.Float64() < 0.5
	switch {
	case key == t.beltCut:
		u = 0.1
	case key == t.beltOmit:
		u = 0
	}
	if u < 0.08 {
		return 0, 0, 0, 0, false
	}
	if u < 0.22 {
		switch {
		case vertical && fromStart:
			y0 += cut
		case vertical:
			y1 -= cut
		case fromStart:
			x0 += cut
		default:
			x1 -= cut
		}
	}
	return x0, y0, x1, y1, true
}

// segment describes the road on a block edge: vertical edges lie on
// north–south line `line` between rows k and k+1, horizontal ones on
// east–west line `line` between columns k and k+1.
func (t *town) segment(vert bool, line, k int) (name, class string, ok bool) {
	c := t.cfg
	if vert {
		if k == c.river && !t.bridge[line] {
			return "", "", false
		}
		if b := t.bigAt(line-1, k); b >= 0 && b == t.bigAt(line, k) {
			return t.bigParks[b].name + "步道", "footway", true
		}
		if line == c.motorway {
			return motorwayName, "motorway", true
		}
		if (line == c.ring0 || line == c.ring1) && k >= c.ring0 && k < c.ring1 {
			return ringName, "trunk", true
		}
		return nsName(line), lineClass(line), true
	}
	if b := t.bigAt(k, line-1); b >= 0 && b == t.bigAt(k, line) {
		return t.bigParks[b].name + "步道", "footway", true
	}
	if (line == c.ring0 || line == c.ring1) && k >= c.ring0 && k < c.ring1 {
		return ringName, "trunk", true
	}
	return ewName(line), lineClass(line), true
}

func lineClass(l int) string {
	switch {
	case l%10 == 0:
		return "primary"
	case l%5 == 0:
		return "secondary"
	case l%5 == 3:
		return "tertiary"
	}
	return "residential"
}

// parkName names the one-block park at (i, j).
func (t *town) parkName(i, j int) string {
	return parkWords[t.rng(tagName, i, j).IntN(len(parkWords))] + "公园"
}

// blockParkName names the park of block (i, j) if it is a one-block or a
// large park.
func (t *town) blockParkName(i, j int) string {
	if b := t.bigAt(i, j); b >= 0 {
		return t.bigParks[b].name
	}
	return t.parkName(i, j)
}
