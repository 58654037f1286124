package zones

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// gridCode is the code of the 1 km cell holding p, computed as geo/grid's
// documentation states it (rows of 1000 m of latitude from the equator,
// columns of 1000 m of longitude at the row's middle latitude).
func gridCode(p orb.Point) string {
	const mPerDeg = 6371008.8 * math.Pi / 180
	dLat := 1000 / mPerDeg
	row := int(math.Floor(p[1] / dLat))
	dLon := dLat / math.Cos((float64(row)+0.5)*dLat*math.Pi/180)
	col := int(math.Floor(p[0] / dLon))
	return fmt.Sprintf("G1000-N%d-E%d", row, col) // north and east of 0°
}

func demo(t *testing.T, st store.Store, size string) *index.Snapshot {
	t.Helper()
	ctx := context.Background()
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: size}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

// around returns n points over the town's zones and a margin around them
// where no zone is.
func around(snap *index.Snapshot, n int) []orb.Point {
	b, _ := snap.Layer(geo.Zones).Bound()
	b = b.Pad(0.01)
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
	}
	return out
}

// TestZoneAtMatchesPostGIS: on the demo town stored in PostGIS, the zone
// of a point is the one ST_Contains finds there (the lowest fid of those
// ST_Covers finds, for a point on a shared edge); where none does, the
// management grid cell; and a green space's or waste point's zone is the
// one holding its Inside point, which lies in it.
func TestZoneAtMatchesPostGIS(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostGISURL(t, "zones_test")
	st, err := postgis.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snap := demo(t, st, "city")
	f, err := New(func() *index.Snapshot { return snap }, 0)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	schema := pu.Query().Get("schema")
	q := pu.Query()
	q.Del("schema")
	pu.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, pu.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sqlZone := func(p orb.Point, op string) (fid int64, code, unit string, ok bool) {
		err := conn.QueryRow(ctx, `SELECT fid, code, unit FROM `+schema+`.zones WHERE `+op+`(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY fid LIMIT 1`, p[0], p[1]).Scan(&fid, &code, &unit)
		if err == pgx.ErrNoRows {
			return 0, "", "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return fid, code, unit, true
	}
	inZone, inGrid := 0, 0
	for _, p := range around(snap, 3000) {
		z := f.At(p)
		fid, code, unit, ok := sqlZone(p, "ST_Contains")
		if !ok {
			fid, code, unit, ok = sqlZone(p, "ST_Covers")
		}
		switch {
		case ok && (z.Grid || z.Feature != fid || z.Code != code || z.Unit != unit):
			t.Errorf("%v: zone %+v, PostGIS %d %s %s", p, z, fid, code, unit)
		case !ok && (!z.Grid || z.Code != gridCode(p) || z.Unit != ""):
			t.Errorf("%v: zone %+v, PostGIS none: want grid cell %s", p, z, gridCode(p))
		case ok:
			inZone++
		default:
			inGrid++
		}
		cz, got, err := f.ZoneAt(ctx, p)
		if err != nil || got != ok || ok && (cz != cases.Zone{ID: code, Unit: unit}) {
			t.Errorf("%v: ZoneAt %+v %v %v, PostGIS %s %s %v", p, cz, got, err, code, unit, ok)
		}
	}
	if inZone < 1000 || inGrid < 100 {
		t.Errorf("%d points in zones, %d in grid cells: the sample misses a case", inZone, inGrid)
	}

	// Features: the Inside point lies in the feature, and the zone holding
	// it is PostGIS's.
	for _, layer := range []string{geo.Green, geo.Waste} {
		zs, err := f.Assign(ctx, layer)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		snap.Layer(layer).Scan(func(g *geo.Feature) bool {
			p := Inside(g.Geom)
			if layer == geo.Green && !geo.Contains(g.Geom, p) {
				t.Errorf("green %d: Inside %v is not in it", g.ID, p)
			}
			if n++; n%7 != 0 { // PostGIS for a sample
				return true
			}
			fid, _, _, ok := sqlZone(p, "ST_Covers")
			if z := zs[g.ID]; ok != !z.Grid || ok && z.Feature != fid {
				t.Errorf("%s %d at %v: zone %+v, PostGIS %d %v", layer, g.ID, p, z, fid, ok)
			}
			return true
		})
		if len(zs) != snap.Layer(layer).Len() {
			t.Errorf("%s: %d zones for %d features", layer, len(zs), snap.Layer(layer).Len())
		}
	}
}

// TestGridWithoutZones: a town without a zones layer puts every point in
// its grid cell, whose code is geo/grid's, and dispatches nothing.
func TestGridWithoutZones(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	full := demo(t, st, "small")
	snap := index.Empty()
	f, err := New(func() *index.Snapshot { return snap }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range around(full, 500) {
		z := f.At(p)
		if !z.Grid || z.Code != gridCode(p) || z.Feature >= 0 || !geo.Contains(z.Geom, p) {
			t.Fatalf("%v: %+v, want grid cell %s", p, z, gridCode(p))
		}
		if _, ok, err := f.ZoneAt(ctx, p); ok || err != nil {
			t.Fatalf("%v: a grid cell dispatched: %v", p, err)
		}
	}
	if _, err := New(func() *index.Snapshot { return snap }, 50); err == nil {
		t.Error("a 50 m grid was accepted")
	}
}

// TestSharedEdge: a point on the edge two zones share is in the zone of
// the lower id, and a zone without a code is named by its id.
func TestSharedEdge(t *testing.T) {
	a := &geo.Feature{ID: 7, Layer: geo.Zones, Geom: orb.Polygon{{{104, 30}, {104.01, 30}, {104.01, 30.01}, {104, 30.01}, {104, 30}}},
		Props: map[string]any{"code": "A", "unit": "U1"}}
	b := &geo.Feature{ID: 3, Layer: geo.Zones, Geom: orb.Polygon{{{104.01, 30}, {104.02, 30}, {104.02, 30.01}, {104.01, 30.01}, {104.01, 30}}},
		Props: map[string]any{"unit": "U2"}}
	snap := index.Empty().With([]*geo.Feature{a, b}, nil)
	f, _ := New(func() *index.Snapshot { return snap }, 0)
	if z := f.At(orb.Point{104.01, 30.005}); z.Code != "Z3" || z.Unit != "U2" {
		t.Errorf("shared edge: %+v", z)
	}
	if z := f.At(orb.Point{104.005, 30.005}); z.Code != "A" || z.Unit != "U1" {
		t.Errorf("inside A: %+v", z)
	}
	// A triangle: a point in its bounding box but outside it is in no zone.
	tri := &geo.Feature{ID: 9, Layer: geo.Zones, Geom: orb.Polygon{{{105, 30}, {105.02, 30}, {105, 30.02}, {105, 30}}}, Props: map[string]any{"code": "T", "unit": "U3"}}
	snap = snap.With([]*geo.Feature{tri}, nil)
	if z := f.At(orb.Point{105.015, 30.015}); !z.Grid {
		t.Errorf("outside the triangle, inside its box: %+v", z)
	}
	if z := f.At(orb.Point{105.005, 30.005}); z.Code != "T" {
		t.Errorf("inside the triangle: %+v", z)
	}
}

// TestInside: the centroid of a ring-shaped park lies in its hole; Inside
// finds a point of the park itself.
func TestInside(t *testing.T) {
	park := orb.Polygon{
		{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
		{{2, 2}, {2, 8}, {8, 8}, {8, 2}, {2, 2}},
	}
	p := Inside(park)
	if !geo.Contains(park, p) {
		t.Fatalf("Inside %v is not in the park", p)
	}
	if p := Inside(orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}, park}); !geo.Contains(park, p) {
		t.Errorf("multipolygon: %v not in the larger part", p)
	}
	if p := Inside(orb.Point{3, 4}); p != (orb.Point{3, 4}) {
		t.Errorf("point: %v", p)
	}
}
