package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/greenreach/greenreach/api/ogctiles"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// gdalVersion is ogrinfo's GDAL version as major*10000+minor*100+patch
// (30602 for 3.6.2).
func gdalVersion(t *testing.T) int {
	out, err := exec.Command("ogrinfo", "--version").CombinedOutput()
	m := regexp.MustCompile(`GDAL (\d+)\.(\d+)\.(\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("ogrinfo --version: %v %s", err, out)
	}
	v := 0
	for _, n := range m[1:] {
		d, _ := strconv.Atoi(string(n))
		v = v*100 + d
	}
	return v
}

// TestOGCTilesWithGDAL: GDAL's OGCAPI driver opens the green collection
// by its URL alone, OGCAPI:…/collections/green, and reads every park.
//
// From 3.7.2 its default (API=AUTO) follows the collection's untyped
// tilesets-vector link to the tilesets list, the WebMercatorQuad tileset
// and, through its tiling-scheme link, our tile matrix set, and reads the
// parks from the tiles. It picks the tiles of each zoom from the
// collection's CRS84 extent taken as metres (its InitWithTilesAPI does not
// reproject it for vector tiles), so the test gives the extent in
// EPSG:3857 metres (-oo MINX…), as README tells users to.
//
// Before 3.7.2 it cannot read vector tiles through that driver: in 3.6 and
// 3.7.0 the branch of InitWithTilesAPI that makes layers of them sits under
// #ifdef OGR_ENABLE_DRIVER_GML, which their CMake build never defines
// (frmts/ is configured before the GML driver's option exists; fixed in
// 3.7.1), so with a tilesets link it opens nothing, and API=AUTO tries the
// tiles before the items. It takes a tilesets link only when typed
// application/json (untyped ones from 3.7.2); ours is untyped, so there
// the default reads the items (OGC API – Features) and -oo API=TILES finds
// no tiles. GDAL's MVT driver then reads every tile the tileset's limits
// name at its deepest tile matrix, fetched by the tileset's URL template:
// before 3.7.2 too, every park is read from our tiles.
func TestOGCTilesWithGDAL(t *testing.T) {
	tilestest.NeedOgrinfo(t)
	s, _, ix := demoServer(t)
	h := s.Handler()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	asked := func() []string {
		mu.Lock()
		defer mu.Unlock()
		p := slices.Clone(paths)
		paths = nil
		return p
	}
	want := ix.Snapshot().Layer(geo.Green).Len()
	stored := map[string]bool{}
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool { stored[strconv.FormatInt(f.ID, 10)] = true; return true })
	parkIDs := regexp.MustCompile(`(?m)^  mvt_id \(Integer64\) = (\d+)$`)
	src := "OGCAPI:" + srv.URL + "/collections/green"
	v := gdalVersion(t)
	if v >= 30702 {
		b, _ := ix.Snapshot().Layer(geo.Green).Bound()
		merc := func(p orb.Point) (x, y float64) {
			const r = 6378137
			return r * p[0] * math.Pi / 180, r * math.Log(math.Tan(math.Pi/4+p[1]*math.Pi/360))
		}
		x0, y0 := merc(b.Min)
		x1, y1 := merc(b.Max)
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", fmt.Sprintf("MINX=%f", x0), "-oo", fmt.Sprintf("MINY=%f", y0),
			"-oo", fmt.Sprintf("MAXX=%f", x1), "-oo", fmt.Sprintf("MAXY=%f", y1), src).CombinedOutput()
		walked := asked()
		for _, p := range []string{"/collections/green", "/collections/green/tiles", "/collections/green/tiles/WebMercatorQuad", "/tileMatrixSets/WebMercatorQuad"} {
			if !slices.Contains(walked, p) {
				t.Errorf("GDAL did not ask for %s (asked for %v)", p, walked)
			}
		}
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", src, err, tail(out))
		}
		seen := map[string]bool{}
		for _, m := range parkIDs.FindAllSubmatch(out, -1) {
			if !stored[string(m[1])] {
				t.Errorf("GDAL read park %s from the tiles, not in the layer", m[1])
			}
			seen[string(m[1])] = true
		}
		if len(seen) != len(stored) {
			t.Errorf("GDAL %d read %d parks from the tiles, the layer holds %d", v, len(seen), len(stored))
		}
		return
	}
	// Before 3.7.2, no options: every park of the layer, by its id, as items.
	def, err := exec.Command("ogrinfo", "-ro", "-al", src).CombinedOutput()
	walked := asked()
	if err != nil || bytes.Contains(def, []byte("ERROR")) {
		t.Fatalf("GDAL %d, ogrinfo -ro -al %s: %v\n%s", v, src, err, errorLines(def))
	}
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^OGRFeature\(green\):(\d+)$`).FindAllSubmatch(def, -1) {
		if !stored[string(m[1])] {
			t.Errorf("GDAL %d read park %s, not in the layer", v, m[1])
		}
		read[string(m[1])] = true
	}
	if len(read) != len(stored) {
		t.Errorf("GDAL %d without options read %d parks, the layer holds %d\n%s", v, len(read), len(stored), tail(def))
	}
	if !slices.Contains(walked, "/collections/green/items") || slices.Contains(walked, "/collections/green/tiles") {
		t.Errorf("GDAL %d by default asked for %v: want the items, not the tilesets", v, walked)
	}
	// Asked for tiles, it finds no tilesets link it takes, and says so.
	out, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", "API=TILES", src).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("API TILES requested, but not available")) {
		t.Errorf("GDAL %d with -oo API=TILES: %v\n%s", v, err, tail(out))
	}
	items, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", "API=ITEMS", src).CombinedOutput()
	if n := strings.Count(string(items), "OGRFeature(green):"); err != nil || n != want {
		t.Errorf("GDAL %d with -oo API=ITEMS: %v, %d parks of %d\n%s", v, err, n, want, tail(items))
	}
	// The MVT driver reads the tiles the tileset names.
	var ts struct {
		Layers []struct {
			MaxTileMatrix string `json:"maxTileMatrix"`
		} `json:"layers"`
		Limits []ogctiles.Limits `json:"tileMatrixSetLimits"`
		Links  []ogctiles.Link   `json:"links"`
	}
	if err := json.Unmarshal(get(t, h, "/collections/green/tiles/WebMercatorQuad").Body.Bytes(), &ts); err != nil || len(ts.Layers) != 1 {
		t.Fatalf("tileset: %v %+v", err, ts)
	}
	template := ""
	for _, l := range ts.Links {
		if l.Rel == "item" && l.Type == ogctiles.MediaMVT {
			template = strings.Replace(l.Href, "http://example.com", srv.URL, 1)
		}
	}
	var lim ogctiles.Limits
	for _, l := range ts.Limits {
		if l.TileMatrix == ts.Layers[0].MaxTileMatrix {
			lim = l
		}
	}
	z, _ := strconv.Atoi(lim.TileMatrix)
	if template == "" || z < 14 {
		t.Fatalf("tileset: template %q, limits at its deepest matrix %+v", template, lim)
	}
	seen := map[string]bool{}
	for row := lim.MinTileRow; row <= lim.MaxTileRow; row++ {
		for col := lim.MinTileCol; col <= lim.MaxTileCol; col++ {
			url := strings.NewReplacer("{tileMatrix}", lim.TileMatrix, "{tileRow}", strconv.Itoa(row), "{tileCol}", strconv.Itoa(col)).Replace(template)
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ogctiles.MediaMVT {
				t.Fatalf("%s: %d %s %v", url, resp.StatusCode, resp.Header.Get("Content-Type"), err)
			}
			path := filepath.Join(t.TempDir(), "tile.mvt")
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", fmt.Sprintf("Z=%d", z), "-oo", fmt.Sprintf("X=%d", col), "-oo", fmt.Sprintf("Y=%d", row), path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", url, err, tail(out))
			}
			for _, m := range parkIDs.FindAllSubmatch(out, -1) {
				seen[string(m[1])] = true
			}
		}
	}
	if len(seen) != want {
		t.Errorf("GDAL's MVT driver read %d distinct parks from the z%d tiles, the layer holds %d", len(seen), z, want)
	}
	t.Logf("GDAL %d: read %d parks from %d tiles of z%d", v, len(seen), (lim.MaxTileRow-lim.MinTileRow+1)*(lim.MaxTileCol-lim.MinTileCol+1), z)
}

// TestOGCTiles: the OGC API – Tiles documents and tiles. The tile matrix
// set's first and last matrices are WebMercatorQuad's as OGC 17-083r4
// Annex D.1 lists them; a tileset's limits are the tiles the layer's
// bound touches (computed here from the Web Mercator formulas); tile URLs
// take the row (y) before the column (x) and answer the tile route's
// bytes from the same cache; parcels stay closed without a token; every
// answer matches the OpenAPI document.
func TestOGCTiles(t *testing.T) {
	s, _, ix := demoServer(t)
	s.cfg.Anonymous = store.RolePublic
	h := s.Handler()
	doc, _ := servedOpenAPI(t, h)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	fetch := func(path string, want int) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s: %d, want %d: %s", path, rec.Code, want, rec.Body)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s: not in the OpenAPI document: %v", path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts}
		out.SetBodyBytes(bytes.Clone(rec.Body.Bytes()))
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil && want < 400 {
			t.Errorf("%s: the answer does not match the OpenAPI document: %v", path, err)
		}
		return rec
	}
	decode := func(rec *httptest.ResponseRecorder, v any) {
		t.Helper()
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatal(err)
		}
	}

	// Conformance, landing and collection links.
	var conf struct{ ConformsTo []string }
	decode(fetch("/conformance", 200), &conf)
	for _, c := range []string{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset", "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list", "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"} {
		if !slices.Contains(conf.ConformsTo, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	var landing, coll struct{ Links []ogctiles.Link }
	decode(fetch("/?f=json", 200), &landing)
	decode(fetch("/collections/green", 200), &coll)
	if !hasLink(landing.Links, ogctiles.RelTilesetsVector, "/tiles") || !hasLink(landing.Links, ogctiles.RelTilingSchemes, "/tileMatrixSets") || !hasLink(coll.Links, ogctiles.RelTilesetsVector, "/collections/green/tiles") {
		t.Errorf("tiles links: landing %v, collection %v", landing.Links, coll.Links)
	}

	// The tile matrix set.
	var tms ogctiles.TileMatrixSet
	decode(fetch("/tileMatrixSets/WebMercatorQuad", 200), &tms)
	fetch("/tileMatrixSets/WorldCRS84Quad", 404)
	m0, m24 := tms.TileMatrices[0], tms.TileMatrices[len(tms.TileMatrices)-1]
	near := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
	if tms.CRS != "http://www.opengis.net/def/crs/EPSG/0/3857" || len(tms.TileMatrices) != 25 ||
		!near(m0.ScaleDenominator, 559082264.028717, 1e-5) || !near(m0.CellSize, 156543.033928041, 1e-8) ||
		!near(m0.PointOfOrigin[0], -20037508.3427892, 1e-6) || !near(m0.PointOfOrigin[1], 20037508.3427892, 1e-6) ||
		m24.ID != "24" || m24.MatrixWidth != 1<<24 || !near(m24.ScaleDenominator, 33.3238997477, 1e-9) || m0.CornerOfOrigin != "topLeft" {
		t.Errorf("WebMercatorQuad: crs %s, %d matrices, z0 %+v, z24 %+v", tms.CRS, len(tms.TileMatrices), m0, m24)
	}

	// The green tileset: its limits are the tiles of the layer's bound.
	var ts struct {
		DataType string            `json:"dataType"`
		Limits   []ogctiles.Limits `json:"tileMatrixSetLimits"`
		Layers   []ogctiles.Layer  `json:"layers"`
		Links    []ogctiles.Link   `json:"links"`
	}
	decode(fetch("/collections/green/tiles/WebMercatorQuad", 200), &ts)
	b, _ := ix.Snapshot().Layer(geo.Green).Bound()
	col := func(lon float64, z int) int { return int(math.Floor((lon + 180) / 360 * math.Exp2(float64(z)))) }
	row := func(lat float64, z int) int {
		return int(math.Floor((1 - math.Asinh(math.Tan(lat*math.Pi/180))/math.Pi) / 2 * math.Exp2(float64(z))))
	}
	maxZ, _ := strconv.Atoi(ts.Layers[0].MaxTileMatrix)
	if ts.DataType != "vector" || len(ts.Limits) != maxZ+1 || maxZ < 14 || maxZ >= tiles.MaxZoom {
		t.Fatalf("tileset: %s, %d limits, max tile matrix %d", ts.DataType, len(ts.Limits), maxZ)
	}
	for z, l := range ts.Limits {
		want := ogctiles.Limits{TileMatrix: strconv.Itoa(z), MinTileRow: row(b.Max[1], z), MaxTileRow: row(b.Min[1], z), MinTileCol: col(b.Min[0], z), MaxTileCol: col(b.Max[0], z)}
		if l != want {
			t.Errorf("limits at z%d: %+v, want %+v", z, l, want)
		}
	}
	if !hasLink(ts.Links, "item", "/collections/green/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}") || !hasLink(ts.Links, ogctiles.RelTilingScheme, "/tileMatrixSets/WebMercatorQuad") {
		t.Errorf("tileset links %v", ts.Links)
	}
	var list struct {
		Tilesets []struct{ Links []ogctiles.Link }
	}
	decode(fetch("/tiles", 200), &list)
	if len(list.Tilesets) != 1 || !hasLink(list.Tilesets[0].Links, "self", "/tiles/WebMercatorQuad") {
		t.Errorf("dataset tilesets %+v", list)
	}
	fetch("/tiles/WebMercatorQuad", 200)
	fetch("/collections/lakes/tiles", 404)

	// Tiles: row then column, the tile route's bytes and cache.
	tl := maptile.At(b.Center(), 14)
	x, y := int(tl.X), int(tl.Y)
	fetch(fmt.Sprintf("/tiles/green/14/%d/%d.mvt", x, y), 200) // the cache keeps a tile at its second cut
	classic := fetch(fmt.Sprintf("/tiles/green/14/%d/%d.mvt", x, y), 200)
	ogc := fetch(fmt.Sprintf("/collections/green/tiles/WebMercatorQuad/14/%d/%d", y, x), 200)
	if !bytes.Equal(ogc.Body.Bytes(), classic.Body.Bytes()) || ogc.Header().Get("ETag") != classic.Header().Get("ETag") || ogc.Header().Get("X-Cache") != "HIT" {
		t.Errorf("OGC tile: %d bytes, ETag %s, %s; tile route: %d bytes, ETag %s", ogc.Body.Len(), ogc.Header().Get("ETag"), ogc.Header().Get("X-Cache"), classic.Body.Len(), classic.Header().Get("ETag"))
	}
	if swapped := get(t, h, fmt.Sprintf("/collections/green/tiles/WebMercatorQuad/14/%d/%d", x, y)); swapped.Code == 200 && bytes.Equal(swapped.Body.Bytes(), classic.Body.Bytes()) {
		t.Errorf("the tile at row %d, column %d is the tile at row %d, column %d", x, y, y, x)
	}
	pub := fetch(fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d", y, x), 200)
	if want := get(t, h, fmt.Sprintf("/tiles/public/14/%d/%d.mvt", x, y)); !bytes.Equal(pub.Body.Bytes(), want.Body.Bytes()) {
		t.Errorf("dataset tile differs from the public tile")
	}
	if nm := httptest.NewRecorder(); true {
		r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/collections/green/tiles/WebMercatorQuad/14/%d/%d", y, x), nil)
		r.Header.Set("If-None-Match", classic.Header().Get("ETag"))
		h.ServeHTTP(nm, r)
		if nm.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", nm.Code)
		}
	}
	for path, want := range map[string]int{
		"/collections/parcels/tiles":                                             401,
		"/collections/parcels/tiles/WebMercatorQuad":                             401,
		fmt.Sprintf("/collections/parcels/tiles/WebMercatorQuad/14/%d/%d", y, x): 401,
		"/collections/green/tiles/WebMercatorQuad/25/0/0":                        400,
		"/collections/green/tiles/WebMercatorQuad/3/0/8":                         400,
		"/collections/green/tiles/WebMercatorQuad/3/0/0?f=png":                   406,
		"/collections/green/tiles/WebMercatorQuad/3/0/0?zoom=3":                  400,
		"/collections/green/tiles/WorldCRS84Quad/3/0/0":                          404,
		"/collections/lakes/tiles/WebMercatorQuad/3/0/0":                         404,
	} {
		if rec := get(t, h, path); rec.Code != want || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
	}
}

func hasLink(links []ogctiles.Link, rel, pathSuffix string) bool {
	return slices.ContainsFunc(links, func(l ogctiles.Link) bool { return l.Rel == rel && strings.HasSuffix(l.Href, pathSuffix) })
}
