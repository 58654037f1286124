package coverage

import (
	"context"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// corridor checks green along the rule's roads: every CorridorStep metres
// it looks from the road's centre line out to Meters on each side, and the
// side is covered there when that reach meets a target polygon. The value
// is the covered share of the road sides' length; runs without green
// longer than MaxGap are listed as gaps with their stretch of road.
func (a *Audit) corridor(ctx context.Context, snap *index.Snapshot, r *Rule) (*Result, error) {
	units := a.levelUnits(r)
	ct := a.newCorridorTally(snap, r, units)
	st := &corridorState{}
	var err error
	scanned := 0
	snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool {
		// The deadline is looked at before each of the rule's roads is
		// walked, and every few thousand other roads passed over.
		scanned++
		match := r.Roads.Match(f)
		if match || scanned%4096 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		if !match {
			return true
		}
		ct.road = &corridorRoad{f: f, sum: make([]corridorSum, len(units))}
		ct.sides(f)
		st.roads = append(st.roads, ct.road)
		return true
	})
	if err != nil {
		return nil, err
	}
	st.sum = ct.sum
	res := &Result{Rule: r, corridor: st}
	for i, u := range units {
		res.Units = append(res.Units, corridorUnit(r, u, ct.sum[i], ct.gaps[i]))
	}
	return res, nil
}

func (a *Audit) newCorridorTally(snap *index.Snapshot, r *Rule, units []*Unit) *corridorTally {
	ct := &corridorTally{a: a, r: r, green: snap.Layer(r.Target.Layer), areas: snap.Layer(geo.Areas), unitIdx: map[int64]int{},
		sum: make([]corridorSum, len(units)), gaps: make([][]Gap, len(units))}
	for i, u := range units {
		ct.unitIdx[u.ID] = i
	}
	return ct
}

// sides tallies both sides of every line of road f.
func (ct *corridorTally) sides(f *geo.Feature) {
	var lines []orb.LineString
	switch g := f.Geom.(type) {
	case orb.LineString:
		lines = append(lines, g)
	case orb.MultiLineString:
		lines = g
	}
	for _, l := range lines {
		ct.side(f.ID, l, "left", 1)
		ct.side(f.ID, l, "right", -1)
	}
}

// corridorUnit is a unit's figure from its road sides' sums and gaps.
func corridorUnit(r *Rule, u *Unit, sum corridorSum, gaps []Gap) *UnitResult {
	ur := &UnitResult{Unit: u, Threshold: r.Pass, Numerator: sum.covered, Denominator: sum.total, Gaps: gaps}
	if sum.total == 0 {
		ur.NA, ur.Pass = true, true
	} else {
		ur.Value = sum.covered / sum.total
		ur.Pass = ur.Value >= r.Pass && len(ur.Gaps) == 0
	}
	return ur
}

// corridorState is what a corridor rule's figures are made of, kept for
// what-ifs: the sums per unit, and each road's own share of them and its
// gaps, in the order the audit went through the roads.
type corridorState struct {
	sum   []corridorSum
	roads []*corridorRoad
}

// corridorRoad is one road's road sides: its sums per unit (indexes into
// the rule's units) and its gaps with the units they are listed in.
type corridorRoad struct {
	f    *geo.Feature
	sum  []corridorSum
	gaps []unitGap
}

type unitGap struct {
	unit int
	gap  Gap
}

// corridorWhatIf is the rule's figures with added targets: only the roads
// within reach of them (their sides' steps could meet one) are walked
// again, on the data with them (snap); their old shares are taken off the
// sums and their new ones added, and each unit's gaps listed again road by
// road in the audit's order.
func (a *Audit) corridorWhatIf(snap func() *index.Snapshot, res *Result, added []*geo.Feature) *Result {
	r, st := res.Rule, res.corridor
	var near []int
	for i, rd := range st.roads {
		rb := rd.f.Geom.Bound()
		for _, f := range added {
			if geo.PadBound(f.Geom.Bound(), r.Meters+CorridorStep).Intersects(rb) {
				near = append(near, i)
				break
			}
		}
	}
	if len(near) == 0 {
		return res
	}
	units := make([]*Unit, len(res.Units))
	for i, u := range res.Units {
		units[i] = u.Unit
	}
	ct := a.newCorridorTally(snap(), r, units)
	sum := append([]corridorSum(nil), st.sum...)
	again := map[int]*corridorRoad{}
	for _, i := range near {
		old := st.roads[i]
		ct.road = &corridorRoad{f: old.f, sum: make([]corridorSum, len(units))}
		ct.sides(old.f)
		again[i] = ct.road
		for ui := range sum {
			sum[ui].total += ct.road.sum[ui].total - old.sum[ui].total
			sum[ui].covered += ct.road.sum[ui].covered - old.sum[ui].covered
		}
	}
	gaps := make([][]Gap, len(units))
	for i, rd := range st.roads {
		if x, ok := again[i]; ok {
			rd = x
		}
		for _, g := range rd.gaps {
			gaps[g.unit] = append(gaps[g.unit], g.gap)
		}
	}
	after := &Result{Rule: r}
	for i, u := range units {
		after.Units = append(after.Units, corridorUnit(r, u, sum[i], gaps[i]))
	}
	return after
}

// corridorTally sums a corridor rule's road sides per unit (indexes into
// the rule's units, the city first) and gathers their gaps.
type corridorTally struct {
	a            *Audit
	r            *Rule
	green, areas *index.Layer
	unitIdx      map[int64]int // unit id → index
	sum          []corridorSum
	gaps         [][]Gap
	road         *corridorRoad // the road being walked: its own share
}

// corridorSum is the length (m) of road sides in a unit, and of those
// covered by green.
type corridorSum struct{ total, covered float64 }

// side walks one side of road line l (sign 1: left, -1: right) step by
// step, summing its length and the covered length in the units each step
// lies in, and listing the runs without green longer than MaxGap as gaps
// of the units where they begin.
func (ct *corridorTally) side(road int64, l orb.LineString, side string, sign float64) {
	type run struct {
		from, to float64
		units    []int
	}
	var open *run
	closeRun := func() {
		if open != nil && open.to-open.from > ct.r.MaxGap {
			g := Gap{Road: road, Side: side, Length: open.to - open.from, Geom: subLine(l, open.from, open.to)}
			for _, ui := range open.units {
				ct.gaps[ui] = append(ct.gaps[ui], g)
				ct.road.gaps = append(ct.road.gaps, unitGap{ui, g})
			}
		}
		open = nil
	}
	walkLine(l, CorridorStep, func(p orb.Point, dir orb.Point, from, to float64) {
		kx, ky := math.Cos(p[1]*math.Pi/180)*111195.08, 111195.08
		// The normal, in metres, turned into degrees.
		nx, ny := -dir[1]*sign, dir[0]*sign
		out := func(m float64) orb.Point { return orb.Point{p[0] + nx*m/kx, p[1] + ny*m/ky} }
		ok := ct.covered(out(0), out(ct.r.Meters))
		us := ct.unitsAt(p)
		for _, ui := range us {
			ct.sum[ui].total += to - from
			ct.road.sum[ui].total += to - from
			if ok {
				ct.sum[ui].covered += to - from
				ct.road.sum[ui].covered += to - from
			}
		}
		if ok {
			closeRun()
			return
		}
		if open == nil {
			open = &run{from: from, units: us}
		}
		open.to = to
	})
	closeRun()
}

// unitsAt lists the units p lies in: the city, its areas of the rule's
// levels, its grid cell.
func (ct *corridorTally) unitsAt(p orb.Point) []int {
	out := []int{0}
	ct.areas.Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
		if i, ok := ct.unitIdx[f.ID]; ok && i > 0 && geo.Contains(f.Geom, p) {
			out = append(out, i)
		}
		return true
	})
	if ct.a.cells != nil {
		if i, ok := ct.unitIdx[ct.a.cells.g.At(p).ID()]; ok && i > 0 {
			out = append(out, i)
		}
	}
	return out
}

// covered reports whether the segment p–q meets a target polygon.
func (ct *corridorTally) covered(p, q orb.Point) bool {
	b := orb.Bound{Min: p, Max: p}.Extend(q)
	hit := false
	ct.green.Search(b, func(f *geo.Feature) bool {
		if ct.r.Target.Match(f) && segmentMeets(f.Geom, p, q) {
			hit = true
			return false
		}
		return true
	})
	return hit
}

// walkLine calls fn for each step of a line: the step's middle point, the
// line's unit direction there in metres (east, north), and the step's
// start and end in metres from the line's start.
func walkLine(l orb.LineString, step float64, fn func(p, dir orb.Point, from, to float64)) {
	pos := 0.0
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		seg := geo.Distance(a, b)
		if seg == 0 {
			continue
		}
		kx, ky := math.Cos(a[1]*math.Pi/180)*111195.08, 111195.08
		dx, dy := (b[0]-a[0])*kx, (b[1]-a[1])*ky
		n := math.Hypot(dx, dy)
		dir := orb.Point{dx / n, dy / n}
		for s := 0.0; s < seg; s += step {
			e := math.Min(seg, s+step)
			t := (s + e) / 2 / seg
			fn(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, dir, pos+s, pos+e)
		}
		pos += seg
	}
}

// subLine returns the part of l between two distances from its start.
func subLine(l orb.LineString, from, to float64) orb.LineString {
	var out orb.LineString
	pos := 0.0
	at := func(a, b orb.Point, t float64) orb.Point {
		return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	}
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		seg := geo.Distance(a, b)
		if seg > 0 && pos+seg >= from && pos <= to {
			if len(out) == 0 {
				out = append(out, at(a, b, math.Max(0, (from-pos)/seg)))
			}
			if pos+seg <= to {
				out = append(out, b)
			} else {
				out = append(out, at(a, b, (to-pos)/seg))
			}
		}
		pos += seg
	}
	return out
}

// segmentMeets reports whether the segment pq touches polygonal g: an end
// inside it or a crossing of one of its rings.
func segmentMeets(g orb.Geometry, p, q orb.Point) bool {
	if geo.Contains(g, p) || geo.Contains(g, q) {
		return true
	}
	var rings []orb.Ring
	switch t := g.(type) {
	case orb.Polygon:
		rings = t
	case orb.MultiPolygon:
		for _, pg := range t {
			rings = append(rings, pg...)
		}
	}
	for _, r := range rings {
		for j := 1; j < len(r); j++ {
			if segmentsCross(p, q, r[j-1], r[j]) {
				return true
			}
		}
	}
	return false
}

// segmentsCross reports whether segments ab and cd cross properly.
func segmentsCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
}
