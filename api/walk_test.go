package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// TestReachAndWalkNearest on the demo town: /api/reach's parks and
// /api/nearest?by=walk agree with each other, with a Dijkstra run the other
// way (from each park to the origin), and are never shorter than the
// straight line.
func TestReachAndWalkNearest(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	b, _ := snap.Layer(geo.Parcels).Bound()
	origin := b.Center()
	q := "lon=" + ff(origin[0]) + "&lat=" + ff(origin[1])
	rec := get(t, h, "/api/reach?"+q+"&meters=800")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	fc := decodeFC(t, rec.Body.Bytes())
	if len(fc.Features) < 3 || fc.Features[0].Properties["kind"] != "reach" || fc.Features[1].Properties["kind"] != "walked" {
		t.Fatalf("reach answer: %d features", len(fc.Features))
	}
	poly := fc.Features[0].Geometry
	if a := geo.Area(poly); a < 1e4 || a > math.Pi*800*800 {
		t.Errorf("reach area %.0f m²", a)
	}
	wn, err := s.walks.Walks(context.Background(), snap.Layer(geo.Roads))
	if err != nil {
		t.Fatal(err)
	}
	parks := fc.Features[2:]
	for _, pf := range parks {
		id := int64(pf.ID.(float64))
		f, _ := snap.Layer(geo.Green).Get(id)
		d := pf.Properties.MustFloat64("distance_m", -1)
		if line := geo.DistanceTo(origin, f.Geom); d+0.1 < line-network.AccessGap {
			t.Errorf("park %d: walk %.1f m shorter than the straight line %.1f m", id, d, line)
		}
		// The other way round: from the park's access to the origin.
		var srcs []network.Source
		for _, a := range wn.AccessOf(geo.Green, f) {
			srcs = append(srcs, a.Source(0))
		}
		at, acc, _ := wn.Graph.Snap(origin, 800)
		back, _ := wn.Graph.Multi(srcs, 0).To(at)
		if math.Abs(back+acc-d) > 0.1 {
			t.Errorf("park %d: %.1f m there, %.1f m back", id, d, back+acc)
		}
	}
	rec = get(t, h, "/api/nearest?"+q+"&by=walk&k=3")
	near := decodeFC(t, rec.Body.Bytes())
	if rec.Code != 200 || len(near.Features) != 3 {
		t.Fatalf("nearest by walk: %d %s", rec.Code, rec.Body)
	}
	for i, f := range near.Features {
		if f.ID != parks[i].ID || f.Properties.MustFloat64("distance_m", -1) != parks[i].Properties.MustFloat64("distance_m", -2) {
			t.Errorf("nearest by walk %d: %v %v, reach says %v %v", i, f.ID, f.Properties["distance_m"], parks[i].ID, parks[i].Properties["distance_m"])
		}
	}
	if len(parks) < 3 {
		t.Errorf("only %d parks within 800 m of the town centre", len(parks))
	}
	// Waste points by walk too.
	if rec := get(t, h, "/api/nearest?"+q+"&by=walk&layer=waste&k=2"); rec.Code != 200 || len(decodeFC(t, rec.Body.Bytes()).Features) != 2 {
		t.Errorf("waste by walk: %d %s", rec.Code, rec.Body)
	}
	// Far from any path: an empty answer, not an error.
	far := orb.Point{origin[0] + 1, origin[1]}
	if rec := get(t, h, "/api/reach?lon="+ff(far[0])+"&lat="+ff(far[1])); rec.Code != 200 || len(decodeFC(t, rec.Body.Bytes()).Features) != 0 {
		t.Errorf("reach far away: %d %s", rec.Code, rec.Body)
	}
	for _, bad := range []string{"/api/reach?" + q + "&meters=0", "/api/reach?" + q + "&meters=1e6", "/api/reach?lon=1", "/api/nearest?" + q + "&by=fly", "/api/nearest?" + q + "&by=walk&layer=roads"} {
		if rec := get(t, h, bad); rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
		}
	}
}

// TestAudit: /api/audit in every format on the demo town, cached per
// snapshot, and refused for bad parameters.
func TestAudit(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	for format, ctype := range auditTypes {
		rec := get(t, h, "/api/audit?format="+format)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != ctype || rec.Body.Len() < 100 {
			t.Errorf("%s: %d %s %d bytes", format, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
	}
	var rj report.JSON
	if err := json.Unmarshal(get(t, h, "/api/audit").Body.Bytes(), &rj); err != nil || rj.Mode != "walk" || len(rj.Results) != len(coverage.Default().Rules) {
		t.Fatalf("audit json: %v %+v", err, rj)
	}
	req := httptest.NewRequest("GET", "/", nil)
	first, _ := s.audit(req, "walk")
	get(t, h, "/api/audit?format=csv")
	if again, _ := s.audit(req, "walk"); again != first {
		t.Error("audit recomputed for the same snapshot")
	}
	if rec := get(t, h, "/api/audit?mode=straight"); rec.Code != 200 {
		t.Errorf("straight: %d", rec.Code)
	}
	for _, bad := range []string{"/api/audit?mode=fly", "/api/audit?format=pdf", "/api/audit?rules=x"} {
		if rec := get(t, h, bad); rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

// TestCoverageTiles: the coverage layer carries each parcel's walking
// distance as the audit computed it, and an edit to a park re-cuts it.
func TestCoverageTiles(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	b, _ := snap.Layer(geo.Parcels).Bound()
	tile := maptile.At(b.Center(), 14)
	rec := get(t, h, tilePath("coverage", tile))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ls, err := mvt.Unmarshal(rec.Body.Bytes())
	if err != nil || len(ls) != 1 || ls[0].Name != "coverage" || len(ls[0].Features) == 0 {
		t.Fatalf("coverage tile: %v %v", ls, err)
	}
	a, err := s.audit(httptest.NewRequest("GET", "/", nil), "walk")
	if err != nil {
		t.Fatal(err)
	}
	res := a.Results[0]
	checked := 0
	for _, f := range ls[0].Features {
		id := int64(f.ID.(float64))
		d, has := f.Properties["distance_m"].(float64)
		want := res.Distance.Of(id)
		if has != !math.IsInf(want, 1) || (has && math.Abs(d-want) > 0.05) {
			t.Errorf("parcel %d: tile says %v, audit %.1f", id, f.Properties["distance_m"], want)
		}
		if f.Properties["covered"] != (want <= res.Rule.Meters) {
			t.Errorf("parcel %d: covered %v", id, f.Properties["covered"])
		}
		checked++
	}
	etag := rec.Header().Get("ETag")
	get(t, h, tilePath("coverage", tile)) // the doorkeeper caches a tile on its second cut
	if get(t, h, tilePath("coverage", tile)).Header().Get("X-Cache") != "HIT" {
		t.Error("coverage tile not cached")
	}
	// Delete every park: distances change everywhere.
	ctx := context.Background()
	var ids []int64
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool { ids = append(ids, f.ID); return true })
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.Delete(ctx, geo.Green, id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after := get(t, h, tilePath("coverage", tile))
	if after.Header().Get("X-Cache") != "MISS" || after.Header().Get("ETag") == etag {
		t.Errorf("after deleting the parks: %s %s", after.Header().Get("X-Cache"), after.Header().Get("ETag"))
	}
	ls, _ = mvt.Unmarshal(after.Body.Bytes())
	for _, f := range ls[0].Features {
		if f.Properties["covered"] == true {
			t.Errorf("parcel %v covered with no parks", f.ID)
		}
	}
	if rec := get(t, h, "/tiles/coverage.json"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "distance_m") {
		t.Errorf("coverage tilejson: %d %s", rec.Code, rec.Body)
	}
	t.Logf("%d parcels checked", checked)
}

func post(t *testing.T, h http.Handler, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	return rec
}

// TestWhatIf: a park drawn where residents are worst served raises the
// 500 m rule's city figure by the residents it newly covers, as the audit
// of the data with the park added says; a belt and a point are accepted;
// bad bodies get 4xx problem+json.
func TestWhatIf(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	a, err := s.audit(httptest.NewRequest("GET", "/", nil), "walk")
	if err != nil {
		t.Fatal(err)
	}
	// The parcel farthest from a park by walk.
	var far *geo.Feature
	worst := -1.0
	for _, p := range a.Parcels {
		d := a.Results[0].Distance.Of(p.ID)
		if math.IsInf(d, 1) {
			d = 1e9
		}
		if d > worst {
			worst = d
			far, _ = ix.Snapshot().Layer(geo.Parcels).Get(p.ID)
		}
	}
	c := network.Inside(far.Geom)
	park := fmt.Sprintf(`{"type":"Feature","properties":{"name":"新公园"},"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}`, c[0]-0.0008, c[1]-0.0007, c[0]+0.0008, c[1]+0.0007)
	rec := post(t, h, "/api/whatif", park)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var ans whatIfAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	r0 := ans.Rules[0]
	if r0.ID != "park-500m-walk" || r0.NewlyCovered <= 0 || *r0.City.After.Value <= *r0.City.Before.Value || len(r0.Parcels) == 0 {
		t.Fatalf("park: %+v", r0)
	}
	// The same park really added: the audit's city figure equals "after".
	ctx := context.Background()
	var gf geojson.Feature
	json.Unmarshal([]byte(park), &gf)
	if _, err := ix.Write(ctx, st, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{{Layer: geo.Green, Source: "test", SourceID: "new", Geom: gf.Geometry, Props: map[string]any{"kind": "park", "public": true}}})
	}); err != nil {
		t.Fatal(err)
	}
	var after report.JSON
	json.Unmarshal(get(t, h, "/api/audit").Body.Bytes(), &after)
	if got := *after.Results[0].Units[0].Value; math.Abs(got-*r0.City.After.Value) > 1e-6 {
		t.Errorf("after adding the park the audit says %.6f, the what-if said %.6f", got, *r0.City.After.Value)
	}
	belt := fmt.Sprintf(`{"type":"LineString","coordinates":[[%f,%f],[%f,%f]]}`, c[0], c[1], c[0]+0.01, c[1])
	if rec := post(t, h, "/api/whatif?mode=straight", belt); rec.Code != 200 {
		t.Errorf("belt: %d %s", rec.Code, rec.Body)
	}
	point := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[%f,%f]}}]}`, c[0], c[1])
	if rec := post(t, h, "/api/whatif", point); rec.Code != 200 {
		t.Errorf("point: %d %s", rec.Code, rec.Body)
	}
	big := `{"type":"LineString","coordinates":[` + strings.Repeat("[104.0,30.6],", maxVertices) + `[104.1,30.6]]}`
	bad := []struct {
		name, body string
		status     int
	}{
		{"not json", "{", 400},
		{"not geojson", `{"a":1}`, 400},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, 400},
		{"no geometry", `{"type":"Feature","properties":{},"geometry":null}`, 400},
		{"too many vertices", big, 400},
		{"open ring", `{"type":"Polygon","coordinates":[[[104,30],[104.1,30],[104.1,30.1]]]}`, 422},
		{"out of range", `{"type":"Polygon","coordinates":[[[204,30],[204.1,30],[204.1,30.1],[204,30]]]}`, 422},
		{"belt too wide", `{"type":"Feature","properties":{"width_m":5000},"geometry":{"type":"LineString","coordinates":[[104,30],[104.1,30]]}}`, 400},
		{"unknown layer", `{"type":"Feature","properties":{"layer":"lakes"},"geometry":{"type":"Point","coordinates":[104,30]}}`, 400},
		{"too large", `{"type":"Polygon","coordinates":[[` + strings.Repeat(" ", maxBodyBytes) + `]]}`, 413},
	}
	for _, tc := range bad {
		rec := post(t, h, "/api/whatif", tc.body)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body.String()[:min(200, rec.Body.Len())])
		}
	}
	if rec := get(t, h, "/api/whatif"); rec.Code != 405 {
		t.Errorf("GET /api/whatif: %d", rec.Code)
	}
}

// TestWalkFromInsideAPark: a point 108 m inside a park is at that park (0
// m) by walk, in /api/nearest and /api/reach, even when no path lies
// within the walk's limit. The layout, in metres east and north: park A
// is the square 0–400 × 0–400, park B the square 460–560 × 150–250; a
// street runs north along x = 410 (10 m east of A) and a path from
// (410, 200) east into B. From (292, 200) the walk to B is 118 m to the
// street, 30 m along the path to x = 440, where B's west side is 20 m on:
// 118 + 30 + 20 = 168 m (the old answers: A 118 + 10 = 128 m, B 168 m).
func TestWalkFromInsideAPark(t *testing.T) {
	const ky = 110852.0 // metres per degree of latitude near 30.66°N
	kx := 111319.49 * math.Cos(30.66*math.Pi/180) * 1.0009
	at := func(x, y float64) orb.Point { return orb.Point{104.06 + x/kx, 30.66 + y/ky} }
	square := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)}}}
	}
	park := func(id string, g orb.MultiPolygon) *geo.Feature {
		return &geo.Feature{Layer: geo.Green, Source: "test", SourceID: id, Geom: g, Props: map[string]any{"name": id, "kind": "park", "public": true}}
	}
	road := func(id string, pts ...orb.Point) *geo.Feature {
		return &geo.Feature{Layer: geo.Roads, Source: "test", SourceID: id, Geom: orb.MultiLineString{pts}, Props: map[string]any{"name": id, "class": "footway", "walkable": true}}
	}
	st := memstore.New()
	ctx := context.Background()
	if _, err := st.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, []*geo.Feature{
			park("A", square(0, 0, 400, 400)),
			park("B", square(460, 150, 560, 250)),
			road("street", at(410, -500), at(410, 200), at(410, 900)),
			road("path", at(410, 200), at(470, 200)),
		})
	}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	p := at(292, 200)
	q := "lon=" + ff(p[0]) + "&lat=" + ff(p[1])
	check := func(what, path string, skip int, want map[string]float64) {
		t.Helper()
		rec := get(t, h, path)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
		}
		fc := decodeFC(t, rec.Body.Bytes())
		got := map[string]float64{}
		for _, f := range fc.Features[skip:] {
			got[f.Properties.MustString("name", "")] = f.Properties.MustFloat64("distance_m", -1)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
		for name, d := range want {
			if g, ok := got[name]; !ok || math.Abs(g-d) > 0.5 {
				t.Errorf("%s: park %s at %v m, want %.1f (all: %v)", what, name, g, d, got)
			}
		}
	}
	check("nearest by walk", "/api/nearest?"+q+"&by=walk&k=2", 0, map[string]float64{"A": 0, "B": 168})
	check("nearest by walk within 50 m (no path so near)", "/api/nearest?"+q+"&by=walk&k=2&meters=50", 0, map[string]float64{"A": 0})
	check("reach", "/api/reach?"+q+"&meters=500", 2, map[string]float64{"A": 0, "B": 168})
	// Outside A, 10 m east of the street: 10 m to it, 10 m across to A.
	o := at(420, 50)
	check("nearest by walk from outside", "/api/nearest?lon="+ff(o[0])+"&lat="+ff(o[1])+"&by=walk&k=1", 0, map[string]float64{"A": 20})
}
