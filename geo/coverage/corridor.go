package coverage

import (
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
func (a *Audit) corridor(snap *index.Snapshot, r *Rule) *Result {
	res := &Result{Rule: r}
	units := a.levelUnits(r)
	type tally struct{ total, covered float64 }
	sum := make([]tally, len(units))
	gaps := make([][]Gap, len(units))
	green := snap.Layer(r.Target.Layer)
	areas := snap.Layer(geo.Areas)
	unitIdx := map[int64]int{}
	for i, u := range units {
		unitIdx[u.ID] = i
	}
	unitsAt := func(p orb.Point) []int {
		out := []int{0}
		areas.Search(orb.Bound{Min: p, Max: p}, func(f *geo.Feature) bool {
			if i, ok := unitIdx[f.ID]; ok && i > 0 && geo.Contains(f.Geom, p) {
				out = append(out, i)
			}
			return true
		})
		if a.cells != nil {
			if i, ok := unitIdx[a.cells.g.At(p).ID()]; ok && i > 0 {
				out = append(out, i)
			}
		}
		return out
	}
	covered := func(p, q orb.Point) bool {
		b := orb.Bound{Min: p, Max: p}.Extend(q)
		hit := false
		green.Search(b, func(f *geo.Feature) bool {
			if r.Target.Match(f) && segmentMeets(f.Geom, p, q) {
				hit = true
				return false
			}
			return true
		})
		return hit
	}
	snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool {
		if !r.Roads.Match(f) {
			return true
		}
		var lines []orb.LineString
		switch g := f.Geom.(type) {
		case orb.LineString:
			lines = append(lines, g)
		case orb.MultiLineString:
			lines = g
		}
		for _, l := range lines {
			for _, sd := range []struct {
				name string
				sign float64
			}{{"left", 1}, {"right", -1}} {
				side, sign := sd.name, sd.sign
				type run struct {
					from, to float64
					units    []int
				}
				var open *run
				closeRun := func() {
					if open != nil && open.to-open.from > r.MaxGap {
						g := Gap{Road: f.ID, Side: side, Length: open.to - open.from, Geom: subLine(l, open.from, open.to)}
						for _, ui := range open.units {
							gaps[ui] = append(gaps[ui], g)
						}
					}
					open = nil
				}
				walkLine(l, CorridorStep, func(p orb.Point, dir orb.Point, from, to float64) {
					kx, ky := math.Cos(p[1]*math.Pi/180)*111195.08, 111195.08
					// The normal, in metres, turned into degrees.
					nx, ny := -dir[1]*sign, dir[0]*sign
					out := func(m float64) orb.Point { return orb.Point{p[0] + nx*m/kx, p[1] + ny*m/ky} }
					ok := covered(out(0), out(r.Meters))
					us := unitsAt(p)
					for _, ui := range us {
						sum[ui].total += to - from
						if ok {
							sum[ui].covered += to - from
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
		}
		return true
	})
	for i, u := range units {
		ur := &UnitResult{Unit: u, Threshold: r.Pass, Numerator: sum[i].covered, Denominator: sum[i].total, Gaps: gaps[i]}
		if sum[i].total == 0 {
			ur.NA, ur.Pass = true, true
		} else {
			ur.Value = sum[i].covered / sum[i].total
			ur.Pass = ur.Value >= r.Pass && len(ur.Gaps) == 0
		}
		res.Units = append(res.Units, ur)
	}
	return res
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
			if crosses(p, q, r[j-1], r[j]) {
				return true
			}
		}
	}
	return false
}

func crosses(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
}
