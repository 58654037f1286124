package open

import (
	"context"
	"math"
	"sort"
	"testing"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/maptile/tilecover"
	"github.com/paulmach/orb/planar"
)

// TestPostGISTilesMatchSTAsMVT cuts every zoom-14 tile of Chengdu twice —
// from the in-memory index (package tiles) and in PostGIS with ST_AsMVT —
// and checks that GDAL reads ours with as many features as orb decodes, that
// each tile holds the same features in every layer as PostGIS's, with as
// many parts, and that their geometries agree within a tile unit or two.
func TestPostGISTilesMatchSTAsMVT(t *testing.T) {
	ctx := context.Background()
	file := storetest.SharedData(t, "chengdu.osm.pbf")
	tilestest.NeedOgrinfo(t)
	st, err := Store(ctx, storetest.PostGISURL(t, "open_test"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := osm.ImportFile(ctx, st, file, osm.Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	pg := st.(*postgis.Store)
	snap := ix.Snapshot()
	var layers []string
	for _, sc := range geo.Schemas {
		layers = append(layers, sc.ID)
	}
	cover, _ := tiles.LayersBound(snap, layers)
	ts, err := tilecover.Geometry(cover, 14)
	if err != nil {
		t.Fatal(err)
	}
	var feats, onlyOurs, onlyPG, compared, backtrack int
	var worstOurs, worstPG float64
	enc := tiles.NewEncoder()
	for _, tile := range sortedTiles(ts) {
		ours, err := enc.Encode(snap, layers, tile)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := pg.TileMVT(ctx, layers, int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil {
			t.Fatal(err)
		}
		a, b := decodeTile(t, ours), decodeTile(t, theirs)
		gdal := tilestest.GDALCounts(t, ours, int(tile.Z), int(tile.X), int(tile.Y))
		for _, l := range layers {
			if gdal[l] != len(a[l]) {
				t.Errorf("tile %v %s: GDAL reads %d features, orb %d", tile, l, gdal[l], len(a[l]))
			}
		}
		for _, l := range layers {
			for id, ga := range a[l] {
				feats++
				gb, ok := b[l][id]
				if !ok {
					onlyOurs++
					t.Errorf("tile %v %s: feature %d only in ours (%s)", tile, l, id, ga.GeoJSONType())
					continue
				}
				compared++
				if g := vertexGap(ga, gb); g > 1 && backtracks(ga) {
					// PostGIS's simplification drops vertices near the line
					// through their neighbours even where the line turns
					// back on itself, losing the overshoot; we keep it.
					backtrack++
					t.Logf("tile %v %s %d: a line turning back on itself (%.1f units), shortened by ST_AsMVT:\n ours   %v\n theirs %v", tile, l, id, g, ga, gb)
					continue
				}
				worstOurs = math.Max(worstOurs, vertexGap(ga, gb))
				worstPG = math.Max(worstPG, vertexGap(gb, ga))
				if ta, tb := partCount(ga), partCount(gb); ta != tb {
					t.Errorf("tile %v %s %d: %d parts, ST_AsMVT %d\n ours %v\n theirs %v", tile, l, id, ta, tb, ga, gb)
				}
			}
			for id, gb := range b[l] {
				if _, ok := a[l][id]; !ok {
					onlyPG++
					t.Errorf("tile %v %s: feature %d only in ST_AsMVT (%s)", tile, l, id, gb.GeoJSONType())
				}
			}
		}
	}
	t.Logf("%d tiles, %d features compared; farthest vertex from the other geometry: ours %.2f, ST_AsMVT's %.2f tile units", len(ts), compared, worstOurs, worstPG)
	if backtrack > 2 {
		t.Errorf("%d lines turning back on themselves: more than Chengdu's data has", backtrack)
	}
	if compared < 1000 {
		t.Errorf("only %d features compared: Chengdu should give thousands", compared)
	}
	// Our vertices are original vertices rounded to the grid: on
	// PostGIS's geometry within 1 unit. PostGIS keeps vertices that our
	// Douglas–Peucker pass dropped: within its tolerance of the simplified
	// line, plus rounding of both.
	if worstOurs > 1 || worstPG > tiles.Tolerance+1 {
		t.Errorf("geometries differ: ours %.2f, ST_AsMVT %.2f tile units", worstOurs, worstPG)
	}
}

func sortedTiles(ts maptile.Set) []maptile.Tile {
	out := make([]maptile.Tile, 0, len(ts))
	for t := range ts {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Y != out[j].Y {
			return out[i].Y < out[j].Y
		}
		return out[i].X < out[j].X
	})
	return out
}

// decodeTile maps layer → feature id → geometry in tile units.
func decodeTile(t *testing.T, data []byte) map[string]map[uint64]orb.Geometry {
	t.Helper()
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out := map[string]map[uint64]orb.Geometry{}
	for _, l := range ls {
		m := map[uint64]orb.Geometry{}
		for _, f := range l.Features {
			fid, ok := f.ID.(float64) // orb decodes ids as float64
			id := uint64(fid)
			if !ok || float64(id) != fid {
				t.Fatalf("layer %s: feature id %v (%T)", l.Name, f.ID, f.ID)
			}
			m[id] = f.Geometry
		}
		out[l.Name] = m
	}
	return out
}

// vertexGap is the largest distance from a vertex of a to the boundary of
// b, leaving out vertices on the buffer's edge: where a line crosses the
// edge at a shallow angle, a sub-unit difference across it moves the cut
// point several units along it, outside the visible tile.
func vertexGap(a, b orb.Geometry) float64 {
	worst := 0.0
	var walk func(orb.Geometry)
	pts := func(ps []orb.Point) {
		for _, p := range ps {
			if p[0] == -tiles.Buffer || p[1] == -tiles.Buffer || p[0] == tiles.Extent+tiles.Buffer || p[1] == tiles.Extent+tiles.Buffer {
				continue
			}
			worst = math.Max(worst, planar.DistanceFrom(b, p))
		}
	}
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			pts([]orb.Point{g})
		case orb.MultiPoint:
			pts(g)
		case orb.LineString:
			pts(g)
		case orb.MultiLineString:
			for _, l := range g {
				pts(l)
			}
		case orb.Polygon:
			for _, r := range g {
				pts(r)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		}
	}
	walk(a)
	return worst
}

// backtracks reports whether a line of g has a vertex within a unit of the
// straight line through its neighbours but outside the segment between
// them: where the line turns back on itself.
func backtracks(g orb.Geometry) bool {
	var lines []orb.LineString
	switch g := g.(type) {
	case orb.LineString:
		lines = append(lines, g)
	case orb.MultiLineString:
		lines = g
	}
	for _, l := range lines {
		for i := 1; i+1 < len(l); i++ {
			a, p, b := l[i-1], l[i], l[i+1]
			cross := (p[0]-a[0])*(b[1]-a[1]) - (p[1]-a[1])*(b[0]-a[0])
			dot := (p[0]-a[0])*(b[0]-a[0]) + (p[1]-a[1])*(b[1]-a[1])
			if math.Abs(cross) <= math.Hypot(b[0]-a[0], b[1]-a[1]) && (dot < 0 || dot > (b[0]-a[0])*(b[0]-a[0])+(b[1]-a[1])*(b[1]-a[1])) {
				return true
			}
		}
	}
	return false
}

func partCount(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.MultiPolygon:
		return len(g)
	case orb.MultiLineString:
		return len(g)
	case orb.MultiPoint:
		return len(g)
	}
	return 1
}
