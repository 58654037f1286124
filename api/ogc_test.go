package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

type ogcPage struct {
	Type           string `json:"type"`
	NumberMatched  int    `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	Features       []struct {
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	Links []features.Link `json:"links"`
}

func linkOf(links []features.Link, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// pageAll follows next links from path, returning the ids in order and the
// first page's numberMatched.
func pageAll(t *testing.T, h http.Handler, path string) ([]int64, int) {
	t.Helper()
	var ids []int64
	matched := -1
	for pages := 0; path != ""; pages++ {
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
		rec := get(t, h, path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != mediaGeoJSON {
			t.Fatalf("%s: %d %s %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		var p ogcPage
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "FeatureCollection" || p.NumberReturned != len(p.Features) {
			t.Fatalf("%s: type %q, numberReturned %d for %d features", path, p.Type, p.NumberReturned, len(p.Features))
		}
		if matched < 0 {
			matched = p.NumberMatched
		} else if p.NumberMatched != matched {
			t.Fatalf("numberMatched changed between pages: %d, %d", matched, p.NumberMatched)
		}
		if pages > 0 && linkOf(p.Links, "prev") == "" {
			t.Errorf("%s: no prev link", path)
		}
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		path = ""
		if next := linkOf(p.Links, "next"); next != "" {
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	return ids, matched
}

func TestOGCFeatures(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()

	// Landing, conformance, collections and the API definition.
	rec := get(t, h, "/?f=json")
	var landing struct{ Links []features.Link }
	json.Unmarshal(rec.Body.Bytes(), &landing)
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if linkOf(landing.Links, rel) == "" {
			t.Errorf("landing page has no %s link: %s", rel, rec.Body)
		}
	}
	rec = get(t, h, "/conformance")
	if !strings.Contains(rec.Body.String(), "conf/core") || !strings.Contains(rec.Body.String(), "conf/geojson") {
		t.Errorf("conformance: %s", rec.Body)
	}
	rec = get(t, h, "/collections")
	var cols struct {
		Collections []features.CollectionJSON `json:"collections"`
	}
	json.Unmarshal(rec.Body.Bytes(), &cols)
	if len(cols.Collections) != len(geo.Schemas) {
		t.Fatalf("collections: %s", rec.Body)
	}
	for _, c := range cols.Collections {
		if c.Extent == nil || linkOf(c.Links, "items") == "" {
			t.Errorf("collection %s lacks an extent or items link", c.ID)
		}
	}
	rec = get(t, h, "/api")
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["openapi"] != "3.0.3" || rec.Header().Get("Content-Type") != mediaOpenAPI {
		t.Errorf("/api: %v %v %s", err, doc["openapi"], rec.Header().Get("Content-Type"))
	}

	// Paging through every parcel, seven at a time, yields each once, in
	// id order, as many as the layer holds.
	l := snap.Layer(geo.Parcels)
	var want []int64
	l.Scan(func(f *geo.Feature) bool { want = append(want, f.ID); return true })
	ids, matched := pageAll(t, h, "/collections/parcels/items?limit=97")
	if matched != len(want) || fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("paged %d ids (numberMatched %d), the layer holds %d", len(ids), matched, len(want))
	}

	// bbox against GEOS intersects on every feature; with a filter and
	// paging on top.
	gc := geos.NewContext()
	b, _ := l.Bound()
	cx, cy := b.Center()[0], b.Center()[1]
	box := [4]float64{cx - 0.004, cy - 0.003, cx + 0.002, cy + 0.004}
	boxG := gc.NewGeomFromBounds(box[0], box[1], box[2], box[3])
	for _, layer := range []string{geo.Green, geo.Parcels, geo.Roads, geo.Waste} {
		var want []int64
		snap.Layer(layer).Scan(func(f *geo.Feature) bool {
			raw, err := wkb.Marshal(f.Geom)
			if err != nil {
				t.Fatal(err)
			}
			g, err := gc.NewGeomFromWKB(raw)
			if err != nil {
				t.Fatal(err)
			}
			if g.Intersects(boxG) {
				want = append(want, f.ID)
			}
			return true
		})
		if len(want) == 0 {
			t.Errorf("%s: the test box holds nothing", layer)
		}
		ids, matched := pageAll(t, h, fmt.Sprintf("/collections/%s/items?bbox=%g,%g,%g,%g&limit=5", layer, box[0], box[1], box[2], box[3]))
		if matched != len(want) || fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%s bbox: got %d %v, GEOS says %d %v", layer, matched, ids, len(want), want)
		}
	}

	// Property filters, against a scan.
	for _, c := range []struct{ layer, field, value string }{
		{geo.Green, "kind", "park"},
		{geo.Green, "public", "true"},
		{geo.Areas, "level", "community"},
		{geo.Waste, "kind", "collection_point"},
	} {
		n := 0
		snap.Layer(c.layer).Scan(func(f *geo.Feature) bool {
			if fmt.Sprint(f.Value(c.field)) == c.value {
				n++
			}
			return true
		})
		ids, matched := pageAll(t, h, fmt.Sprintf("/collections/%s/items?%s=%s&limit=1000", c.layer, c.field, c.value))
		if n == 0 || matched != n || len(ids) != n {
			t.Errorf("%s?%s=%s: %d matched, %d returned, scan finds %d", c.layer, c.field, c.value, matched, len(ids), n)
		}
	}

	// One item; ETags.
	id := want[3]
	rec = get(t, h, fmt.Sprintf("/collections/parcels/items/%d", id))
	var one struct {
		ID    int64
		Links []features.Link
	}
	json.Unmarshal(rec.Body.Bytes(), &one)
	if rec.Code != 200 || one.ID != id || linkOf(one.Links, "collection") == "" {
		t.Errorf("item %d: %d %s", id, rec.Code, rec.Body)
	}
	for _, path := range []string{fmt.Sprintf("/collections/parcels/items/%d", id), "/collections/green/items?limit=3"} {
		r1 := get(t, h, path)
		etag := r1.Header().Get("ETag")
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("If-None-Match", etag)
		r2 := httptest.NewRecorder()
		h.ServeHTTP(r2, req)
		if etag == "" || r2.Code != http.StatusNotModified {
			t.Errorf("%s: ETag %q, conditional GET %d", path, etag, r2.Code)
		}
	}

	// Bad requests.
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/collections/parcels/items?limit=1000000000", 400},
		{"/collections/parcels/items?limit=0", 400},
		{"/collections/parcels/items?bbox=104,30,105,91", 400},
		{"/collections/parcels/items?bbox=104,31,105,30", 400},
		{"/collections/parcels/items?bbox=104,30,105", 400},
		{"/collections/parcels/items?bbox=a,b,c,d", 400},
		{"/collections/parcels/items?bbox-crs=EPSG:9999&bbox=1,2,3,4", 400},
		{"/collections/parcels/items?crs=EPSG:4512", 400},
		{"/collections/parcels/items?colour=red", 400},
		{"/collections/parcels/items?population=many", 400},
		{"/collections/parcels/items?datetime=yesterday", 400},
		{"/collections/parcels/items?offset=-1", 400},
		{"/collections/parcels/items?f=xml", 406},
		{"/collections/nope/items", 404},
		{"/collections/nope", 404},
		{"/collections/parcels/items/abc", 404},
		{"/collections/parcels/items/99999999", 404},
	} {
		rec := get(t, h, c.path)
		if rec.Code != c.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", c.path, rec.Code, rec.Header().Get("Content-Type"), c.status)
		}
	}
	// An antimeridian box and a datetime interval covering everything.
	if _, m := pageAll(t, h, "/collections/parcels/items?bbox=170,-90,-170,90"); m != 0 {
		t.Errorf("a box around the antimeridian matched %d demo parcels", m)
	}
	if _, m := pageAll(t, h, "/collections/parcels/items?datetime=2000-01-01T00:00:00Z/..&limit=10000"); m != len(want) {
		t.Errorf("datetime from 2000 on: %d of %d", m, len(want))
	}
}

// TestOGCWithGDAL: GDAL's OAPIF driver lists the collections and pages
// through every item of each layer; its count equals the index's.
func TestOGCWithGDAL(t *testing.T) {
	tilestest.NeedOgrinfo(t)
	s, _, ix := demoServer(t)
	h := s.Handler()
	var mu sync.Mutex
	pages := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := regexp.MustCompile(`^/collections/(\w+)/items$`).FindStringSubmatch(r.URL.Path); m != nil {
			mu.Lock()
			pages[m[1]]++
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	src := "OAPIF:" + srv.URL
	out, err := exec.Command("ogrinfo", "-ro", "-q", src).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", src, err, out)
	}
	for _, sc := range geo.Schemas {
		if !regexp.MustCompile(`(?m)^\d+: ` + sc.ID + `\b`).Match(out) {
			t.Errorf("ogrinfo does not list %s:\n%s", sc.ID, out)
		}
	}
	for _, sc := range geo.Schemas {
		want := ix.Snapshot().Layer(sc.ID).Len()
		// Pages of 40 (GDAL follows our next links); every feature is
		// printed, and counted here.
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=40", src, sc.ID).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s %s: %v\n%s", src, sc.ID, err, tail(out))
		}
		got := strings.Count(string(out), "OGRFeature("+sc.ID+"):")
		if got != want {
			t.Errorf("%s: GDAL read %d features, the layer holds %d\n%s", sc.ID, got, want, tail(out))
		}
		if strings.Contains(string(out), "ERROR") {
			t.Errorf("%s: GDAL reported errors:\n%s", sc.ID, tail(out))
		}
		mu.Lock()
		n := pages[sc.ID]
		mu.Unlock()
		if n < (want+39)/40 {
			t.Errorf("%s: GDAL asked for %d pages of items; %d features need %d", sc.ID, n, want, (want+39)/40)
		}
		t.Logf("%s: GDAL paged through %d features in %d requests", sc.ID, got, n)
	}
}

func tail(b []byte) string {
	s := string(b)
	if len(s) > 3000 {
		s = "…" + s[len(s)-3000:]
	}
	return s
}
