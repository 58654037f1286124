package demotown

import (
	"math"
	"math/rand/v2"

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
