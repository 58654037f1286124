package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/twpayne/go-proj/v10"
)

// filterIDs pages through the items of layer with the extra query and
// returns the ids in order.
func filterIDs(t *testing.T, h http.Handler, layer, query string) []int64 {
	t.Helper()
	ids, matched := pageAll(t, h, "/collections/"+layer+"/items?limit=1000&"+query)
	if matched != len(ids) {
		t.Fatalf("%s?%s: numberMatched %d, %d returned", layer, query, matched, len(ids))
	}
	return ids
}

func cqlText(expr string) string { return "filter=" + url.QueryEscape(expr) }

func cqlJSON(expr string) string {
	return "filter-lang=cql2-json&filter=" + url.QueryEscape(expr)
}

// scanIDs are the ids of a layer's features for which keep is true.
func scanIDs(l interface {
	Scan(func(*geo.Feature) bool)
}, keep func(f *geo.Feature) bool) []int64 {
	var ids []int64
	l.Scan(func(f *geo.Feature) bool {
		if keep(f) {
			ids = append(ids, f.ID)
		}
		return true
	})
	return ids
}

// TestOGCFilter: CQL2 filters on the demo town answer the features a scan
// written in Go selects, in text and in JSON alike; sortby orders and
// properties picks attributes; bad and hostile filters are 400 naming the
// position or the limit, quickly.
func TestOGCFilter(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	green := snap.Layer(geo.Green)
	b, _ := green.Bound()
	c := b.Center()
	box := orb.Bound{Min: orb.Point{c[0] - 0.01, c[1] - 0.01}, Max: orb.Point{c[0] + 0.005, c[1] + 0.008}}
	wktBox := fmt.Sprintf("POLYGON((%[1]g %[2]g,%[3]g %[2]g,%[3]g %[4]g,%[1]g %[4]g,%[1]g %[2]g))", box.Min[0], box.Min[1], box.Max[0], box.Max[1])
	inBox := func(g orb.Geometry) bool { return geo.IntersectsBound(g, box) }
	has := func(f *geo.Feature, k string) bool { return f.Value(k) != nil }
	for _, c := range []struct {
		layer       string
		text, json  string
		want        func(f *geo.Feature) bool
		alsoNonZero bool
	}{
		{geo.Green, "kind = 'park'", `{"op":"=","args":[{"property":"kind"},"park"]}`,
			func(f *geo.Feature) bool { return f.Text("kind") == "park" }, true},
		{geo.Green, "kind <> 'park' AND area_m2 >= 2000", `{"op":"and","args":[{"op":"<>","args":[{"property":"kind"},"park"]},{"op":">=","args":[{"property":"area_m2"},2000]}]}`,
			func(f *geo.Feature) bool {
				return has(f, "kind") && f.Text("kind") != "park" && f.Float("area_m2") >= 2000
			}, true},
		{geo.Green, "NOT (public = true) OR name IS NULL", `{"op":"or","args":[{"op":"not","args":[{"op":"=","args":[{"property":"public"},true]}]},{"op":"isNull","args":[{"property":"name"}]}]}`,
			func(f *geo.Feature) bool { return has(f, "public") && !f.Bool("public") || !has(f, "name") }, false},
		{geo.Parcels, "population BETWEEN 50 AND 400 AND kind IN ('compound', 'block')", `{"op":"and","args":[{"op":"between","args":[{"property":"population"},50,400]},{"op":"in","args":[{"property":"kind"},["compound","block"]]}]}`,
			func(f *geo.Feature) bool {
				p := f.Int("population")
				return has(f, "population") && p >= 50 && p <= 400 && (f.Text("kind") == "compound" || f.Text("kind") == "block")
			}, true},
		{geo.Green, "name LIKE '%公园%'", `{"op":"like","args":[{"property":"name"},"%公园%"]}`,
			func(f *geo.Feature) bool { return strings.Contains(f.Text("name"), "公园") }, true},
		{geo.Roads, "S_INTERSECTS(geometry, " + wktBox + ")", fmt.Sprintf(`{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[%g,%g,%g,%g]}]}`, box.Min[0], box.Min[1], box.Max[0], box.Max[1]),
			func(f *geo.Feature) bool { return inBox(f.Geom) }, true},
		{geo.Green, "S_WITHIN(geometry, " + wktBox + ")", fmt.Sprintf(`{"op":"s_within","args":[{"property":"geometry"},{"bbox":[%g,%g,%g,%g]}]}`, box.Min[0], box.Min[1], box.Max[0], box.Max[1]),
			func(f *geo.Feature) bool {
				fb := f.Bound()
				return box.Contains(fb.Min) && box.Contains(fb.Max)
			}, true},
		{geo.Parcels, "TRUE", "true", func(*geo.Feature) bool { return true }, true},
		{geo.Parcels, "false", "false", func(*geo.Feature) bool { return false }, false},
	} {
		want := scanIDs(snap.Layer(c.layer), c.want)
		if c.alsoNonZero && len(want) == 0 {
			t.Errorf("%s: %s selects nothing on the demo town: a weak test", c.layer, c.text)
		}
		got := filterIDs(t, h, c.layer, cqlText(c.text))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s: %d ids, the scan %d\n%v\n%v", c.layer, c.text, len(got), len(want), got, want)
		}
		if gj := filterIDs(t, h, c.layer, cqlJSON(c.json)); fmt.Sprint(gj) != fmt.Sprint(want) {
			t.Errorf("%s: JSON %s: %d ids, the scan %d", c.layer, c.json, len(gj), len(want))
		}
	}

	// The Basic CQL2 conformance tests that hold on any data (OGC 21-065
	// annex A, /conf/basic-cql2/comparison, is-null, boolean): for every
	// queryable, = and <>, > and <=, < and >= select disjoint sets, and
	// IS NULL and IS NOT NULL split the layer.
	values := map[string]string{"string": "'foo'", "boolean": "true", "number": "3.14", "integer": "1", "timestamp": "TIMESTAMP('2022-04-14T14:48:46Z')"}
	for _, sc := range geo.Schemas {
		rec := get(t, h, "/collections/"+sc.ID+"/queryables")
		var qd struct {
			Properties map[string]struct {
				Type   string `json:"type"`
				Format string `json:"format"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &qd); err != nil || rec.Header().Get("Content-Type") != features.MediaSchema || len(qd.Properties) != len(sc.Fields)+2 {
			t.Fatalf("%s queryables: %v %s", sc.ID, err, rec.Body)
		}
		all := filterIDs(t, h, sc.ID, "")
		for name, q := range qd.Properties {
			typ := q.Type
			if q.Format == "date-time" {
				typ = "timestamp"
			}
			if v, ok := values[typ]; ok {
				for _, pair := range [][2]string{{"=", "<>"}, {">", "<="}, {"<", ">="}} {
					a := filterIDs(t, h, sc.ID, cqlText(fmt.Sprintf(`"%s" %s %s`, name, pair[0], v)))
					b := filterIDs(t, h, sc.ID, cqlText(fmt.Sprintf(`"%s" %s %s`, name, pair[1], v)))
					for _, id := range a {
						if slices.Contains(b, id) {
							t.Errorf("%s: %s %s and %s %s both select %d", sc.ID, name, pair[0], name, pair[1], id)
						}
					}
				}
			} else if q.Format == "" {
				t.Errorf("%s: queryable %s has neither a type served nor a geometry format: %+v", sc.ID, name, q)
			}
			null := filterIDs(t, h, sc.ID, cqlText(name+" IS NULL"))
			notNull := filterIDs(t, h, sc.ID, cqlText(name+" is not null"))
			union := append(append([]int64{}, null...), notNull...)
			slices.Sort(union)
			if fmt.Sprint(union) != fmt.Sprint(all) {
				t.Errorf("%s: %s IS NULL (%d) and IS NOT NULL (%d) do not split the layer (%d)", sc.ID, name, len(null), len(notNull), len(all))
			}
		}
	}

	// sortby: descending area, then name; missing values last.
	page := get(t, h, "/collections/green/items?limit=10000&sortby=-area_m2,%2Bname&properties=name,area_m2")
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(page.Body.Bytes(), &fc); err != nil || len(fc.Features) != green.Len() {
		t.Fatalf("sortby: %v %d", err, len(fc.Features))
	}
	for i, f := range fc.Features {
		for k := range f.Properties {
			if k != "name" && k != "area_m2" && k != "layer" {
				t.Fatalf("properties=name,area_m2 answered %q", k)
			}
		}
		if i > 0 {
			a, b := fc.Features[i-1].Properties["area_m2"], f.Properties["area_m2"]
			if a != nil && b != nil && a.(float64) < b.(float64) || a == nil && b != nil {
				t.Fatalf("sortby=-area_m2: %v before %v", a, b)
			}
		}
	}

	// Errors name the position; hostile filters are refused quickly.
	for _, c := range []struct{ query, want string }{
		{cqlText("kind = = 'park'"), "at character 8"},
		{cqlText("kind = 'park' AND"), "at character 18"},
		{cqlText("colour = 'red'"), "at character 1: no queryable"},
		{cqlText("kind > 3"), "of a string with a number"},
		{cqlText("S_WITHIN(geometry, POINT(1 2))"), "polygon"},
		{cqlJSON(`{"op":"=","args":[{"property":"kind"}]}`), "at character 18"},
		{cqlText(strings.Repeat("(", 3000) + "kind='park'" + strings.Repeat(")", 3000)), "limit of nesting"},
		{cqlText(strings.Repeat("NOT ", 2000) + "kind='park'"), "at character 81: nesting deeper than 20"},
		{cqlText(strings.Repeat("NOT ", 3000) + "kind='park'"), "the limit is 8192"},
		{cqlText("name = '" + strings.Repeat("x", 5000) + "'"), "limit of a literal"},
		{cqlText("kind IN (" + strings.Repeat("'a',", 500) + "'b')"), "limit of terms"},
		{cqlJSON(","), "at character 1: not JSON"},
		{cqlJSON(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), "the limit is 8192"},
		{cqlJSON(strings.Repeat("[", 2000) + strings.Repeat("]", 2000)), "limit of nesting"},
		{"filter-lang=cql2-xml&filter=true", "not a filter language"},
		{"filter-crs=EPSG:1234&filter=true", "served: http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		{"sortby=colour", "not a sortable"},
		{"crs=EPSG:4490&crs=EPSG:4326", "crs is given 2 times"},
		{"crs=EPSG:4490&crs=EPSG:4490&crs=EPSG:4490", "crs is given 3 times"},
		{"properties=colour", "no attribute"},
	} {
		start := time.Now()
		rec := get(t, h, "/collections/green/items?"+c.query)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%.80s: %d %s, want 400 naming %q", c.query, rec.Code, rec.Body, c.want)
		}
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Errorf("%.80s: refused in %v", c.query, d)
		}
	}

}

// TestOGCCRS: items and an item in each kind of served system have the
// coordinates PROJ gives (asked directly, from CRS84 in the authority's
// axis order), the Content-Crs header names the system, bbox-crs selects
// as the CRS84 bbox does, and an unknown system is a 400 naming those
// served.
func TestOGCCRS(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	l := ix.Snapshot().Layer(geo.Waste)
	rec := get(t, h, "/collections/waste")
	var col features.CollectionJSON
	json.Unmarshal(rec.Body.Bytes(), &col)
	if len(col.CRS) != 46 || col.CRS[0] != features.CRS84 || col.StorageCRS != features.CRS84 || !slices.Contains(col.CRS, "http://www.opengis.net/def/crs/EPSG/0/4544") {
		t.Fatalf("collection crs %v storageCrs %q", col.CRS, col.StorageCRS)
	}
	want := map[int64]orb.Point{}
	l.Scan(func(f *geo.Feature) bool { want[f.ID] = f.Geom.(orb.Point); return true })
	// 4544: CGCS2000 3° GK CM 105E, the demo town's zone; 4523: zone 35,
	// the same meridian with the zone number before the easting.
	for _, code := range []int{4326, 3857, 4490, 4544, 4523} {
		uri := fmt.Sprintf("http://www.opengis.net/def/crs/EPSG/0/%d", code)
		pj, err := proj.NewCRSToCRS("OGC:CRS84", fmt.Sprintf("EPSG:%d", code), nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := get(t, h, "/collections/waste/items?limit=10000&crs="+url.QueryEscape(uri))
		if rec.Code != 200 || rec.Header().Get("Content-Crs") != "<"+uri+">" {
			t.Fatalf("crs=%s: %d Content-Crs %q %s", uri, rec.Code, rec.Header().Get("Content-Crs"), rec.Body)
		}
		var fc geojson.FeatureCollection
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil || len(fc.Features) != len(want) {
			t.Fatalf("crs=%s: %v, %d features", uri, err, len(fc.Features))
		}
		tol := 1e-3 // metres
		if code == 4326 || code == 4490 {
			tol = 1e-8 // degrees
		}
		for _, f := range fc.Features {
			ll := want[int64(f.ID.(float64))]
			c, err := pj.Forward(proj.NewCoord(ll[0], ll[1], 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			got := f.Geometry.(orb.Point)
			if math.Abs(got[0]-c.X()) > tol || math.Abs(got[1]-c.Y()) > tol {
				t.Fatalf("EPSG:%d: feature %v at %v, PROJ says %v, %v", code, f.ID, got, c.X(), c.Y())
			}
			if code == 4544 && (got[0] < 3e6 || got[1] > 1e6) {
				t.Fatalf("EPSG:4544: %v is not northing, easting", got)
			}
		}
		one := get(t, h, fmt.Sprintf("/collections/waste/items/%v?crs=EPSG:%d", fc.Features[0].ID, code))
		var gf geojson.Feature
		json.Unmarshal(one.Body.Bytes(), &gf)
		if one.Code != 200 || one.Header().Get("Content-Crs") != "<"+uri+">" || gf.Geometry.(orb.Point) != fc.Features[0].Geometry.(orb.Point) {
			t.Errorf("item in EPSG:%d: %d %q %v", code, one.Code, one.Header().Get("Content-Crs"), gf.Geometry)
		}
	}
	// bbox-crs: a box in EPSG:4326 (latitude first) selects what the same
	// box in CRS84 does; a box in the GK zone around it holds at least it.
	b, _ := l.Bound()
	c := b.Center()
	lo, hi := orb.Point{c[0] - 0.01, c[1] - 0.01}, orb.Point{c[0] + 0.01, c[1] + 0.01}
	ref := filterIDs(t, h, geo.Waste, fmt.Sprintf("bbox=%g,%g,%g,%g", lo[0], lo[1], hi[0], hi[1]))
	if len(ref) == 0 {
		t.Fatal("the test box holds no waste point")
	}
	if got := filterIDs(t, h, geo.Waste, fmt.Sprintf("bbox-crs=EPSG:4326&bbox=%g,%g,%g,%g", lo[1], lo[0], hi[1], hi[0])); fmt.Sprint(got) != fmt.Sprint(ref) {
		t.Errorf("bbox in EPSG:4326: %v, in CRS84 %v", got, ref)
	}
	pj, _ := proj.NewCRSToCRS("OGC:CRS84", "EPSG:4544", nil)
	p1, _ := pj.Forward(proj.NewCoord(lo[0], lo[1], 0, 0))
	p2, _ := pj.Forward(proj.NewCoord(hi[0], hi[1], 0, 0))
	gk := filterIDs(t, h, geo.Waste, fmt.Sprintf("bbox-crs=%s&bbox=%f,%f,%f,%f", url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4544"),
		min(p1.X(), p2.X())-50, min(p1.Y(), p2.Y())-50, max(p1.X(), p2.X())+50, max(p1.Y(), p2.Y())+50))
	for _, id := range ref {
		if !slices.Contains(gk, id) {
			t.Errorf("bbox in EPSG:4544 misses %d", id)
		}
	}
	// filter-crs: the same box as a literal in EPSG:4326.
	fq := fmt.Sprintf("filter-crs=EPSG:4326&filter=%s", url.QueryEscape(fmt.Sprintf("S_INTERSECTS(geometry, BBOX(%g,%g,%g,%g))", lo[1], lo[0], hi[1], hi[0])))
	if got := filterIDs(t, h, geo.Waste, fq); fmt.Sprint(got) != fmt.Sprint(ref) {
		t.Errorf("filter in EPSG:4326: %v, bbox in CRS84 %v", got, ref)
	}
	for _, q := range []string{"crs=EPSG:4512", "crs=EPSG:2385", "bbox-crs=urn:x&bbox=1,2,3,4", "crs=http://www.opengis.net/def/crs/EPSG/0/"} {
		rec := get(t, h, "/collections/waste/items?"+q)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "http://www.opengis.net/def/crs/EPSG/0/4554") {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
	// A zone far from the data: refused, not numbers no surveyor would use.
	for _, q := range []string{"crs=EPSG:4513", "bbox-crs=EPSG:4534&bbox=3000000,1900000,3100000,2000000"} {
		if rec := get(t, h, "/collections/waste/items?"+q); rec.Code != 400 || !strings.Contains(rec.Body.String(), "central meridian 75") {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
	if rec := get(t, h, "/conformance"); !strings.Contains(rec.Body.String(), "ogcapi-features-2/1.0/conf/crs") || !strings.Contains(rec.Body.String(), "cql2/1.0/conf/basic-cql2") {
		t.Errorf("conformance: %s", rec.Body)
	}
}
