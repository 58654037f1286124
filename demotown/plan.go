package demotown

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// The town plan, drawn before any feature: districts and their
// communities, the kind of every block, the large parks, the ring belts
// and the road on every block edge.

// planDistricts tiles the town with districts, each with its service
// levels and density, and each tiled by communities.
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
