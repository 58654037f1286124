package coverage

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
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

// SnapLimit is how far (m) a parcel's centre or a point target may lie
// from the nearest path (farther: not reached); polygon targets are
// reached within network.AccessGap of their boundary.
const (
	SnapLimit = 1000
	// CorridorStep is the spacing (m) of the samples along a corridor road.
	CorridorStep = 10
)

// Options tune an audit.
type Options struct {
	Mode string // Walk (default) or Straight
	// GridSize is the side in metres of the management cells the audit
	// reports on when the areas layer is empty; 0: the rule set's, else
	// 1000 (1 km² cells).
	GridSize int
	// Progress, when set, hears each stage as it starts.
	Progress func(stage string)
	// Networks, when set, holds the walking networks of the roads versions
	// the audits share with walks; nil: the audit builds its own.
	Networks *network.Cache
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
	// GridSize is the side (m) of the grid cells that are the units when
	// the areas layer is empty; 0 when the units are administrative areas.
	GridSize int

	// Sources are the residents by how their numbers were obtained.
	Sources PopSources

	snap  *index.Snapshot
	cells *cellSet // the grid, when the units are its cells
	graph *network.Graph
	ptree rtree.RTreeG[*Parcel] // parcels by their bounds
	utree rtree.RTreeG[*Unit]   // the areas' units by their bounds
	byID  map[int64]*Parcel
	// The residents' points (residents.go), parcel by parcel, and in the
	// walk mode where each joins the network (+Inf access: nowhere).
	pts    []orb.Point
	at     []network.Loc
	access []float64
	// Where walks join each polygon target, shared by the walk rules
	// while Run runs (several rules' targets overlap), then dropped.
	shared *sharedAccess
}

// sharedAccess holds the access points of polygon targets found so far.
type sharedAccess struct {
	mu sync.Mutex
	of map[*geo.Feature][]network.Access
}

// Unit is an area an audit reports on: the whole city, or a district,
// subdistrict or community of the areas layer.
type Unit struct {
	ID    int64 // 0 for the city
	Name  string
	Level string // "city", "district", "subdistrict", "community" or "grid"
	Geom  orb.Geometry
	Area  float64 // m²

	ix int // its index in the audit's Units
}

// Parcel is a residential parcel as the audit sees it.
type Parcel struct {
	ID         int64
	Name       string
	Point      orb.Point // inside it: where its units are found
	Geom       orb.Geometry
	Population int64
	PopSource  string // PopGiven, PopBuilding or PopArea
	Area       float64
	Units      []*Unit // the units whose polygon holds Point, city first
	// Its residents' points are the audit's pts[first:first+count], each
	// with an equal share of them (residents.go).
	first, count int32
}

// Result is one rule's figures per unit.
type Result struct {
	Rule  *Rule
	Units []*UnitResult
	// Distance per parcel (walk_access, radius_coverage): metres to the
	// nearest qualifying target in the audit's mode; +Inf if none. For
	// walk_access it is the farthest of the parcel's resident points, so a
	// parcel is within a distance when all its residents are.
	Distance map[int64]float64
	Target   map[int64]int64 // walk_access: the nearest target's id
	// Straight is, for walk_access, each parcel's straight-line distance
	// (its farthest point's) to the nearest target within Meters (+Inf
	// beyond).
	Straight map[int64]float64
	// Share is, for walk_access, the share of each parcel's residents
	// within Meters (by its resident points); Failing lists the parcels
	// where it is below 1.
	Share map[int64]float64

	// Per resident point (walk_access): distance in the audit's mode and
	// in a straight line.
	pointDist, pointStraight []float64

	radius   *radiusState   // radius_coverage: its cells, for what-ifs
	corridor *corridorState // corridor: each road's share, for what-ifs
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
	Failing  []int64 // parcels not covered (walk_access: not all their residents)
	Gaps     []Gap   // corridor breaks longer than the rule allows
	// Sources are the unit's residents by how their numbers were obtained.
	Sources PopSources

	covered float64 // residents covered, before rounding into Covered
}

// Statuses of a unit's figure (UnitResult.Status).
const (
	StatusOK       = "ok"             // Value is the figure
	StatusNA       = "not_applicable" // nothing to measure: no Value, passes
	StatusNoTarget = "no_target"      // residents but no target: Value is infinite, fails
)

// Status tells apart the two reasons a unit's Value is no number.
func (u *UnitResult) Status() string {
	switch {
	case u.NA:
		return StatusNA
	case math.IsInf(u.Value, 1):
		return StatusNoTarget
	}
	return StatusOK
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

// auditWorkers bounds the rules an audit evaluates at once, each on its
// own goroutine with its own GEOS context.
const auditWorkers = 2

// Run evaluates every rule on the snapshot. The units and parcels are read
// while the walking network is built; the rules then run auditWorkers at a
// time (the costliest first), their results kept in the rules' order.
func Run(ctx context.Context, snap *index.Snapshot, rs *RuleSet, opt Options) (*Audit, error) {
	if opt.Mode == "" {
		opt.Mode = Walk
	}
	if opt.Mode != Walk && opt.Mode != Straight {
		return nil, fmt.Errorf("audit mode %q: want walk or straight", opt.Mode)
	}
	var mu sync.Mutex // Progress hears one stage at a time
	stage := func(s string) {
		if opt.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			opt.Progress(s)
		}
	}
	sc := &stopCtx{Context: ctx}
	ctx = sc
	a := &Audit{Rules: rs, Mode: opt.Mode, Generated: time.Now().UTC(), snap: snap, byID: map[int64]*Parcel{}}
	stage("units and parcels")
	var w *network.Walks
	var werr error
	built := make(chan struct{})
	if opt.Mode == Walk {
		stage("walking network")
		go func() {
			defer close(built)
			werr = recovered(func() (err error) {
				w, err = opt.Networks.Walks(ctx, snap.Layer(geo.Roads))
				return err
			})
		}()
	} else {
		close(built)
	}
	err := a.units(snap, gridSize(opt, rs))
	if err == nil {
		err = a.residentPoints(ctx)
	}
	<-built
	if err != nil {
		return nil, err
	}
	var g *network.Graph
	if opt.Mode == Walk {
		if werr != nil {
			return nil, werr
		}
		g = w.Graph
		a.graph = g
		a.Network = g.String()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := a.snapPoints(ctx, g); err != nil {
			return nil, err
		}
	}
	a.Results = make([]*Result, len(rs.Rules))
	a.shared = &sharedAccess{of: map[*geo.Feature][]network.Access{}}
	defer func() { a.shared = nil }()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(auditWorkers, runtime.GOMAXPROCS(0), len(rs.Rules)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gc := geos.NewContext()
			for i := range jobs {
				if ctx.Err() != nil {
					continue
				}
				r := &rs.Rules[i]
				stage("rule " + r.ID)
				var res *Result
				err := recovered(func() (err error) {
					res, err = a.rule(ctx, snap, g, gc, r)
					return err
				})
				if err != nil {
					sc.stop(fmt.Errorf("rule %s: %w", r.ID, err))
					continue
				}
				a.Results[i] = res
			}
		}()
	}
	for _, i := range costliestFirst(rs) {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// recovered runs fn, turning a panic (go-geos panics on GEOS's exceptions)
// into an error: on a goroutine of its own it would end the process.
func recovered(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}

// rule evaluates one rule (gc: the calling goroutine's GEOS context).
func (a *Audit) rule(ctx context.Context, snap *index.Snapshot, g *network.Graph, gc *geos.Context, r *Rule) (*Result, error) {
	switch r.Type {
	case WalkAccess:
		return a.walkAccess(ctx, snap, g, r)
	case RadiusCoverage:
		return a.radiusCoverage(ctx, snap, r)
	case AreaRatio, PerCapita:
		return a.areaShare(snap, gc, r)
	case ResidentsPerTarget:
		return a.residentsPerTarget(snap, r), nil
	case Corridor:
		return a.corridor(ctx, snap, r)
	}
	return nil, fmt.Errorf("unknown rule type %q", r.Type)
}

// costliestFirst orders the rules by how long their type usually takes,
// longest first, so that the last to finish is a short one.
func costliestFirst(rs *RuleSet) []int {
	cost := map[string]int{Corridor: 5, RadiusCoverage: 4, PerCapita: 3, WalkAccess: 2, AreaRatio: 1}
	order := make([]int, len(rs.Rules))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return cost[rs.Rules[order[i]].Type] > cost[rs.Rules[order[j]].Type] })
	return order
}

// stopCtx is an audit's context: its goroutines look at the deadline one
// at a time, and once a look finds it passed (or a rule fails: stop) every
// later look gives that error without asking again.
type stopCtx struct {
	context.Context
	mu  sync.Mutex
	err error
}

func (c *stopCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = c.Context.Err()
	}
	return c.err
}

// stop makes err the audit's error unless it has one.
func (c *stopCtx) stop(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// units reads the areas (with the city as a whole first) and the parcels,
// and places each parcel in the units holding its inside point. Without
// areas the units are the grid cells of gridSize metres holding parcels'
// inside points or part of their residential land.
func (a *Audit) units(snap *index.Snapshot, gridSize int) error {
	city := &Unit{Name: "city", Level: "city"}
	a.Units = append(a.Units, city)
	var areas []*Unit
	snap.Layer(geo.Areas).Scan(func(f *geo.Feature) bool {
		areas = append(areas, &Unit{ID: f.ID, Name: f.Text("name"), Level: f.Text("level"), Geom: f.Geom, Area: f.Float("area_m2")})
		return true
	})
	rank := map[string]int{"district": 1, "subdistrict": 2, "community": 3}
	sort.SliceStable(areas, func(i, j int) bool { return rank[areas[i].Level] < rank[areas[j].Level] })
	a.Units = append(a.Units, areas...)
	byID := map[int64]*Unit{}
	for _, u := range areas {
		byID[u.ID] = u
		b := u.Geom.Bound()
		a.utree.Insert(b.Min, b.Max, u)
	}
	if len(areas) == 0 {
		cs, err := newCellSet(gridSize)
		if err != nil {
			return err
		}
		a.cells, a.GridSize = cs, gridSize
	}
	areasLayer := snap.Layer(geo.Areas)
	// Parcels in the same units share one Units slice (its capacity its
	// length, so an append copies it): a city has far fewer combinations
	// of units than parcels.
	type unitsKey [4]*Unit
	shared := map[unitsKey][]*Unit{}
	var us []*Unit
	var err error
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if a.Attribution == "" && strings.HasPrefix(f.Source, "osm") {
			a.Attribution = "© OpenStreetMap contributors"
		}
		p := &Parcel{ID: f.ID, Name: f.Text("name"), Point: network.Inside(f.Geom), Geom: f.Geom, Population: f.Int("population"),
			PopSource: popSource(f.Text("pop_source"), f.Text("kind")), Area: f.Float("area_m2")}
		a.Sources.add(p)
		us = append(us[:0], city)
		areasLayer.Search(orb.Bound{Min: p.Point, Max: p.Point}, func(af *geo.Feature) bool {
			if geo.Contains(af.Geom, p.Point) {
				us = append(us, byID[af.ID])
			}
			return true
		})
		if a.cells != nil {
			us = append(us, a.cells.at(p.Point))
		}
		var k unitsKey
		if len(us) > len(k) {
			p.Units = slices.Clip(slices.Clone(us))
		} else {
			copy(k[:], us)
			if p.Units = shared[k]; p.Units == nil {
				p.Units = slices.Clip(slices.Clone(us))
				shared[k] = p.Units
			}
		}
		if a.cells != nil {
			if residentialLand(f) {
				if err = a.cells.reach(f.Geom); err != nil {
					err = fmt.Errorf("parcel %d: %w", f.ID, err)
					return false
				}
			}
		}
		a.Parcels = append(a.Parcels, p)
		a.byID[p.ID] = p
		pb := p.Geom.Bound()
		a.ptree.Insert(pb.Min, pb.Max, p)
		return true
	})
	if err != nil {
		return err
	}
	if a.cells != nil {
		areas = a.cells.units()
		a.Units = append(a.Units, areas...)
	}
	for _, u := range areas {
		if u.Level == "district" || u.Level == Grid {
			city.Area += u.Area
		}
	}
	for i, u := range a.Units {
		u.ix = i
	}
	return nil
}

// levelUnits returns the units a rule reports on: the city and the units
// of its level (all levels when it names none); grid cells stand for
// every level.
func (a *Audit) levelUnits(r *Rule) []*Unit {
	out := []*Unit{a.Units[0]}
	for _, u := range a.Units[1:] {
		if r.Level == "" || u.Level == r.Level || u.Level == Grid {
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

// straightNearest returns, per parcel (in the order of a.Parcels), the
// straight-line distance from its inside point to the nearest feature
// accepted by ok, looking no farther than limit (beyond: +Inf).
func (a *Audit) straightNearest(ctx context.Context, snap *index.Snapshot, layer string, ok func(*geo.Feature) (float64, bool), limit float64) ([]float64, error) {
	pts := make([]orb.Point, len(a.Parcels))
	for i, p := range a.Parcels {
		pts[i] = p.Point
	}
	return straightAt(ctx, snap, pts, nil, layer, ok, limit, true)
}

// byParcel is a figure per parcel (in the order of a.Parcels) by parcel id.
func (a *Audit) byParcel(v []float64) map[int64]float64 {
	out := make(map[int64]float64, len(a.Parcels))
	for i, p := range a.Parcels {
		out[p.ID] = v[i]
	}
	return out
}

// walkAccess measures every resident point (residents.go) in the audit's
// mode and in a straight line; a parcel's figure is its points'.
func (a *Audit) walkAccess(ctx context.Context, snap *index.Snapshot, g *network.Graph, r *Rule) (*Result, error) {
	ts := targets(snap, &r.Target)
	res := &Result{Rule: r, Target: map[int64]int64{}}
	straight, err := straightAt(ctx, snap, a.pts, a.starts(), r.Target.Layer, func(f *geo.Feature) (float64, bool) { return r.Meters, r.Target.Match(f) }, r.Meters, a.Mode == Straight)
	if err != nil {
		return nil, err
	}
	res.pointStraight = straight
	res.pointDist = straight
	if a.Mode == Walk {
		var srcs []network.Source
		for i, f := range ts {
			switch t := f.Geom.(type) {
			case orb.Point:
				if at, d, ok := g.Snap(t, SnapLimit); ok {
					srcs = append(srcs, network.Source{At: at, End: at.Offset, Init: d, Label: int32(i)})
				}
			default:
				for _, acc := range a.accessPoints(g, f) {
					srcs = append(srcs, acc.Source(int32(i)))
				}
			}
		}
		d, err := g.MultiContext(ctx, srcs, r.Meters)
		if err != nil {
			return nil, err
		}
		dist, labels, err := a.walked(ctx, d)
		if err != nil {
			return nil, err
		}
		// A point inside a qualifying target is at it, 0 m (inside.go).
		ti := newTargetIndex(ts)
		for i, pt := range a.pts {
			if i%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if k, in := ti.holding(pt); in {
				dist[i], labels[i] = 0, k
			}
		}
		res.pointDist = dist
		for _, p := range a.Parcels {
			best := -1
			for i := p.first; i < p.first+p.count; i++ {
				if labels[i] >= 0 && (best < 0 || dist[i] < dist[best]) {
					best = int(i)
				}
			}
			if best >= 0 {
				res.Target[p.ID] = ts[labels[best]].ID
			}
		}
	}
	far, share := a.perParcel(res.pointDist, r.Meters)
	straightFar, straightShare := a.perParcel(straight, r.Meters)
	res.Distance, res.Share, res.Straight = a.byParcel(far), a.byParcel(share), a.byParcel(straightFar)
	res.Units = a.shares(r, r.Pass, func(i int) float64 { return share[i] }, true)
	// The straight-line share beside it.
	straightCovered := make([]float64, len(a.Units))
	a.eachUnit(res.Units, func(i int, p *Parcel, ur *UnitResult) {
		straightCovered[ur.Unit.ix] += float64(p.Population) * straightShare[i]
	})
	for _, ur := range res.Units {
		if ur.Residents > 0 {
			ur.Straight = straightCovered[ur.Unit.ix] / float64(ur.Residents)
		}
	}
	return res, nil
}

// accessPoints returns where walks join polygon target f (g.AccessPoints),
// found once for all the walk rules of Run.
func (a *Audit) accessPoints(g *network.Graph, f *geo.Feature) []network.Access {
	sh := a.shared
	if sh == nil { // outside Run (what-ifs): nothing to share
		return g.AccessPoints(f.Geom, network.AccessGap, false)
	}
	sh.mu.Lock()
	acc, ok := sh.of[f]
	sh.mu.Unlock()
	if ok {
		return acc
	}
	acc = g.AccessPoints(f.Geom, network.AccessGap, false)
	sh.mu.Lock()
	sh.of[f] = acc
	sh.mu.Unlock()
	return acc
}

// eachUnit calls fn for every parcel (i: its index in a.Parcels) and every
// one of urs whose unit holds it, in one pass over the parcels.
func (a *Audit) eachUnit(urs []*UnitResult, fn func(i int, p *Parcel, ur *UnitResult)) {
	byUnit := make([]*UnitResult, len(a.Units))
	for _, ur := range urs {
		byUnit[ur.Unit.ix] = ur
	}
	for i, p := range a.Parcels {
		for _, u := range p.Units {
			if ur := byUnit[u.ix]; ur != nil {
				fn(i, p, ur)
			}
		}
	}
}

// addResidents sums each unit's residents and residential land.
func (a *Audit) addResidents(urs []*UnitResult) {
	a.eachUnit(urs, func(_ int, p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
		ur.Sources.add(p)
	})
}

// shares sums residents and land per unit and the part of each covered
// (covered gives a parcel's share, 0–1, by its index in a.Parcels); the
// value is the residents' share (byResidents) or the land's.
func (a *Audit) shares(r *Rule, pass float64, covered func(int) float64, byResidents bool) []*UnitResult {
	var out []*UnitResult
	for _, u := range a.levelUnits(r) {
		out = append(out, &UnitResult{Unit: u, Threshold: pass})
	}
	a.eachUnit(out, func(i int, p *Parcel, ur *UnitResult) {
		ur.Residents += p.Population
		ur.Land += p.Area
		ur.Sources.add(p)
		c := covered(i)
		ur.covered += float64(p.Population) * c
		ur.LandCovered += p.Area * c
		if c < 1 {
			ur.Failing = append(ur.Failing, p.ID)
		}
	})
	for _, ur := range out {
		ur.Covered = int64(math.Round(ur.covered))
		if byResidents {
			ur.Numerator, ur.Denominator = ur.covered, float64(ur.Residents)
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

// residentsPerTarget: residents in the unit ÷ targets in it. Each target
// is placed once in the units holding its first point.
func (a *Audit) residentsPerTarget(snap *index.Snapshot, r *Rule) *Result {
	res := &Result{Rule: r}
	ts := targets(snap, &r.Target)
	var urs []*UnitResult
	for _, u := range a.levelUnits(r) {
		urs = append(urs, &UnitResult{Unit: u, Threshold: r.Max})
	}
	a.addResidents(urs)
	count := make(map[*Unit]int, len(urs))
	for _, f := range ts {
		a.unitsHolding(firstPoint(f.Geom), func(u *Unit) { count[u]++ })
	}
	for _, ur := range urs {
		n := count[ur.Unit]
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
