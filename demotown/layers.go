package demotown

import (
	"math"
	"math/rand/v2"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// areas emits the districts, then their communities.
func (t *town) areas(e *emitter) {
	for _, d := range t.dists {
		e.add("area/"+d.code, orb.Polygon{t.rect(g(d.c0), g(d.r0), g(d.c1), g(d.r1))}, map[string]any{
			"name": d.name, "level": "district", "code": d.code,
		})
	}
	for _, c := range t.comms {
		e.add("area/"+c.code, orb.Polygon{t.rect(g(c.c0), g(c.r0), g(c.c1), g(c.r1))}, map[string]any{
			"name": c.name, "level": "community", "code": c.code, "parent": t.dists[c.d].code,
		})
	}
}

func roadProps(name, class string, ring bool) map[string]any {
	return map[string]any{"name": name, "class": class, "walkable": class != "motorway", "ring": ring}
}

// roads emits the street grid edge by edge, then the paths through parks.
func (t *town) roads(e *emitter) {
	n := t.n
	for j := 0; j <= n && !e.stopped(); j++ {
		for i := 0; i < n; i++ {
			if name, class, ok := t.segment(false, j, i); ok {
				e.add(idOf("road/h", j, i), orb.LineString{t.pt(g(i), g(j)), t.pt(g(i+1), g(j))},
					roadProps(name, class, class == "trunk"))
			}
		}
	}
	for i := 0; i <= n && !e.stopped(); i++ {
		for j := 0; j < n; j++ {
			if name, class, ok := t.segment(true, i, j); ok {
				e.add(idOf("road/v", i, j), orb.LineString{t.pt(g(i), g(j)), t.pt(g(i), g(j+1))},
					roadProps(name, class, class == "trunk"))
			}
		}
	}
	for j := 0; j < n && !e.stopped(); j++ {
		for i := 0; i < n; i++ {
			kind := t.kind[t.idx(i, j)]
			if kind != bPark && kind != bBig {
				continue
			}
			class := "footway"
			if kind == bBig {
				class = "path"
			}
			name := t.blockParkName(i, j) + "步道"
			cx, cy := g(i)+blockM/2, g(j)+blockM/2
			for k, c := range blockCorners(i, j) {
				e.add(idOf("path", i, j, k), orb.LineString{t.pt(c[0], c[1]), t.pt(cx, cy)}, roadProps(name, class, false))
			}
		}
	}
}

func blockCorners(i, j int) [4][2]float64 {
	return [4][2]float64{{g(i), g(j)}, {g(i + 1), g(j)}, {g(i + 1), g(j + 1)}, {g(i), g(j + 1)}}
}

// greenProps fills the survey attributes (普查: grade, unit, trees, shrub
// and lawn areas) from the area; unit is a unit's id (Units). Every kind
// gets all three counts, from the two draws it has always taken, so the
// random streams stay as they were.
func greenProps(name, kind string, public bool, grade int, unit string, area float64, r *rand.Rand) map[string]any {
	p := map[string]any{"name": name, "kind": kind, "public": public, "grade": int64(grade), "unit": unit}
	a, b := r.Float64(), r.Float64()
	switch kind {
	case "park", "belt":
		p["trees"] = int64(area / (60 + 40*a))
		p["shrub_m2"] = math.Round(area * (0.12 + 0.1*b))
		p["lawn_m2"] = math.Round(area * (0.3 + 0.2*a))
	case "garden":
		p["trees"] = int64(area / (70 + 30*a))
		p["shrub_m2"] = math.Round(area * (0.1 + 0.1*a))
		p["lawn_m2"] = math.Round(area * (0.4 + 0.2*b))
	case "forest":
		p["trees"] = int64(area / (15 + 10*a))
		p["shrub_m2"] = math.Round(area * (0.15 + 0.1*b))
		p["lawn_m2"] = math.Round(area * (0.05 + 0.05*a))
	case "lawn":
		p["trees"] = int64(area / (300 + 200*a))
		p["shrub_m2"] = math.Round(area * (0.02 + 0.03*b))
		p["lawn_m2"] = math.Round(area * (0.85 + 0.1*b))
	}
	return p
}

// greeningUnit is the id of district d's greening maintenance company,
// which keeps its parks, belts, lawns and woods (Units' order).
func greeningUnit(d int) string { return unitID(d * unitsPerDistrict) }

// propertyUnit is the id of the property company keeping the k-th
// compound garden of a block: the companies in turn, with no draw.
func propertyUnit(t *town, i, j, k int) string {
	return unitID(len(t.dists)*unitsPerDistrict + (i+j+k)%propertyCompanies)
}

func area(x0, y0, x1, y1 float64) float64 { return (x1 - x0) * (y1 - y0) }

// lake is the hole in a large park, in its south-west block, between the
// paths.
func lake(b *bigPark) (x0, y0, x1, y1 float64) {
	return g(b.c0) + 70, g(b.r0) + 20, g(b.c0) + 130, g(b.r0) + 55
}

// green emits the large parks, then block by block the one-block parks,
// ring belts and the green inside residential blocks.
func (t *town) green(e *emitter) {
	for k := range t.bigParks {
		b := &t.bigParks[k]
		x0, y0, x1, y1 := g(b.c0)+parkSet, g(b.r0)+parkSet, g(b.c1)-parkSet, g(b.r1)-parkSet
		lx0, ly0, lx1, ly1 := lake(b)
		r := t.rng(tagGreen, -1, k)
		e.add(idOf("green/park/big", k), orb.Polygon{t.rect(x0, y0, x1, y1), t.hole(lx0, ly0, lx1, ly1)},
			greenProps(b.name, "park", true, 1, greeningUnit(b.d), area(x0, y0, x1, y1)-area(lx0, ly0, lx1, ly1), r))
	}
	var bd blockDetail
	n := t.n
	for j := 0; j < n && !e.stopped(); j++ {
		for i := 0; i < n; i++ {
			d := t.community(i, j).d
			switch t.kind[t.idx(i, j)] {
			case bPark:
				x0, y0, x1, y1 := g(i)+parkSet, g(j)+parkSet, g(i+1)-parkSet, g(j+1)-parkSet
				e.add(idOf("green/park", i, j), orb.Polygon{t.rect(x0, y0, x1, y1)},
					greenProps(t.parkName(i, j), "park", true, 1, greeningUnit(d), area(x0, y0, x1, y1), t.rng(tagGreen, i, j)))
			case bRes:
				t.detail(i, j, &bd)
				t.blockGreen(e, &bd, d)
			}
		}
	}
}

func (t *town) blockGreen(e *emitter, bd *blockDetail, d int) {
	i, j := bd.i, bd.j
	r := t.rng(tagGreen, i, j)
	for _, side := range []uint8{sideW, sideE, sideS, sideN} {
		if bd.sides&side == 0 {
			continue
		}
		x0, y0, x1, y1, ok := t.beltRect(i, j, bd.sides, side)
		if !ok {
			continue
		}
		e.add(idOf("green/belt", i, j, int(side)), orb.Polygon{t.rect(x0, y0, x1, y1)},
			greenProps("环城绿带", "belt", true, 2, greeningUnit(d), area(x0, y0, x1, y1), r))
	}
	if bd.riverPark {
		p := bd.rp
		e.add(idOf("green/river", i, j), orb.Polygon{t.rect(p[0], p[1], p[2], p[3])},
			greenProps("滨河公园", "park", true, 2, greeningUnit(d), area(p[0], p[1], p[2], p[3]), r))
	}
	parks := greeningUnit(d)
	for k := 0; k < bd.nx*bd.ny; k++ {
		c := &bd.cells[k]
		word := parkWords[c.word]
		switch c.kind {
		case cPark:
			e.add(idOf("green/cell", i, j, k), orb.Polygon{t.rect(c.x0, c.y0, c.x1, c.y1)},
				greenProps(word+"游园", "park", true, 2, parks, area(c.x0, c.y0, c.x1, c.y1), r))
		case cLawn:
			e.add(idOf("green/cell", i, j, k), orb.Polygon{t.rect(c.x0, c.y0, c.x1, c.y1)},
				greenProps(word+"草坪", "lawn", true, 3, parks, area(c.x0, c.y0, c.x1, c.y1), r))
		case cForest:
			e.add(idOf("green/cell", i, j, k), orb.Polygon{t.rect(c.x0, c.y0, c.x1, c.y1)},
				greenProps(word+"林地", "forest", true, 3, parks, area(c.x0, c.y0, c.x1, c.y1), r))
		case cParcel:
			if c.half != 0 {
				x0, y0, x1, y1 := c.halfRect()
				e.add(idOf("green/half", i, j, k), orb.Polygon{t.rect(x0, y0, x1, y1)},
					greenProps(word+"游园", "park", true, 2, parks, area(x0, y0, x1, y1), r))
			}
			if c.notch >= 0 {
				x0, y0, x1, y1 := c.notchRect()
				name := word + "口袋公园"
				if c.nw*c.nh >= 1000 {
					name = word + "小游园"
				}
				e.add(idOf("green/notch", i, j, k), orb.Polygon{t.rect(x0, y0, x1, y1)},
					greenProps(name, "park", true, 3, parks, area(x0, y0, x1, y1), r))
			}
			if c.garden {
				x0, y0, x1, y1 := c.parcelRect()
				w, h := x1-x0, y1-y0
				gx0, gy0, gx1, gy1 := x0+0.35*w, y0+0.35*h, x1-0.35*w, y1-0.35*h
				name := t.parcelName(bd, k)
				e.add(idOf("green/garden", i, j, k), orb.Polygon{t.rect(gx0, gy0, gx1, gy1)},
					greenProps(name+"内部绿地", "garden", false, 3, propertyUnit(t, i, j, k), area(gx0, gy0, gx1, gy1), r))
			}
		}
	}
}

// parcels emits the residential parcels block by block.
func (t *town) parcels(e *emitter) {
	var bd blockDetail
	n := t.n
	for j := 0; j < n && !e.stopped(); j++ {
		for i := 0; i < n; i++ {
			if t.kind[t.idx(i, j)] != bRes {
				continue
			}
			t.detail(i, j, &bd)
			for k := 0; k < bd.nx*bd.ny; k++ {
				c := &bd.cells[k]
				if c.kind != cParcel {
					continue
				}
				poly := orb.Polygon{t.parcelRing(c)}
				var pop, hh int64
				src := "given"
				if c.estimated {
					src = "estimated"
					pop = int64(math.Round(geo.Area(poly) * float64(c.levels) * estCoverage / estFloorM2))
					hh = int64(math.Round(float64(pop) / estHousehold))
				} else {
					pop = int64(math.Round(c.parcelArea() / 1e4 * c.density))
					hh = int64(math.Round(float64(pop) / c.hh))
				}
				pop, hh = max(pop, 1), max(hh, 1)
				kind := "compound"
				if c.block {
					kind = "block"
				}
				e.stats.Residents += pop
				e.add(idOf("parcel", i, j, k), poly, map[string]any{
					"name": t.parcelName(&bd, k), "kind": kind, "population": pop, "households": hh,
					"pop_source": src, "levels": int64(c.levels),
				})
			}
		}
	}
}

func wasteProps(name, kind string, capacity float64) map[string]any {
	p := map[string]any{"name": name, "kind": kind}
	if capacity > 0 {
		p["capacity"] = capacity
	}
	return p
}

// waste emits transfer stations, collection points at intersections, then
// block by block collection points and recycling at compound gates, toilets
// and litter bins in parks, then toilets and litter bins along streets.
func (t *town) waste(e *emitter) {
	n, cfg := t.n, t.cfg
	for k, d := range t.dists {
		r := t.rng(tagWaste, -1, k)
		ci, cj := (d.c0+d.c1)/2, (d.r0+d.r1)/2
		if cj == cfg.river || cj == cfg.river+1 {
			cj += 2
		}
		e.add(idOf("waste/transfer", k), t.pt(g(ci)-sidewalk, g(cj)-sidewalk),
			wasteProps(d.name+"垃圾中转站", "transfer_station", float64(100+20*r.IntN(11))))
	}
	for j := 0; j <= n && !e.stopped(); j++ {
		for i := 0; i <= n; i++ {
			lv := wasteLevels[t.district(min(i, n-1), min(j, n-1)).waste]
			r := t.rng(tagNode, i, j)
			if r.Float64() < lv.node {
				e.add(idOf("waste/node", i, j), t.pt(g(i)+sidewalk, g(j)+sidewalk),
					wasteProps(ewName(j)+nsName(i)+"口垃圾收集点", "collection_point", float64(660*(2+r.IntN(4)))))
			}
		}
	}
	var bd blockDetail
	for j := 0; j < n && !e.stopped(); j++ {
		for i := 0; i < n; i++ {
			switch t.kind[t.idx(i, j)] {
			case bRes:
				t.detail(i, j, &bd)
				t.blockWaste(e, &bd)
			case bPark, bBig:
				t.parkWaste(e, i, j)
			}
		}
	}
	for _, vert := range []bool{false, true} {
		v := 0
		if vert {
			v = 1
		}
		for line := 0; line <= n && !e.stopped(); line++ {
			for k := 0; k < n; k++ {
				name, class, ok := t.segment(vert, line, k)
				if !ok || class == "footway" || class == "motorway" || (vert && k == cfg.river) {
					continue
				}
				r := t.rng(tagSeg, line*2+v, k)
				u, w := r.Float64(), r.Float64()
				x, y := g(k)+blockM/2, g(line) // mid of the edge
				px, py := 0.0, sidewalk        // across the street
				ax, ay := 20.0, 0.0            // along it
				if vert {
					x, y = g(line), g(k)+blockM/2
					px, py, ax, ay = sidewalk, 0, 0, 20
				}
				if u < 0.05 {
					e.add(idOf("waste/street-toilet", v, line, k), t.pt(x+px, y+py), wasteProps(name+"公厕", "toilet", 0))
				}
				if class != "residential" && w < 0.35 {
					e.add(idOf("waste/street-bin", v, line, k), t.pt(x-px+ax, y-py+ay),
						wasteProps("果皮箱", "litter_bin", float64(120*(1+r.IntN(2)))))
				}
			}
		}
	}
}

func (t *town) blockWaste(e *emitter, bd *blockDetail) {
	i, j := bd.i, bd.j
	lv := wasteLevels[t.district(i, j).waste]
	r := t.rng(tagWaste, i, j)
	if bd.riverPark {
		p := bd.rp
		e.add(idOf("waste/toilet", i, j, 100), t.pt((p[0]+p[2])/2, (p[1]+p[3])/2), wasteProps("滨河公园公厕", "toilet", 0))
	}
	for k := 0; k < bd.nx*bd.ny; k++ {
		c := &bd.cells[k]
		u1, u2, u3, size := r.Float64(), r.Float64(), r.Float64(), r.IntN(4)
		switch c.kind {
		case cPark:
			if u3 < 0.3 {
				e.add(idOf("waste/toilet", i, j, k), t.pt((c.x0+c.x1)/2, (c.y0+c.y1)/2),
					wasteProps(parkWords[c.word]+"游园公厕", "toilet", 0))
			}
		case cParcel:
			if c.half != 0 && u3 < 0.3 {
				x0, y0, x1, y1 := c.halfRect()
				e.add(idOf("waste/toilet", i, j, k), t.pt((x0+x1)/2, (y0+y1)/2),
					wasteProps(parkWords[c.word]+"游园公厕", "toilet", 0))
			}
			gx, gy, ax, ay := c.gatePoint()
			name := ""
			if u1 < lv.gatePerHa*c.parcelArea()/1e4 || u2 < lv.recycling {
				name = t.parcelName(bd, k)
			}
			if u1 < lv.gatePerHa*c.parcelArea()/1e4 {
				e.add(idOf("waste/gate", i, j, k), t.pt(gx, gy),
					wasteProps(name+"垃圾收集点", "collection_point", float64(660*(1+size))))
			}
			if u2 < lv.recycling {
				e.add(idOf("waste/recycling", i, j, k), t.pt(gx+8*ax, gy+8*ay),
					wasteProps(name+"再生资源回收点", "recycling", float64(240*(2+size))))
			}
		}
	}
}

func (t *town) parkWaste(e *emitter, i, j int) {
	r := t.rng(tagWaste, i, j)
	name := t.blockParkName(i, j)
	first := true
	if b := t.bigAt(i, j); b >= 0 {
		first = i == t.bigParks[b].c0 && j == t.bigParks[b].r0
	}
	cx, cy := g(i)+blockM/2, g(j)+blockM/2
	if u := r.Float64(); first || u < 0.5 {
		e.add(idOf("waste/toilet", i, j, 100), t.pt(cx+20, cy), wasteProps(name+"公厕", "toilet", 0))
	}
	for k, c := range blockCorners(i, j) {
		dx, dy := cx-c[0], cy-c[1]
		l := math.Hypot(dx, dy)
		mx, my := (c[0]+cx)/2-2*dy/l, (c[1]+cy)/2+2*dx/l
		e.add(idOf("waste/bin", i, j, k), t.pt(mx, my), wasteProps("果皮箱", "litter_bin", float64(120*(1+r.IntN(2)))))
	}
}
