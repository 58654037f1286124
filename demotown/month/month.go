// Package month generates a month of cases for the demo town, so that the
// case board, the units' pages and the assessment show something at once.
// Every case goes through the workflow (package cases) with a clock set to
// its generated times, auto-dispatched to the unit of its zone
// (cases/zones), so its history is one the service could have written.
// The same seed, end and town give the same cases, events and ids.
package month

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Options select the month.
type Options struct {
	Seed int64
	// End is when the month ends (now, for a demo): cases are reported in
	// the 30 days before it, and no step is taken after it.
	End time.Time
	// PerDay is the mean number of reports a day.
	PerDay int
}

// PerDay is the mean number of reports a day for each town size.
var PerDay = map[string]int{"small": 5, "city": 15, "metro": 60}

// Layers are the layers Write reads from its snapshot: the places of
// cases, the zones, and the town's extent.
var Layers = []string{geo.Green, geo.Waste, geo.Zones, geo.Areas}

// Days is the length of the month.
const Days = 30

// Stats counts what Write did.
type Stats struct {
	Cases  int
	States map[string]int // cases per final state
	Steps  int            // steps after the reports
}

// Actors of the demo.
var (
	inspectors = []string{"巡查员01", "巡查员02", "巡查员03", "巡查员04", "巡查员05", "巡查员06"}
	dispatcher = cases.Actor{Name: "值班长1", Role: cases.RoleDispatcher}
)

// step is one planned step of one case.
type step struct {
	at   time.Time
	c    int // the plan's index
	kind string
}

// plan is one case as generated.
type plan struct {
	at       time.Time
	category string
	point    orb.Point
	desc     string
	source   string
	reporter string
	id       int64 // once reported
	version  int64
	unit     string
	dead     bool // merged, rejected or left waiting: no more steps
}

// Write reports and steps a month of cases into st, finding zones and
// places in snap (the demo town as stored). The service's catalog gives
// the categories and deadlines.
func Write(ctx context.Context, st store.Cases, snap *index.Snapshot, cat *cases.Catalog, opt Options) (Stats, error) {
	stats := Stats{States: map[string]int{}}
	if opt.PerDay <= 0 {
		return stats, errors.New("month: PerDay must be positive")
	}
	finder, err := zones.New(func() *index.Snapshot { return snap }, 0)
	if err != nil {
		return stats, err
	}
	bound, ok := townBound(snap)
	if !ok {
		return stats, errors.New("month: the town is empty")
	}
	var now time.Time
	svc := &cases.Service{Store: st, Catalog: cat, Zones: finder, Clock: func() time.Time { return now }, Bound: bound}
	photo := demoPhoto()

	plans, steps := generate(snap, bound, cat, opt)
	for i, s := range steps {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
		}
		p := &plans[s.c]
		if p.dead {
			continue
		}
		now = s.at
		var c *store.Case
		var err error
		switch s.kind {
		case cases.ActReport:
			who := cases.Actor{Name: p.reporter, Role: cases.RoleInspector}
			if p.source == "citizen" {
				who = cases.Actor{Name: "市民", Role: store.RolePublic}
			}
			if p.source == "12345" {
				who = cases.Actor{Name: "12345热线", Role: cases.RoleDispatcher}
			}
			c, err = svc.Report(ctx, who, cases.Report{Category: p.category, Point: p.point, Description: p.desc, Source: p.source,
				Contact: contact(s.c, p.source)})
			if err == nil {
				stats.Cases++
			}
		case cases.ActRegister:
			c, err = svc.Register(ctx, dispatcher, p.id, p.version, cases.Step{Note: "立案"})
			if err == nil && c.State != cases.Dispatched {
				p.dead = true // merged into an open case, or no unit
			}
		case cases.ActReject:
			c, err = svc.Take(ctx, dispatcher, p.id, p.version, cases.Step{Action: cases.ActReject, Note: "不属于园林绿化和环境卫生管理范围"})
			p.dead = true
		case cases.ActHandle:
			c, err = svc.Take(ctx, unitActor(p.unit), p.id, p.version, cases.Step{Action: cases.ActHandle, Note: "已处置完毕", Photos: []store.Photo{photo}})
		case cases.ActSendBack:
			c, err = svc.Take(ctx, cases.Actor{Name: p.reporter, Role: cases.RoleInspector}, p.id, p.version, cases.Step{Action: cases.ActSendBack, Note: "现场复查未整改到位"})
		case cases.ActVerify:
			c, err = svc.Take(ctx, cases.Actor{Name: p.reporter, Role: cases.RoleInspector}, p.id, p.version, cases.Step{Action: cases.ActVerify, Note: "复查合格", Photos: []store.Photo{photo}})
		case cases.ActClose:
			c, err = svc.Take(ctx, dispatcher, p.id, p.version, cases.Step{Action: cases.ActClose, Note: "结案"})
		}
		if err != nil {
			return stats, fmt.Errorf("month: case %d (%s at %s): %w", s.c+1, s.kind, s.at.Format(time.RFC3339), err)
		}
		if s.kind != cases.ActReport {
			stats.Steps++
		}
		p.id, p.version, p.unit = c.ID, c.Version, c.Unit
	}
	for _, p := range plans {
		if p.id == 0 {
			continue
		}
		c, err := st.GetCase(ctx, p.id)
		if err != nil {
			return stats, err
		}
		stats.States[c.State]++
	}
	return stats, nil
}

func unitActor(unit string) cases.Actor {
	return cases.Actor{Name: unit + "值班员", Role: cases.RoleUnit, Unit: unit}
}

func contact(k int, source string) string {
	if source == "inspector" {
		return ""
	}
	return fmt.Sprintf("139%08d", (k*7919)%100000000)
}

// townBound is the bound of the town's layers in snap (street furniture
// on its outer streets lies beyond its areas).
func townBound(snap *index.Snapshot) (orb.Bound, bool) {
	var b orb.Bound
	ok := false
	for _, sc := range geo.Schemas {
		if l := snap.Layer(sc.ID); l != nil {
			if lb, has := l.Bound(); has {
				if ok {
					b = b.Union(lb)
				} else {
					b, ok = lb, true
				}
			}
		}
	}
	return b, ok
}

// features lists a layer's features in id order.
func features(snap *index.Snapshot, layer string) []*geo.Feature {
	var out []*geo.Feature
	if l := snap.Layer(layer); l != nil {
		l.Scan(func(f *geo.Feature) bool { out = append(out, f); return true })
	}
	return out
}

// generate plans the month: the cases in report order and every step of
// them, in time order.
func generate(snap *index.Snapshot, bound orb.Bound, cat *cases.Catalog, opt Options) ([]plan, []step) {
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0x6d6f6e7468)) // "month"
	green, waste, zs := features(snap, geo.Green), features(snap, geo.Waste), features(snap, geo.Zones)
	var greening, sanitation []*cases.Category
	for i := range cat.Categories {
		c := &cat.Categories[i]
		if c.Group == "greening" {
			greening = append(greening, c)
		} else {
			sanitation = append(sanitation, c)
		}
	}
	end := opt.End.UTC().Truncate(time.Millisecond)
	start := end.Add(-Days * 24 * time.Hour)
	n := opt.PerDay * Days
	plans := make([]plan, 0, n)
	var steps []step
	for k := 0; k < n; k++ {
		// Reports between 07:00 and 19:00 Beijing time (UTC+8).
		day := start.Truncate(24 * time.Hour).Add(time.Duration(r.IntN(Days)) * 24 * time.Hour)
		at := day.Add(-8*time.Hour + 7*time.Hour + time.Duration(r.Int64N(int64(12*time.Hour))))
		at = at.Truncate(time.Second)
		if at.Before(start) || !at.Before(end) {
			continue
		}
		p := plan{at: at, reporter: inspectors[r.IntN(len(inspectors))], source: "inspector"}
		switch x := r.Float64(); {
		case x < 0.15:
			p.source = "citizen"
		case x < 0.25:
			p.source = "12345"
		}
		var c *cases.Category
		var place *geo.Feature
		switch {
		case r.Float64() < 0.5 && len(greening) > 0 && len(green) > 0:
			c, place = greening[r.IntN(len(greening))], green[r.IntN(len(green))]
		case len(sanitation) > 0 && len(waste) > 0:
			c, place = sanitation[r.IntN(len(sanitation))], waste[r.IntN(len(waste))]
		case len(zs) > 0:
			c, place = &cat.Categories[r.IntN(len(cat.Categories))], zs[r.IntN(len(zs))]
		default:
			continue
		}
		p.category = c.Code
		p.point = zones.Inside(place.Geom)
		if q := jitter(r, p.point); bound.Contains(q) {
			p.point = q
		}
		name := place.Text("name")
		if name == "" {
			name = "附近"
		}
		p.desc = name + " " + c.Zh
		plans = append(plans, p)
		steps = append(steps, fate(r, len(plans)-1, p.at, c, end)...)
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		if d := a.at.Compare(b.at); d != 0 {
			return d
		}
		return a.c - b.c
	})
	return plans, steps
}

// jitter moves p up to about 10 m, so that reports of one place differ.
func jitter(r *rand.Rand, p orb.Point) orb.Point {
	return orb.Point{p[0] + (r.Float64()-0.5)*2e-4, p[1] + (r.Float64()-0.5)*2e-4}
}

// fate plans the steps of case k reported at at: most are registered,
// dispatched, handled, verified and closed within the category's
// deadline, some late (overdue), some sent back once (re-opened), a few
// rejected or left at a step; steps after end are not taken, so recent
// cases are still open.
func fate(r *rand.Rand, k int, at time.Time, c *cases.Category, end time.Time) []step {
	out := []step{{at, k, cases.ActReport}}
	add := func(t time.Time, kind string) bool {
		t = t.Truncate(time.Second)
		if !t.Before(end) {
			return false
		}
		out = append(out, step{t, k, kind})
		return true
	}
	hours := func(lo, hi float64) time.Duration {
		return time.Duration((lo + r.Float64()*(hi-lo)) * float64(time.Hour))
	}
	switch x := r.Float64(); {
	case x < 0.06:
		add(at.Add(hours(0.5, 4)), cases.ActReject)
		return out
	case x < 0.09:
		return out // never registered: waiting for a dispatcher
	}
	reg := at.Add(hours(0.2, 2))
	if !add(reg, cases.ActRegister) {
		return out
	}
	// Closed after total: within the deadline, or late.
	deadline := time.Duration(c.DeadlineHours) * time.Hour
	total := time.Duration(float64(deadline) * (0.3 + 0.6*r.Float64()))
	if r.Float64() < 0.1 {
		total = deadline + hours(2, 48)
	}
	when := func(f float64) time.Time { return reg.Add(time.Duration(f * float64(total))) }
	stop := r.Float64() // where a case stops short of closure
	if stop < 0.04 {
		return out // the unit has not acted yet
	}
	if r.Float64() < 0.15 {
		if !add(when(0.35), cases.ActHandle) || !add(when(0.5), cases.ActSendBack) {
			return out
		}
	}
	if !add(when(0.7), cases.ActHandle) || stop < 0.06 {
		return out
	}
	if !add(when(0.85), cases.ActVerify) || stop < 0.08 {
		return out
	}
	add(when(1), cases.ActClose)
	return out
}

// demoPhoto is a small PNG standing for a photo taken on site.
func demoPhoto() store.Photo {
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for y := 0; y < 12; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{R: uint8(40 + 4*y), G: uint8(120 + 6*x), B: 60, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // an in-memory image always encodes
	}
	return store.Photo{Type: "image/png", Data: b.Bytes()}
}
