package coverage

import (
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// refCorridor is the corridor rule as it was before issue 22 made it fast
// (commit d62e27b), kept as the oracle its figures are checked against:
// every step of every road side searches the areas and the green for the
// units it lies in and the targets its reach meets.
func (a *Audit) refCorridor(snap *index.Snapshot, r *Rule) []*UnitResult {
	units := a.levelUnits(r)
	ct := a.refNewTally(snap, r, units)
	snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool {
		if !r.Roads.Match(f) {
			return true
		}
		ct.road = &corridorRoad{f: f, sum: make([]corridorSum, len(units))}
		ct.refSides(f)
		return true
	})
	var out []*UnitResult
	for i, u := range units {
		ur := &UnitResult{Unit: u, Threshold: r.Pass, Numerator: ct.sum[i].covered, Denominator: ct.sum[i].total, Gaps: ct.gaps[i]}
		if ct.sum[i].total == 0 {
			ur.NA, ur.Pass = true, true
		} else {
			ur.Value = ct.sum[i].covered / ct.sum[i].total
			ur.Pass = ur.Value >= r.Pass && len(ur.Gaps) == 0
		}
		out = append(out, ur)
	}
	return out
}

func (a *Audit) refNewTally(snap *index.Snapshot, r *Rule, units []*Unit) *refTally {
	ct := &refTally{a: a, r: r, green: snap.Layer(r.Target.Layer), areas: snap.Layer(geo.Areas), unitIdx: map[int64]int{},
		sum: make([]corridorSum, len(units)), gaps: make([][]Gap, len(units))}
	for i, u := range units {
		ct.unitIdx[u.ID] = i
	}
	return ct
}

// refSides tallies both sides of every line of road f.
func (ct *refTally) refSides(f *geo.Feature) {
	var lines []orb.LineString
	switch g := f.Geom.(type) {
	case orb.LineString:
		lines = append(lines, g)
	case orb.MultiLineString:
		lines = g
	}
	for _, l := range lines {
		ct.refSide(f.ID, l, "left", 1)
		ct.refSide(f.ID, l, "right", -1)
	}
}

// refTally sums a corridor rule's road sides per unit (indexes into
// the rule's units, the city first) and gathers their gaps.
type refTally struct {
	a            *Audit
	r            *Rule
	green, areas *index.Layer
	unitIdx      map[int64]int // unit id → index
	sum          []corridorSum
	gaps         [][]Gap
	road         *corridorRoad // the road being walked: its own share
}

// refSide walks one side of road line l (sign 1: left, -1: right) step by
// step, summing its length and the covered length in the units each step
// lies in, and listing the runs without green longer than MaxGap as gaps
// of the units where they begin.
func (ct *refTally) refSide(road int64, l orb.LineString, side string, sign float64) {
	type run struct {
		from, to float64
		units    []int
	}
	var open *run
	closeRun := func() {
		if open != nil && open.to-open.from > ct.r.MaxGap {
			g := Gap{Road: road, Side: side, Length: open.to - open.from, Geom: refSubLine(l, open.from, open.to)}
			for _, ui := range open.units {
				ct.gaps[ui] = append(ct.gaps[ui], g)
				ct.road.gaps = append(ct.road.gaps, unitGap{ui, g})
			}
		}
		open = nil
	}
	refWalkLine(l, CorridorStep, func(p orb.Point, dir orb.Point, from, to float64) {
		kx, ky := math.Cos(p[1]*math.Pi/180)*111195.08, 111195.08
		// The normal, in metres, turned into degrees.
		nx, ny := -dir[1]*sign, dir[0]*sign
		out := func(m float64) orb.Point { return orb.Point{p[0] + nx*m/kx, p[1] + ny*m/ky} }
		ok := ct.refCovered(out(0), out(ct.r.Meters))
		us := ct.refUnitsAt(p)
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

// refUnitsAt lists the units p lies in: the city, its areas of the rule's
// levels, its grid cell.
func (ct *refTally) refUnitsAt(p orb.Point) []int {
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

// refCovered reports whether the segment p–q meets a target polygon.
func (ct *refTally) refCovered(p, q orb.Point) bool {
	b := orb.Bound{Min: p, Max: p}.Extend(q)
	hit := false
	ct.green.Search(b, func(f *geo.Feature) bool {
		if ct.r.Target.Match(f) && refSegmentMeets(f.Geom, p, q) {
			hit = true
			return false
		}
		return true
	})
	return hit
}

// refWalkLine calls fn for each step of a line: the step's middle point, the
// line's unit direction there in metres (east, north), and the step's
// start and end in metres from the line's start.
func refWalkLine(l orb.LineString, step float64, fn func(p, dir orb.Point, from, to float64)) {
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

// refSubLine returns the part of l between two distances from its start.
func refSubLine(l orb.LineString, from, to float64) orb.LineString {
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

// refSegmentMeets reports whether the segment pq touches polygonal g: an end
// inside it or a crossing of one of its rings.
func refSegmentMeets(g orb.Geometry, p, q orb.Point) bool {
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
			if refSegmentsCross(p, q, r[j-1], r[j]) {
				return true
			}
		}
	}
	return false
}

// refSegmentsCross reports whether segments ab and cd cross properly.
func refSegmentsCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
}
