// Package demotown generates greenreach's demo town: a deterministic,
// synthetic town laid out on a street grid, with every layer filled so that
// each coverage rule has places that pass and places that fail.
//
// The town is built in local metres on a grid of 200 m blocks and converted
// to WGS84 lon/lat around 103.60°E, 30.45°N with an equirectangular
// projection. It contains:
//
//   - areas: districts (level "district", codes "D1", "D2", …) tiling the
//     town, each tiled by rectangular communities (level "community", codes
//     like "D1-C07", parent = district code) whose edges follow streets;
//   - roads: one feature per block edge (split at intersections, so
//     neighbouring segments share exact vertices), classes residential,
//     tertiary, and every 5th line secondary/primary; a ring road (trunk,
//     ring=true) around the centre; a motorway (walkable=false) crossing the
//     west of the town; a river (no feature) along one row of blocks, crossed
//     only by a few bridges; footways and paths through the larger parks;
//   - green: 50 m ring belts on both sides of the ring road with deliberate
//     gaps, a large multi-block park with a lake (a hole), one-block parks,
//     cell parks from pocket size (< 1000 m²) to several thousand m², lawns,
//     edge forests and private gardens inside compounds (public=false);
//     districts differ in how well they are served;
//   - parcels: residential compounds (and, in metro, subdivided blocks) with
//     name, population, households, levels and pop_source;
//   - waste: collection points at some compound gates and intersections,
//     transfer stations, recycling points, toilets in parks and along
//     streets, litter bins along park paths and streets;
//   - zones: responsibility zones, each community's west and east halves
//     (codes like "D1-C07-Z1"), each with a unit of Units: a district's
//     greening or sanitation company, its street office or a property
//     company.
//
// Sizes: "small" is 10×10 blocks (2 km), "city" 40×40 (8 km), "metro"
// 262×262 blocks of 16 parcels each (about a million parcels). The same
// seed and size give byte-for-byte the same features; every random draw
// comes from a PCG seeded by (seed, purpose, block), never from map order.
//
// # Population estimate
//
// About 10% of the parcels have pop_source "estimated". Their population
// is derived from the parcel's footprint:
//
//	population = round(area_m2 × levels × 0.35 ÷ 33)
//	households = round(population ÷ 2.8)
//
// where area_m2 is the parcel's geodesic area (as geo.Prepare computes it),
// 0.35 the assumed building coverage and 33 m² the floor area per resident.
// These are low-rise parcels (2–5 levels), giving 210–530 residents/ha. The
// other parcels have pop_source "given": 150–600 residents/ha and 2.6–3.0
// persons per household.
package demotown

import (
	"fmt"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Options select the town.
type Options struct {
	Seed int64  // the same seed gives the same town
	Size string // "small", "city" or "metro"
}

// Stats counts what Generate emitted.
type Stats struct {
	Features  map[string]int // per layer id
	Residents int64          // sum of parcel populations
}

// Source is the Source of every generated feature.
const Source = "demo"

// BatchSize is the largest batch Generate emits.
const BatchSize = 10000

// Sizes lists the town sizes, smallest first.
func Sizes() []string { return []string{"small", "city", "metro"} }

// Generate builds the town and streams it to emit in batches of at most
// BatchSize features, one layer per batch, layers in the order areas, roads,
// green, parcels, waste, zones. Each batch is a fresh slice the callee may keep.
// Features are not yet prepared: area_m2 and length_m are left to
// geo.Prepare. An error from emit stops generation and is returned.
func Generate(opt Options, emit func(batch []*geo.Feature) error) (Stats, error) {
	cfg := configFor(opt.Size)
	if cfg == nil {
		return Stats{}, fmt.Errorf("demotown: unknown size %q (want one of %s)", opt.Size, strings.Join(Sizes(), ", "))
	}
	t := newTown(cfg, opt.Seed)
	e := &emitter{emit: emit, stats: Stats{Features: map[string]int{}}}
	for _, sc := range geo.Schemas {
		e.stats.Features[sc.ID] = 0
	}
	steps := []struct {
		layer string
		fn    func(*emitter)
	}{
		{geo.Areas, t.areas},
		{geo.Roads, t.roads},
		{geo.Green, t.green},
		{geo.Parcels, t.parcels},
		{geo.Waste, t.waste},
		{geo.Zones, t.zones},
	}
	for _, s := range steps {
		e.layer = s.layer
		s.fn(e)
		e.flush()
		if e.err != nil {
			return e.stats, e.err
		}
	}
	return e.stats, nil
}

// emitter collects features of one layer into batches.
type emitter struct {
	emit  func([]*geo.Feature) error
	layer string
	batch []*geo.Feature
	stats Stats
	err   error
}

func (e *emitter) add(id string, g orb.Geometry, props map[string]any) {
	if e.err != nil {
		return
	}
	if e.batch == nil {
		e.batch = make([]*geo.Feature, 0, BatchSize)
	}
	e.batch = append(e.batch, &geo.Feature{Layer: e.layer, Source: Source, SourceID: id, Geom: g, Props: props})
	if len(e.batch) == BatchSize {
		e.flush()
	}
}

func (e *emitter) flush() {
	if e.err != nil || len(e.batch) == 0 {
		return
	}
	b := e.batch
	e.batch = nil
	if err := e.emit(b); err != nil {
		e.err = fmt.Errorf("demotown: emit %s: %w", e.layer, err)
		return
	}
	e.stats.Features[e.layer] += len(b)
}

// stopped reports whether generation should stop (emit failed).
func (e *emitter) stopped() bool { return e.err != nil }
