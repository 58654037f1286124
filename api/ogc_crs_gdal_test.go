package api

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles/tilestest"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-proj/v10"
)

// TestOGCCRSWithGDAL: GDAL's OAPIF driver, opening a collection with
// crs=EPSG:4490 (CGCS2000, latitude first) or EPSG:4544 (its 3°
// Gauss-Krüger zone at 105°E, northing first), asks every page of items
// in that system and reads, for each feature, the coordinates PROJ gives
// for the stored CRS84 ones. (GDAL 3.6 predates Part 2: it takes the
// numbers as they come, in the system's axis order, and names no system.)
func TestOGCCRSWithGDAL(t *testing.T) {
	tilestest.NeedOgrinfo(t)
	s, _, ix := demoServer(t)
	h := s.Handler()
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	stored := map[int64]orb.Point{}
	ix.Snapshot().Layer(geo.Waste).Scan(func(f *geo.Feature) bool { stored[f.ID] = f.Geom.(orb.Point); return true })
	feature := regexp.MustCompile(`OGRFeature\(waste\):(\d+)\n(?:.*\n)*?  POINT \(([-\d.e+]+) ([-\d.e+]+)\)`)
	for _, code := range []int{4490, 4544} {
		asked = nil
		src := fmt.Sprintf("OAPIF:%s/collections/waste?crs=EPSG:%d", srv.URL, code)
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=50", src).CombinedOutput()
		if err != nil || strings.Contains(string(out), "ERROR") {
			t.Fatalf("ogrinfo %s: %v\n%s", src, err, errorLines(out))
		}
		pj, err := proj.NewCRSToCRS("OGC:CRS84", fmt.Sprintf("EPSG:%d", code), nil)
		if err != nil {
			t.Fatal(err)
		}
		tol := 1e-9 // degrees
		if code == 4544 {
			tol = 1e-4 // metres
		}
		seen := 0
		for _, m := range feature.FindAllStringSubmatch(string(out), -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			x, _ := strconv.ParseFloat(m[2], 64)
			y, _ := strconv.ParseFloat(m[3], 64)
			ll, ok := stored[id]
			if !ok {
				t.Fatalf("GDAL read feature %d, not in the layer", id)
			}
			c, err := pj.Forward(proj.NewCoord(ll[0], ll[1], 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(x-c.X()) > tol || math.Abs(y-c.Y()) > tol {
				t.Errorf("EPSG:%d: GDAL read %d at %v %v, PROJ says %v %v", code, id, x, y, c.X(), c.Y())
			}
			seen++
		}
		if seen != len(stored) {
			t.Errorf("EPSG:%d: GDAL read %d features, the layer holds %d\n%s", code, seen, len(stored), tail(out))
		}
		pages := 0
		for _, a := range asked {
			if strings.HasPrefix(a, "/collections/waste/items?") {
				pages++
				if n := strings.Count(a, fmt.Sprintf("crs=EPSG:%d", code)); n < 1 || n > 2 {
					t.Errorf("GDAL asked %s with the crs %d times", a, n)
				}
			}
		}
		if pages < (len(stored)+49)/50 {
			t.Errorf("EPSG:%d: %d pages for %d features", code, pages, len(stored))
		}
	}
}

// errorLines are GDAL's ERROR lines and the line after each.
func errorLines(out []byte) string {
	lines := strings.Split(string(out), "\n")
	var b strings.Builder
	for i, l := range lines {
		if strings.Contains(l, "ERROR") {
			b.WriteString(l + "\n")
			if i+1 < len(lines) {
				b.WriteString(lines[i+1] + "\n")
			}
		}
	}
	if b.Len() == 0 {
		return tail(out)
	}
	return b.String()
}
