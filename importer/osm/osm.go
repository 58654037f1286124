// Package osm imports OpenStreetMap extracts (.osm XML, .osm.pbf, and
// gzip-compressed .osm.gz; the format is detected from the content) into
// greenreach's five layers.
//
// # Source and ids
//
// Every feature has source "osm" (the OSM database is the source, not the
// file) and source id "n123", "w123" or "r123" (node, way, relation). So the
// XML and PBF of the same data import to the same features, and importing a
// newer extract updates the objects it shares with the previous one.
// Extracts of different places add up. Features a file no longer has are
// deleted only when the load asks to replace the source
// (importer.WithReplace, the CLI's --source osm --replace). Coordinates are rounded to 1e-7 degree,
// OSM's own precision, so XML and PBF give identical float64 values.
//
// # Default mapping
//
// An element goes to a layer when it carries a tag of a rule of that layer;
// within a layer the first matching rule (table order) with an exact value
// decides the kind, else the first key=* rule. An
// element may go to several layers (a building way tagged amenity=toilets
// is a parcel and a toilet). A value "*" matches any value but "no".
//
//	layer    tag                          kind / class / level          public (no access tag)
//	green    leisure=park                 park                          true
//	green    leisure=garden               garden                        false
//	green    leisure=playground           playground                    true
//	green    landuse=recreation_ground    recreation_ground             true
//	green    landuse=village_green        village_green                 true
//	green    landuse=grass                lawn                          unknown (NULL)
//	green    landuse=forest               forest                        unknown
//	green    natural=wood                 wood                          unknown
//	green    natural=scrub                scrub                         unknown
//	parcels  landuse=residential          block
//	parcels  building=*                   building
//	roads    highway=*                    class = the highway value
//	waste    amenity=waste_basket         litter_bin
//	waste    amenity=recycling            recycling
//	waste    amenity=waste_disposal       collection_point
//	waste    amenity=waste_transfer_station  transfer_station
//	waste    amenity=toilets              toilet
//	areas    boundary=administrative      level from admin_level
//
// Attributes:
//
//   - name: name, else name:zh, else name:en.
//   - green public: access=private/no/customers/permit/delivery → false,
//     access=yes/public/permissive/destination → true; without an access
//     tag the rule's default above. Gardens default to private because in
//     OSM leisure=garden is mostly the garden of a compound or house; grass,
//     forest, wood and scrub are left unknown rather than guessed.
//   - parcels levels: building:levels (first number, rounded) where tagged.
//   - roads walkable: false for highway=motorway and motorway_link, for
//     foot=no and foot=use_sidepath (a separately mapped sidewalk carries
//     the pedestrians), and for access=no; foot=yes/designated/permissive/
//     destination makes any road walkable. highway=proposed, construction,
//     abandoned, disused, razed and planned are skipped (not built).
//   - roads ring: the name (name, name:zh, name:en, official_name) names a
//     ring road: it contains 环路, 环线 or 环城, a numeral or 内/中/外
//     followed by 环 (二环高架路), or "ring road"/"périphérique". Roundabouts
//     (junction=roundabout) are not ring roads.
//   - areas level: admin_level by the conventions of the OSM wiki for
//     China (importer.ChinaAdminLevels): 6 (区, 县, 县级市) → district,
//     8 (街道, 镇, 乡) → subdistrict, 9 and 10 (社区, 村) → community; the
//     others — 2 country, 4 province, 5 prefecture-level city (the city
//     itself), 7 — are skipped as "admin_level N not mapped", a missing
//     one as "no admin_level 1–12". The mapping file's admin_levels
//     changes the table (for another country: France's communes are 8,
//     Monaco's quarters 10). code = ref, else "osm:r123" (the source id);
//     parent is left empty.
//   - areas are administrative units only when closed (else "boundary as
//     line"), at least importer.MinAdminArea (1 ha) and named; others are
//     skipped with the reason (importer.CheckArea).
//   - waste capacity: not in OSM, left empty.
//
// The mapping can be extended or replaced by a YAML file (LoadMapping, the
// CLI's --map); Mapping.WriteYAML prints one in that format.
//
// # Geometry
//
// Nodes are points, ways lines, and closed ways (first node = last, at
// least four nodes, not area=no) polygons; relations of type multipolygon
// or boundary (and the non-standard polygon) are assembled into
// multipolygons by joining their outer and inner member ways at shared end
// nodes, each inner ring going into the smallest outer ring containing it.
// Polygon layers (green, parcels, areas) take polygons only: a park node is
// skipped as "park as point", an unclosed building way as "building as
// line". The roads layer takes lines: a highway area (area=yes, or a
// multipolygon) is skipped as "highway as area", highway nodes (crossings,
// signals, bus stops) as "highway as point". The waste layer takes points:
// a waste or toilet area becomes the point at its centroid; an unclosed way
// is skipped. A relation with a member way or node missing from the
// extract, or whose rings do not close (an extract that drops references to
// what it cut away leaves them open), is skipped as "incomplete relation",
// a way with a missing node as "incomplete way" — never fatal; other
// relation types (route, site, ...) are skipped as "relation type=X".
// Polygons then go through repair.Validator: invalid ones are repaired
// with GEOS MakeValid (counted as repaired), degenerate ones skipped.
//
// # Population estimate
//
// OSM has no residents, so parcels get an estimate, pop_source "estimated":
//
//   - A residential building — building=residential, apartments, house,
//     detached, terrace, dormitory, semidetached_house or bungalow anywhere,
//     or building=yes whose centroid lies inside a landuse=residential block
//     — houses footprint area × levels ÷ 35 m² per person, with levels from
//     building:levels, default 6.
//   - Residential buildings carry their residents, inside a block or not,
//     so they are counted where they live (a building in several blocks
//     belongs to the smallest). Other buildings carry 0.
//   - A block (landuse=residential) houses the sum of the residential
//     buildings inside it when their footprints cover at least 20 % of its
//     area, else block area × 1.5 (floor area ratio) ÷ 35 m²; it carries
//     only what its buildings do not house (0 in the first case), so
//     nobody is counted twice. The audit reports a building's estimate as
//     "by building" and a block's as "by area".
//   - households = population ÷ 2.6 (the Chinese census average household),
//     both rounded to whole numbers.
//
// # Summary
//
// The importer.Summary counts, per layer, the features read, imported,
// repaired and skipped (by reason), and per mapping rule tag (class
// "leisure=park", "building=*") how many elements carrying it were
// imported or skipped, so every element carrying a mapped tag is accounted
// for: for a class, imported + skipped equals the count of `osmium
// tags-count` for that tag.
package osm

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/store"
)

// Source is the default source of OSM features.
const Source = "osm"

// Options configures a read.
type Options struct {
	// Mapping is the tag → layer mapping; nil means DefaultMapping().
	Mapping *Mapping
	// Source is the features' source; empty means Source ("osm").
	Source string
	// Progress, when set, is called while the file is read with the number
	// of OSM objects read since the previous call.
	Progress func(objects int)
}

// Read reads a whole OSM file from r and returns the features to write
// (already checked and repaired by repair.Validator) and the summary so
// far. name is used in the summary and errors. Nothing is returned from a
// file that cannot be read to its end.
func Read(ctx context.Context, r io.Reader, name string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	start := time.Now()
	m := opt.Mapping
	if m == nil {
		m = DefaultMapping()
	}
	src := opt.Source
	if src == "" {
		src = Source
	}
	format, body, err := sniff(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	d, err := scan(ctx, format, body, m, opt.Progress)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	sum := importer.NewSummary(name, format, src)
	sum.Objects = d.objects
	for _, r := range m.Rules { // every class appears, even with nothing
		sum.Class(r.Tag(), r.Layer)
	}
	b := &builder{m: m, d: d, sum: sum}
	b.build()

	feats := make([]*geo.Feature, len(b.cands))
	for i, c := range b.cands {
		c.f.Source = src
		feats[i] = c.f
	}
	outcomes := importer.FixAll(feats)
	kept := b.cands[:0]
	for i, c := range b.cands {
		repaired, reason := outcomes[i].Repaired, outcomes[i].Reason
		if reason != "" {
			sum.Skip(c.f.Layer, reason)
			for _, cl := range c.classes {
				sum.Class(cl, c.f.Layer).Skipped[reason]++
			}
			continue
		}
		l := sum.Layer(c.f.Layer)
		l.Read++
		if repaired {
			l.Repaired++
		}
		for _, cl := range c.classes {
			sum.Class(cl, c.f.Layer).Imported++
		}
		kept = append(kept, c)
	}
	estimatePopulation(kept)
	uniqueCodes(kept)
	feats = make([]*geo.Feature, len(kept))
	for i, c := range kept {
		feats[i] = c.f
	}
	sum.ReadSeconds = time.Since(start).Seconds()
	return feats, sum, nil
}

// uniqueCodes keeps area codes unique: a ref seen before gives way to the
// source id ("osm:r123").
func uniqueCodes(cands []*cand) {
	seen := map[string]bool{}
	for _, c := range cands {
		if c.f.Layer != geo.Areas {
			continue
		}
		code := c.f.Text("code")
		if seen[code] {
			code = "osm:" + c.f.SourceID
			c.f.Props["code"] = code
		}
		seen[code] = true
	}
}

// ReadFile reads an OSM file (see Read).
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Read(ctx, f, path, opt)
}

// ImportFile reads an OSM file and writes it into st in one transaction
// (importer.Load): all of it, or — on any error — nothing.
func ImportFile(ctx context.Context, st store.Store, path string, opt Options, load ...importer.Option) (*importer.Summary, *store.Changes, error) {
	feats, sum, err := ReadFile(ctx, path, opt)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	ch, err := importer.Load(ctx, st, sum.Source, feats, sum, load...)
	if err != nil {
		return sum, nil, fmt.Errorf("%s: not imported, store unchanged: %w", path, err)
	}
	sum.LoadSeconds = time.Since(start).Seconds()
	return sum, ch, nil
}
