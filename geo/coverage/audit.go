package coverage

import (
	"cmp"
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
	utree rtree.RTreeG[*Unit] // the areas' units by their bounds
	pix   *parcelIndex        // the parcels by id (searchParcels finds them by bounds in snap)
	// The residents' points (residents.go), parcel by parcel, and in the
	// walk mode where each joins the network (+Inf access: nowhere).
	pts    []orb.Point
	at     []network.Loc
	access []float64
	// Where walks join each polygon target, shared by the walk rules
	// while Run runs (several rules' targets overlap), then dropped.
	shared *sharedAccess
}

// sharedAccess holds the access points of polygon targets found so far,
// and the walk rules' straight-line distances per resident point and the
// targets holding the points, found ahead by Run.
type sharedAccess struct {
	mu       sync.Mutex
	of       map[*geo.Feature][]network.Access
	straight map[*Rule][]float64
	inside   map[*Rule][]int32
	walks    int // the walk rules that have not measured yet
}

// measured tells sh that walk rule r no longer needs what was found
// ahead for it; once every walk rule has measured, the access points go
// too. A nil sh (outside Run) holds nothing.
func (sh *sharedAccess) measured(r *Rule) {
	if sh == nil {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.straight, r)
	delete(sh.inside, r)
	if sh.walks--; sh.walks <= 0 {
		sh.of = nil
	}
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
	ID         int64     // its name is the audit's ParcelName
	Point      orb.Point // inside it: where its units are found
	Geom       orb.Geometry
	Population int64
	Area       float64
	// units are the units whose polygon holds Point, city first: one list
	// shared by all the parcels in the same units (see Units).
	units *[]*Unit
	// Its residents' points are the audit's pts[first:first+count], each
	// with an equal share of them (residents.go).
	first, count int32
	ix           int32     // its index in the audit's Parcels
	PopSource    PopSource // PopGiven, PopBuilding or PopArea
}

// ParcelList is parcels by their index in an audit's Parcels, in that
// order: a million-parcel audit keeps several lists per unit and rule.
type ParcelList []int32

// IDs returns the ids of the parcels of a in l.
func (l ParcelList) IDs(a *Audit) []int64 {
	if l == nil {
		return nil
	}
	out := make([]int64, len(l))
	for k, i := range l {
		out[k] = a.Parcels[i].ID
	}
	return out
}

// ParcelName returns the name of parcel p, read from the snapshot the
// audit was made of ("" when it has none).
func (a *Audit) ParcelName(p *Parcel) string {
	if a.snap == nil {
		return ""
	}
	l := a.snap.Layer(geo.Parcels)
	if l == nil {
		return ""
	}
	f, ok := l.Get(p.ID)
	if !ok {
		return ""
	}
	return f.Text("name")
}

// Units returns the units whose polygon holds the parcel's Point, city
// first. The list is shared with other parcels: callers must not change it.
func (p *Parcel) Units() []*Unit {
	if p.units == nil {
		return nil
	}
	return *p.units
}

// Result is one rule's figures per unit.
type Result struct {
	Rule  *Rule
	Units []*UnitResult
	// Distance per parcel (walk_access, radius_coverage): metres to the
	// nearest qualifying target in the audit's mode; +Inf if none. For
	// walk_access it is the farthest of the parcel's resident points, so a
	// parcel is within a distance when all its residents are.
	Distance *PerParcel[float64]
	// Target is, for walk_access in the walk mode, the nearest target's id
	// (NoTarget if none is within Meters); nil in the straight mode.
	Target *PerParcel[int64]
	// Straight is, for walk_access, each parcel's straight-line distance
	// (its farthest point's) to the nearest target within Meters (+Inf
	// beyond).
	Straight *PerParcel[float64]
	// Share is, for walk_access, the share of each parcel's residents
	// within Meters (by its resident points); Failing lists the parcels
	// where it is below 1.
	Share *PerParcel[float64]

	// Per resident point (walk_access): distance in the audit's mode and
	// in a straight line.
	pointDist, pointStraight []float64
	target                   *nearestTargets // Target's figures

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
	Failing  ParcelList // parcels not covered (walk_access: not all their residents)
	Gaps     []Gap      // corridor breaks longer than the rule allows
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

// aheadPoints is the most resident points an audit works out the walk
// rules' straight lines, the targets holding the points and the targets'
// access points for ahead of the rules (Run).
const aheadPoints = 1 << 20

// auditWorkers bounds the rules an audit evaluates at once, each on its
// own goroutine with its own GEOS context.
const auditWorkers = 2

// Run evaluates every rule on the snapshot. The units and parcels are read
// while the walking network is built, and the walk rules' work that needs
// no network or no snapped points is done beside the building and the
// snapping; the rules then run auditWorkers at a time (the costliest
// first), their results kept in the rules' order.
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
	a := &Audit{Rules: rs, Mode: opt.Mode, Generated: time.Now().UTC(), snap: snap}
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
	a.shared = &sharedAccess{of: map[*geo.Feature][]network.Access{}, straight: map[*Rule][]float64{}, inside: map[*Rule][]int32{}}
	for i := range rs.Rules {
		if rs.Rules[i].Type == WalkAccess {
			a.shared.walks++
		}
	}
	defer func() { a.shared = nil }()
	err := a.units(snap, gridSize(opt, rs))
	if err == nil {
		err = a.residentPoints(ctx)
	}
	// The walk rules' straight-line distances and the targets holding the
	// points need no network: they are found while it is built, and the
	// targets' access points while the points are snapped to it — in
	// audits small enough (aheadPoints) that holding them all from the
	// start, while the other rules run, costs little memory.
	var ahead sync.WaitGroup
	var straightErr, accessErr error
	early := err == nil && opt.Mode == Walk && len(a.pts) <= aheadPoints
	if early {
		ahead.Add(1)
		go func() {
			defer ahead.Done()
			straightErr = recovered(func() error { return a.straightAhead(ctx, snap, rs) })
		}()
	}
	<-built
	if err != nil {
		ahead.Wait()
		return nil, err
	}
	var g *network.Graph
	if opt.Mode == Walk {
		if werr != nil {
			ahead.Wait()
			return nil, werr
		}
		g = w.Graph
		a.graph = g
		a.Network = g.String()
		if early {
			ahead.Add(1)
			go func() {
				defer ahead.Done()
				accessErr = recovered(func() error { return a.accessAhead(ctx, snap, g, rs) })
			}()
		}
		err := ctx.Err()
		if err == nil {
			err = a.snapPoints(ctx, g)
		}
		ahead.Wait()
		for _, e := range []error{err, straightErr, accessErr} {
			if e != nil {
				return nil, e
			}
		}
	}
	a.runRules(ctx, sc, snap, g, stage)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// runRules runs the audit's rules, costliest first, on auditWorkers
// goroutines with a GEOS context each, into a.Results in the rules'
// order; a rule's error (or panic) stops the audit through sc.
func (a *Audit) runRules(ctx context.Context, sc *stopCtx, snap *index.Snapshot, g *network.Graph, stage func(string)) {
	rs := a.Rules
	a.Results = make([]*Result, len(rs.Rules))
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
				releaseFreedC() // what the collector has freed of earlier rules' GEOS geometries
			}
		}()
	}
	for _, i := range costliestFirst(rs) {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
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

// costliestFirst orders the rules for the audit's workers: the rules of
// people per park area first, while little else is held (their GEOS
// unions make the most transient garbage, and the collector lets the
// heap grow to twice what is live), then the corridors and the walk
// rules (so that what Run found ahead for them, access points and
// straight-line distances, is dropped before the radius rule), the
// rest after, each sort longest first so that the last to finish is a
// short one.
func costliestFirst(rs *RuleSet) []int {
	cost := map[string]int{PerCapita: 6, Corridor: 5, WalkAccess: 4, RadiusCoverage: 3, AreaRatio: 1}
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
	// Parcels in the same units share one list of them (its capacity its
	// length, so an append copies it): a city has far fewer combinations
	// of units than parcels.
	type unitsKey [4]*Unit
	shared := map[unitsKey]*[]*Unit{}
	var us []*Unit
	var err error
	a.Parcels = make([]*Parcel, 0, snap.Layer(geo.Parcels).Len())
	snap.Layer(geo.Parcels).Scan(func(f *geo.Feature) bool {
		if a.Attribution == "" && strings.HasPrefix(f.Source, "osm") {
			a.Attribution = "© OpenStreetMap contributors"
		}
		p := &Parcel{ID: f.ID, Point: network.Inside(f.Geom), Geom: f.Geom, Population: f.Int("population"),
			PopSource: popSource(f.Text("pop_source"), f.Text("kind")), Area: f.Float("area_m2")}
		a.Sources.add(p)
		us = append(us[:0], city)
		areasLayer.Search(orb.Bound{Min: p.Point, Max: p.Point}, func(af *geo.Feature) bool {
			if geo.Contains(af.Geom, p.Point) {
				us = append(us, byID[af.ID])
			}
			return true
		})
		// Coarsest first, as a.Units: not the R-tree's order.
		slices.SortFunc(us[1:], func(x, y *Unit) int {
			return cmp.Or(cmp.Compare(rank[x.Level], rank[y.Level]), cmp.Compare(x.ID, y.ID))
		})
		if a.cells != nil {
			us = append(us, a.cells.at(p.Point))
		}
		var k unitsKey
		if len(us) > len(k) {
			l := slices.Clip(slices.Clone(us))
			p.units = &l
		} else {
			copy(k[:], us)
			if p.units = shared[k]; p.units == nil {
				l := slices.Clip(slices.Clone(us))
				p.units = &l
				shared[k] = p.units
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
		return true
	})
	if err != nil {
		return err
	}
	a.pix = newParcelIndex(a.Parcels)
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
