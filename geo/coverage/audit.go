package coverage

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
	"github.com/twpayne/go-geos"
)

// Modes of measuring distance for walk_access rules.
const (
	Walk     = "walk"     // along the walking network
	Straight = "straight" // in a straight line, as the standards' radii do
)

// AccessGap is how far (m) a path may pass from a polygon target's
// boundary and still reach it; SnapLimit how far a parcel's centre or a
// point target may lie from the nearest path (farther: not reached).
const (
	AccessGap = 20
	SnapLimit = 1000
	// CorridorStep is the spacing (m) of the samples along a corridor road.
	CorridorStep = 10
)

// Options tune an audit.
type Options struct {
	Mode string // Walk (default) or Straight
	// Progress, when set, hears each stage as it starts.
	Progress func(stage string)
}

// Audit is the evaluation of a rule set on one snapshot.
type Audit struct {
	Rules     *RuleSet
	Mode      string
	Generated time.Time
	Units     []*Unit // the city first, then districts, subdistricts, communities
	Parcels   []*Parcel
	Results   []*Result
	Network   string // a summary of the walking graph
	// Attribution is "© OpenStreetMap contributors" when OSM data is in it.
	Attribution string

	snap   *index.Snapshot
	graph  *network.Graph
	ptree  rtree.RTreeG[*Parcel] // parcels by their inside point
	byID   map[int64]*Parcel
	access map[int64]network.Loc
}

// Unit is an area an audit reports on: the whole city, or a district,
// subdistrict or community of the areas layer.
type Unit struct {
	ID    int64 // 0 for the city
	Name  string
	Level string // "city", "district", "subdistrict", "community"
	Geom  orb.Geometry
	Area  float64 // m²
}

// Parcel is a residential parcel as the audit sees it.
type Parcel struct {
	ID         int64
	Name       string
	Point      orb.Point // inside it: where its residents' walks start
	Geom       orb.Geometry
	Population int64
	Area       float64
	Units      []*Unit // the units whose polygon holds Point, city first
	at         network.Loc
	access     float64 // metres from Point to the network; +Inf: none within SnapLimit
}

// Result is one rule's figures per unit.
type Result struct {
	Rule  *Rule
	Units []*UnitResult
	// Distance per parcel (walk_access, radius_coverage): metres to the
	// nearest qualifying target in the audit's mode; +Inf if none.
	Distance map[int64]float64
	Target   map[int64]int64 // walk_access: the nearest target's id
	// Straight is, for walk_access, each parcel's straight-line distance
	// to the nearest target within Meters (+Inf beyond).
	Straight map[int64]float64

	radius *radiusState // radius_coverage: its cells, for what-ifs
}

// UnitResult is a rule's figure for one unit.
type UnitResult struct {
	Unit      *Unit
	Value     float64 // the rule's measure (see Measure)
	Threshold float64
	Pass      bool
	NA        bool // nothing to measure (no residents, no roads…): passes
	// Residents and residential land, and how much of it is covered.
	Residents, Covered int64
	Land, LandCovered  float64
	// Numerator and Denominator of Value (m², residents, metres…).
	Numerator, Denominator float64
	// Straight is, for walk_access, the share covered in a straight line,
	// to show the difference the network makes.
	Straight float64
	Failing  []int64 // parcels not covered
	Gaps     []Gap   // corridor breaks longer than the rule allows
}

// Gap is a stretch of corridor road without green on one side.
type Gap struct {
	Road   int64
	Side   string // "left" or "right" of the road's direction
	Length float64
	Geom   orb.LineString
}

// Measure names what a rule type's Value is.
func Measure(ruleType string) string {
	switch ruleType {
	case WalkAccess:
		return "share of residents"
	case RadiusCoverage:
		return "share of residential land"
	case AreaRatio:
		return "green ÷ unit area"
	case PerCapita:
		return "m² per resident"
	case ResidentsPerTarget:
		return "residents per target"
	case Corridor:
		return "share of road sides"
	}
	return ""
}

// Run evaluates every rule on the snapshot.
func Run(ctx context.Context, snap *index.Snapshot, rs *RuleSet, opt Options) (*Audit, error) {
	if opt.Mode == "" {
		opt.Mode = Walk
	}
	if opt.Mode != Walk && opt.Mode != Straight {
		return nil, fmt.Errorf("audit mode %q: want walk or straight", opt.Mode)
	}
	stage := func(s string) {
		if opt.Progress != nil {
			opt.Progress(s)
		}
	}
	a := &Audit{Rules: rs, Mode: opt.Mode, Generated: time.Now().UTC(), snap: snap, byID: map[int64]*Parcel{}}
	stage("units and parcels")
	a.units(snap)
	var g *network.Graph
	if opt.Mode == Walk {
		stage("walking network")
		var roads []*geo.Feature
		snap.Layer(geo.Roads).Scan(func(f *geo.Feature) bool { roads = append(roads, f); return true })
		g = network.Build(roads)
		a.graph = g
		a.Network = g.String()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, p := range a.Parcels {
			if i%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			p.access = math.Inf(1)
			if at, d, ok := g.Snap(p.Point, SnapLimit); ok {
				p.at, p.access = at, d
			}
		}
	}
	gc := geos.NewContext()
	for i := range rs.Rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &rs.Rules[i]
		stage("rule " + r.ID)
		var res *Result
		var err error
		switch r.Type {
		case WalkAccess:
			res, err = a.walkAccess(ctx, snap, g, r)
		case RadiusCoverage:
			res, err = a.radiusCoverage(ctx, snap, r)
		case AreaRatio, PerCapita:
			res, err = a.areaShare(snap, gc, r)
		case ResidentsPerTarget:
			res = a.residentsPerTarget(snap, r)
		case Corridor:
			res = a.corridor(snap, r)
		}
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		a.Results = append(a.Results, res)
	}
	return a, nil
}

// units reads the areas (with the city as a whole first) and the parcels,
// and places each parcel in the units holding its inside point.
func (a *Audit) units(snap *index.Snapshot) {
	city := &Unit{Name: "city", Level: "city"}
	a.Units = append(a.Units, city)
	var areas []*Unit
	snap.Layer(geo.Areas).Scan(func(f *geo.Feature) bool {
		areas = append(areas, &Unit{ID: f.ID, Name: f.String("name"), Level: f.String("level"), Geom: f.Geom, Area: f.Float("area_m2")})
		return true
	})
	rank := map[string]int{"district": 1, "subdistrict": 2, "community": 3}
	sort.SliceStable(areas, func(i, j int) bool { return rank[areas[i].Level] < rank[areas[j].Level] })
	a.Units = append(a.Units, areas...)
	byID := map[int64]*Unit{}
	for _, u := range areas {
		byID[u.ID] = u
	}
	areasLayer := snap.Layer(geo.Areas)
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if a.Attribution == "" && strings.HasPrefix(f.Source, "osm") {
			a.Attribution = "© OpenStreetMap contributors"
		}
		p := &Parcel{ID: f.ID, Name: f.String("name"), Point: network.Inside(f.Geom), Geom: f.Geom, Population: f.Int("population"), Area: f.Float("area_m2"), Units: []*Unit{city}}
		areasLayer.Search(orb.Bound{Min: p.Point, Max: p.Point}, func(af *geo.Feature) bool {
			if geo.Contains(af.Geom, p.Point) {
				p.Units = append(p.Units, byID[af.ID])
			}
			return true
		})
		a.Parcels = append(a.Parcels, p)
		a.byID[p.ID] = p
		a.ptree.Insert(p.Point, p.Point, p)
		return true
	})
	for _, u := range areas {
		if u.Level == "district" {
			city.Area += u.Area
		}
	}
}

// levelUnits returns the units a rule reports on: the city and the units
// of its level (all levels when it names none).
func (a *Audit) levelUnits(r *Rule) []*Unit {
	out := []*Unit{a.Units[0]}
	for _, u := range a.Units[1:] {
		if r.Level == "" || u.Level == r.Level {
			out = append(out, u)
		}
	}
	return out
}

// targets returns the features of the rule's target that match its filter.
func targets(snap *index.Snapshot, fl *Filter) []*geo.Feature {
	var out []*geo.Feature
	snap.Layer(fl.Layer).Scan(func(f *geo.Feature) bool {
		if fl.Match(f) {
			out = append(out, f)
		}
		return true
	})
	return out
}

// straightNearest returns, per parcel, the straight-line distance from its
// inside point to the nearest feature accepted by ok, looking no farther
// than limit (beyond: +Inf).
func (a *Audit) straightNearest(ctx context.Context, snap *index.Snapshot, layer string, ok func(*geo.Feature) (float64, bool), limit float64) (map[int64]float64, error) {
	out := make(map[int64]float64, len(a.Parcels))
	l := snap.Layer(layer)
	type cand struct {
		approx, radius float64
		q              orb.Point
	}
	var cs []cand
	for i, p := range a.Parcels {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		kx, ky := math.Cos(p.Point[1]*math.Pi/180)*111195.08, 111195.08
		cs = cs[:0]
		bestApprox := math.Inf(1)
		l.SearchBounds(geo.RadiusBound(p.Point, limit), func(f *geo.Feature, fb orb.Bound) bool {
			radius, yes := ok(f)
			if !yes {
				return true
			}
			// Candidates by their distance in the plane centred on the
			// parcel; only the nearest few are measured geodesically.
			var q orb.Point
			if fb.Contains(p.Point) {
				q = geo.ClosestPoint(p.Point, f.Geom)
			} else {
				q = geo.ClosestOnBoundary(p.Point, f.Geom)
			}
			dx, dy := (q[0]-p.Point[0])*kx, (q[1]-p.Point[1])*ky
			approx := math.Hypot(dx, dy)
			if approx <= 1.01*radius+1 {
				cs = append(cs, cand{approx, radius, q})
				bestApprox = math.Min(bestApprox, approx)
			}
			return true
		})
		best := math.Inf(1)
		for _, c := range cs {
			if c.approx > 1.01*bestApprox+1 && c.approx > 1.01*best+1 {
				continue
			}
			if d := geo.Distance(p.Point, c.q); d <= c.radius && d < best {
				best = d
			}
		}
		out[p.ID] = best
	}
	return out, nil
}

func (a *Audit) walkAccess(ctx context.Context, snap *index.Snapshot, g *network.Graph, r *Rule) (*Result, error) {
	ts := targets(snap, &r.Target)
	res := &Result{Rule: r, Distance: map[int64]float64{}, Target: map[int64]int64{}}
	straight, err := a.straightNearest(ctx, snap, r.Target.Layer, func(f *geo.Feature) (float64, bool) { return r.Meters, r.Target.Match(f) }, r.Meters)
	if err != nil {
		return nil, err
	}
	res.Straight = straight
	if a.Mode == Straight {
		res.Distance = straight
	} else {
		var srcs []network.Source
		for i, f := range ts {
			switch t := f.Geom.(type) {
			case orb.Point:
				if at, d, ok := g.Snap(t, SnapLimit); ok {
					srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: d, Label: int32(i)})
				}
			default:
				for _, acc := range g.AccessPoints(t, AccessGap, false) {
					srcs = append(srcs, acc.Source(int32(i)))
				}
			}
		}
		d, err := g.MultiContext(ctx, srcs, r.Meters)
		if err != nil {
			return nil, err
		}
		for _, p := range a.Parcels {
			dist := math.Inf(1)
			if !math.IsInf(p.access, 1) {
				w, label := d.To(p.at)
				if label >= 0 {
					dist = w + p.access
					res.Target[p.ID] = ts[label].ID
				}
			}
			res.Distance[p.ID] = dist
		}
	}
	res.Units = a.shares(r, r.Pass, func(p *Parcel) bool { return res.Distance[p.ID] <= r.Meters }, true)
	// The straight-line share beside it.
	straightCovered := map[*UnitResult]int64{}
	a.eachUnit(res.Units, func(p *Parcel, ur *UnitResult) {
		if straight[p.ID] <= r.Meters {
			straightCovered[ur] += p.Population
		}
	})
	for _, ur := range res.Units {
		if ur.Residents > 0 {
			ur.Straight = float64(straightCovered[ur]) / float64(ur.Residents)
		}
	}
	return res, nil
}

// eachUnit calls fn for every parcel and every one of urs whose unit holds
// it, in one pass over the parcels.
func (a *Audit) eachUnit(urs []*UnitResult, fn func(*Parcel, *UnitResult)) {
	byUnit := make(map[*Unit]*UnitResult, len(urs))
	for _, ur := range urs {
		byUnit[ur.Unit] = ur
	}
	for _, p := range a.Parcels {
		for _, u := range p.Units {
			if ur, ok := byUnit[u]; ok {
				fn(p, ur)
			}
		}
	}
}

// addResidents sums each unit's residents and residential land.
func (a *Audit) addResidents(urs []*UnitResult) {
	a.eachUnit(urs, func(p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
	})
}

// shares sums residents and land per unit, covered or not; the value is
// the residents' share (byResidents) or the land's.
func (a *Audit) shares(r *Rule, pass float64, covered func(*Parcel) bool, byResidents bool) []*UnitResult {
	var out []*UnitResult
	for _, u := range a.levelUnits(r) {
		out = append(out, &UnitResult{Unit: u, Threshold: pass})
	}
	a.eachUnit(out, func(p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
		if covered(p) {
			ur.Covered += p.Population
			ur.LandCovered += p.Area
		} else {
			ur.Failing = append(ur.Failing, p.ID)
		}
	})
	for _, ur := range out {
		if byResidents {
			ur.Numerator, ur.Denominator = float64(ur.Covered), float64(ur.Residents)
		} else {
			ur.Numerator, ur.Denominator = ur.LandCovered, ur.Land
		}
		if ur.Denominator == 0 {
			ur.NA, ur.Pass = true, true
		} else {
			ur.Value = ur.Numerator / ur.Denominator
			ur.Pass = ur.Value >= pass
		}
	}
	return out
}

// checkEvery is how many parcels a loop passes between looks at its
// context's deadline.
const checkEvery = 4096

// areaShare: area_ratio (target area inside the unit ÷ the unit's area)
// and per_capita (target area inside the unit ÷ its residents).
func (a *Audit) areaShare(snap *index.Snapshot, gc *geos.Context, r *Rule) (*Result, error) {
	res := &Result{Rule: r}
	l := snap.Layer(r.Target.Layer)
	units := a.levelUnits(r)
	urs := make([]*UnitResult, len(units))
	for i, u := range units {
		urs[i] = &UnitResult{Unit: u}
	}
	a.addResidents(urs)
	var sumNum, sumDen float64
	for _, ur := range urs[1:] {
		u := ur.Unit
		var polys []orb.Geometry
		l.Search(u.Geom.Bound(), func(f *geo.Feature) bool {
			if r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
			return true
		})
		num, err := overlapArea(gc, u.Geom, polys)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.Level, u.Name, err)
		}
		ur.Numerator = num
		a.finishShare(r, ur)
		sumNum += num
		sumDen += ur.Denominator
		res.Units = append(res.Units, ur)
	}
	city := urs[0]
	city.Numerator = sumNum
	if r.Type == PerCapita {
		// All the target area there is, whatever units exist.
		var polys []orb.Geometry
		l.Scan(func(f *geo.Feature) bool {
			if r.Target.Match(f) {
				polys = append(polys, f.Geom)
			}
			return true
		})
		num, err := overlapArea(gc, nil, polys)
		if err != nil {
			return nil, fmt.Errorf("city: %w", err)
		}
		city.Numerator = num
	}
	a.finishShare(r, city)
	if r.Type == AreaRatio {
		city.Denominator = sumDen // the units' own areas, summed
		city.NA = sumDen == 0
		if !city.NA {
			city.Value = sumNum / sumDen
			city.Pass = city.Value >= r.Min
		}
	}
	res.Units = append([]*UnitResult{city}, res.Units...)
	return res, nil
}

func (a *Audit) finishShare(r *Rule, ur *UnitResult) {
	ur.Threshold = r.Min
	if r.Type == AreaRatio {
		ur.Denominator = ur.Unit.Area
	} else {
		ur.Denominator = float64(ur.Residents)
	}
	if ur.Denominator == 0 {
		ur.NA, ur.Pass = true, true
		return
	}
	ur.Value = ur.Numerator / ur.Denominator
	ur.Pass = ur.Value >= r.Min
	if r.Type == PerCapita {
		ur.Pass = ur.Value > r.Min // "more than 8 m²"
	}
}

// residentsPerTarget: residents in the unit ÷ targets in it.
func (a *Audit) residentsPerTarget(snap *index.Snapshot, r *Rule) *Result {
	res := &Result{Rule: r}
	ts := targets(snap, &r.Target)
	var urs []*UnitResult
	for _, u := range a.levelUnits(r) {
		urs = append(urs, &UnitResult{Unit: u, Threshold: r.Max})
	}
	a.addResidents(urs)
	for _, ur := range urs {
		u := ur.Unit
		n := 0
		for _, f := range ts {
			if u.Level == "city" || geo.Contains(u.Geom, firstPoint(f.Geom)) {
				n++
			}
		}
		ur.Numerator, ur.Denominator = float64(ur.Residents), float64(n)
		switch {
		case ur.Residents == 0:
			ur.NA, ur.Pass = true, true
		case n == 0:
			ur.Value, ur.Pass = math.Inf(1), false
		default:
			ur.Value = float64(ur.Residents) / float64(n)
			ur.Pass = ur.Value <= r.Max
		}
		res.Units = append(res.Units, ur)
	}
	return res
}

func firstPoint(g orb.Geometry) orb.Point {
	switch t := g.(type) {
	case orb.Point:
		return t
	}
	return g.Bound().Center()
}
