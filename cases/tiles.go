package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// Case tiles: Mapbox Vector Tiles of the cases a filter selects, for the
// staff's heatmap and the public map. From PointZoom a tile draws each
// case as a point (layer TileLayer); below it, or when a tile holds more
// than MaxTilePoints cases, it draws the counts of a grid of cells (layer
// HeatLayer), so a year of cases stays a few kilobytes a tile. The store
// counts the cells, so no tile reads more than MaxTilePoints cases.

// Layers and bounds of case tiles.
const (
	TileLayer = "cases"      // points: id (staff only), state, category, overdue (staff only), opened
	HeatLayer = "cases_heat" // cell centres: count
	// TileMinZoom and TileMaxZoom bound the zooms served; PublicMaxZoom the
	// public's, whose grid cells stay coarser than PublicPoint's rounding.
	TileMinZoom   = 4
	TileMaxZoom   = 20
	PublicMaxZoom = 16
	// PointZoom is the first zoom drawn as points.
	PointZoom = 14
	// MaxTilePoints is the most points one tile draws.
	MaxTilePoints = 2000
	// HeatGrid and PublicHeatGrid are the cells a side of a heat tile.
	HeatGrid       = 64
	PublicHeatGrid = 32
	// MaxTileDays is the widest time window of a tile.
	MaxTileDays = 366
)

// Day is the zone of a case's day (Beijing time).
var Day = time.FixedZone("CST", 8*3600)

// TileQuery is one case tile: its address, the cases' window and filters.
type TileQuery struct {
	Tile         maptile.Tile
	From, Before time.Time // reported in [From, Before)
	States       []string
	Category     string
	Unit         string // a unit's own cases only ("" for all)
	// Public draws the public's tile: PublicMapPoint's points, no ids or
	// deadlines, PublicHeatGrid cells, at most PublicMaxZoom.
	Public bool
}

// Check refuses a query out of the tiles' bounds, naming the bound.
func (q *TileQuery) Check() error {
	z, max := int(q.Tile.Z), TileMaxZoom
	if q.Public {
		max = PublicMaxZoom
	}
	if z < TileMinZoom || z > max {
		return fmt.Errorf("zoom %d: case tiles are served from zoom %d to %d", z, TileMinZoom, max)
	}
	if !q.Before.After(q.From) {
		return fmt.Errorf("the window %s to %s is empty", q.From.Format(time.DateOnly), q.Before.Format(time.DateOnly))
	}
	if q.Before.Sub(q.From) > MaxTileDays*24*time.Hour {
		return fmt.Errorf("a window of %d days, more than the limit of %d", int(q.Before.Sub(q.From).Hours()/24), MaxTileDays)
	}
	return nil
}

// Tile draws the tile q asks for from st at now (for overdue flags): the
// uncompressed MVT bytes.
func Tile(ctx context.Context, st store.Cases, q TileQuery, now time.Time) ([]byte, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	a := store.CaseArea{Bound: q.Tile.Bound(), From: q.From, Before: q.Before, States: q.States, Category: q.Category, Unit: q.Unit}
	if q.Tile.Z >= PointZoom {
		pts, more, err := st.CasePoints(ctx, a, MaxTilePoints)
		if err != nil {
			return nil, err
		}
		if !more {
			return encode(q.Tile, TileLayer, pointFeatures(pts, q.Public, now))
		}
	}
	n := HeatGrid
	if q.Public {
		n = PublicHeatGrid
	}
	cells, err := st.CaseCells(ctx, a, n)
	if err != nil {
		return nil, err
	}
	b := a.Bound
	dx, dy := (b.Max[0]-b.Min[0])/float64(n), (b.Max[1]-b.Min[1])/float64(n)
	fs := make([]*geojson.Feature, 0, len(cells))
	for _, c := range cells {
		f := geojson.NewFeature(orb.Point{b.Min[0] + (float64(c.Col)+0.5)*dx, b.Min[1] + (float64(c.Row)+0.5)*dy})
		f.Properties = geojson.Properties{"count": c.Count}
		fs = append(fs, f)
	}
	return encode(q.Tile, HeatLayer, fs)
}

// pointFeatures are the points of a tile; the public's through the
// privacy policy (PublicMapPoint).
func pointFeatures(pts []store.CasePoint, public bool, now time.Time) []*geojson.Feature {
	fs := make([]*geojson.Feature, 0, len(pts))
	for _, p := range pts {
		if public {
			p = PublicMapPoint(p)
		}
		f := geojson.NewFeature(p.Point)
		f.Properties = geojson.Properties{"state": p.State, "category": p.Category, "opened": p.Reported.In(Day).Format(time.DateOnly)}
		if !public {
			f.ID = p.ID
			f.Properties["id"] = p.ID
			f.Properties["overdue"] = pointOverdue(&p, now)
		}
		fs = append(fs, f)
	}
	return fs
}

// pointOverdue is Overdue for a map's case.
func pointOverdue(p *store.CasePoint, now time.Time) bool {
	return Overdue(&store.Case{Deadline: p.Deadline, Closed: p.Closed}, now)
}

// encode writes fs as layer name of tile t (an empty tile has no layer).
func encode(t maptile.Tile, name string, fs []*geojson.Feature) ([]byte, error) {
	if len(fs) == 0 {
		return []byte{}, nil
	}
	l := &mvt.Layer{Name: name, Version: 2, Extent: 4096, Features: fs}
	ls := mvt.Layers{l}
	ls.ProjectToTile(t)
	return mvt.Marshal(ls)
}
