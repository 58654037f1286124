package demotown

import (
	"fmt"
	"strings"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Random stream of the zones' units (after the town's own tags, so that
// adding it changes none of their draws).
const tagZone uint64 = 100

// Units of each district, in this order, then the town's property
// companies.
const (
	unitsPerDistrict   = 3 // maintenance, sanitation, street office
	propertyCompanies  = 3
	propertyCompanyFmt = "%s物业服务有限公司"
)

var propertyWords = []string{"锦城", "万家", "安居"}

// unitID is the id of the k-th unit, U01, U02, … (three digits past 99).
func unitID(k int) string {
	if k < 99 {
		return fmt.Sprintf("U%02d", k+1)
	}
	return fmt.Sprintf("U%03d", k+1)
}

// Units returns the town's responsible units: for each district a
// greening maintenance company, a sanitation company and its street
// office, then a few property companies, ids U01, U02, … in that order.
// The same options give the same units.
func Units(opt Options) ([]*store.Unit, error) {
	cfg := configFor(opt.Size)
	if cfg == nil {
		return nil, fmt.Errorf("demotown: unknown size %q", opt.Size)
	}
	t := newTown(cfg, opt.Seed)
	return t.units(), nil
}

func (t *town) units() []*store.Unit {
	var out []*store.Unit
	add := func(name, kind, person string) {
		k := len(out)
		out = append(out, &store.Unit{ID: unitID(k), Name: name, Kind: kind,
			Phone: fmt.Sprintf("028-8%03d-%04d", k+1, 1000+(k*37)%9000), Person: person})
	}
	for _, d := range t.dists {
		add(d.name+"园林绿化养护有限公司", store.UnitMaintenance, "张工")
		add(d.name+"环卫清运有限公司", store.UnitMaintenance, "刘队长")
		add(street(d.name)+"办事处", store.UnitStreetOffice, "王主任")
	}
	for _, w := range propertyWords[:propertyCompanies] {
		add(fmt.Sprintf(propertyCompanyFmt, w), store.UnitProperty, "陈经理")
	}
	return out
}

// street names the street office (街道) of a district of the town.
func street(district string) string { return strings.TrimSuffix(district, "区") + "街道" }

// zoneUnit picks the unit of a zone of district d: mostly the district's
// greening company, else its sanitation company, its street office or a
// property company.
func (t *town) zoneUnit(d, i, j int) string {
	r := t.rng(tagZone, i, j)
	base := d * unitsPerDistrict
	switch x := r.Float64(); {
	case x < 0.5:
		return unitID(base)
	case x < 0.7:
		return unitID(base + 1)
	case x < 0.85:
		return unitID(base + 2)
	default:
		return unitID(len(t.dists)*unitsPerDistrict + r.IntN(propertyCompanies))
	}
}

// zones emits the responsibility zones: each community cut into a west
// and an east half along a street (one zone when it is a block wide),
// so the zones tile the town and every zone follows streets.
func (t *town) zones(e *emitter) {
	for k, c := range t.comms {
		if e.stopped() {
			return
		}
		cuts := []int{c.c0, c.c1}
		if c.c1-c.c0 >= 2 {
			cuts = []int{c.c0, c.c0 + (c.c1-c.c0)/2, c.c1}
		}
		d := &t.dists[c.d]
		for h := 0; h+1 < len(cuts); h++ {
			code := fmt.Sprintf("%s-Z%d", c.code, h+1)
			e.add("zone/"+code, orb.Polygon{t.rect(g(cuts[h]), g(c.r0), g(cuts[h+1]), g(c.r1))}, map[string]any{
				"code": code, "name": c.name + cnNumber(h+1) + "片区", "unit": t.zoneUnit(c.d, k, h),
				"street": street(d.name), "community": c.name,
			})
		}
	}
}
