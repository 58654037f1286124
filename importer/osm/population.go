package osm

import (
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Population estimate parameters (see the package documentation).
const (
	// M2PerPerson is the residential floor area per resident.
	M2PerPerson = 35.0
	// HouseholdSize is the average household (Chinese census, about 2.6).
	HouseholdSize = 2.6
	// DefaultLevels is assumed for a residential building without
	// building:levels.
	DefaultLevels = 6
	// BlockFAR is the floor area ratio assumed for a residential block
	// whose buildings are not (enough) mapped.
	BlockFAR = 1.5
	// MinCoverage is the share of a block's area its mapped residential
	// buildings must cover for their sum to be the block's population.
	MinCoverage = 0.20
)

// ResidentialBuildings are the building=* values counted as homes anywhere;
// building=yes counts only inside a residential block.
var ResidentialBuildings = map[string]bool{
	"residential": true, "apartments": true, "house": true, "detached": true,
	"terrace": true, "dormitory": true, "semidetached_house": true, "bungalow": true,
}

type blockAcc struct {
	c     *cand
	area  float64
	pop   float64 // sum of its residential buildings (as rounded on them)
	cover float64 // their footprint
}

// estimatePopulation sets population, households and pop_source on every
// parcel: buildings and blocks as the package documentation describes.
func estimatePopulation(cands []*cand) {
	var blocks []*blockAcc
	var tree rtree.RTreeG[*blockAcc]
	var buildings []*cand
	for _, c := range cands {
		if c.f.Layer != geo.Parcels {
			continue
		}
		if c.f.Text("kind") == "building" {
			buildings = append(buildings, c)
			continue
		}
		b := &blockAcc{c: c, area: area(c.f)}
		blocks = append(blocks, b)
		bd := c.f.Geom.Bound()
		tree.Insert(bd.Min, bd.Max, b)
	}
	for _, c := range buildings {
		footprint := area(c.f)
		pt, _ := planar.CentroidArea(c.f.Geom)
		var in *blockAcc
		tree.Search(pt, pt, func(_, _ [2]float64, b *blockAcc) bool {
			mp, ok := b.c.f.Geom.(orb.MultiPolygon)
			if ok && planar.MultiPolygonContains(mp, pt) && (in == nil || b.area < in.area || b.area == in.area && b.c.f.SourceID < in.c.f.SourceID) {
				in = b
			}
			return true
		})
		value := c.tags.Find("building")
		residential := ResidentialBuildings[value] || (in != nil && value == "yes")
		var pop float64
		if residential {
			lv := DefaultLevels
			if n, ok := levels(c.tags); ok {
				lv = n
			}
			pop = footprint * float64(lv) / M2PerPerson
		}
		if in != nil && residential {
			in.pop += float64(setPop(c.f, pop))
			in.cover += footprint
			continue
		}
		setPop(c.f, pop)
	}
	// A block houses the sum of its buildings when they are mapped well
	// enough, else its area's estimate; it carries what its buildings do
	// not, so each resident is counted once and where they live.
	for _, b := range blocks {
		pop := b.area * BlockFAR / M2PerPerson
		if b.area > 0 && b.cover/b.area >= MinCoverage {
			pop = b.pop
		}
		setPop(b.c.f, math.Max(0, pop-b.pop))
	}
}

// setPop sets the feature's estimate, rounded, and returns it.
func setPop(f *geo.Feature, pop float64) int64 {
	p := int64(math.Round(pop))
	f.Props["population"] = p
	f.Props["households"] = int64(math.Round(float64(p) / HouseholdSize))
	f.Props["pop_source"] = "estimated"
	return p
}

// area is the feature's geodesic area: area_m2 as geo.Prepare computed it.
func area(f *geo.Feature) float64 {
	if a, ok := f.Props["area_m2"].(float64); ok {
		return a
	}
	return geo.Area(f.Geom)
}
