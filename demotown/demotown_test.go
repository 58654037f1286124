package demotown

import (
	"container/heap"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// generate runs Generate, checks the batching contract and returns the
// features, prepared.
func generate(t testing.TB, opt Options) ([]*geo.Feature, Stats) {
	t.Helper()
	var all []*geo.Feature
	order := []string{geo.Areas, geo.Roads, geo.Green, geo.Parcels, geo.Waste, geo.Zones}
	at := 0
	st, err := Generate(opt, func(b []*geo.Feature) error {
		if len(b) == 0 || len(b) > BatchSize {
			t.Fatalf("batch of %d features", len(b))
		}
		for _, f := range b {
			if f.Layer != b[0].Layer {
				t.Fatalf("batch mixes layers %s and %s", b[0].Layer, f.Layer)
			}
		}
		for at < len(order) && order[at] != b[0].Layer {
			at++
		}
		if at == len(order) {
			t.Fatalf("layer %s out of order", b[0].Layer)
		}
		all = append(all, b...)
		return nil
	})
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return all, st
}

// digest hashes the features as printed.
func digest(h hash.Hash, fs []*geo.Feature) string {
	for _, f := range fs {
		fmt.Fprintf(h, "%s|%s|%s|%v|%v\n", f.Layer, f.Source, f.SourceID, f.Geom, f.Props)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestSizes(t *testing.T) {
	if got := Sizes(); !slices.Equal(got, []string{"small", "city", "metro"}) {
		t.Fatalf("Sizes() = %v", got)
	}
	for _, s := range []string{"", "tiny", "City"} {
		if _, err := Generate(Options{Size: s}, func([]*geo.Feature) error { return nil }); err == nil {
			t.Errorf("size %q: no error", s)
		}
	}
}

func TestEmitErrorStops(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	_, err := Generate(Options{Seed: 1, Size: "city"}, func([]*geo.Feature) error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls, want boom after 1", err, calls)
	}
}

func TestDeterministic(t *testing.T) {
	for _, size := range []string{"small", "city"} {
		t.Run(size, func(t *testing.T) {
			a, _ := generate(t, Options{Seed: 7, Size: size})
			b, _ := generate(t, Options{Seed: 7, Size: size})
			c, _ := generate(t, Options{Seed: 8, Size: size})
			da, db, dc := digest(sha256.New(), a), digest(sha256.New(), b), digest(sha256.New(), c)
			if da != db {
				t.Errorf("same seed, different towns")
			}
			if da == dc {
				t.Errorf("seeds 7 and 8 give the same town")
			}
		})
	}
}

// rng streams must not depend on how many other streams were drawn.
func TestStreamsIndependent(t *testing.T) {
	tw := newTown(configFor("small"), 3)
	a := tw.rng(tagCells, 4, 5).Uint64()
	tw.rng(tagCells, 1, 1).Uint64()
	if b := tw.rng(tagCells, 4, 5).Uint64(); a != b {
		t.Fatal("rng stream changed")
	}
	if tw.rng(tagCells, 5, 4).Uint64() == a || tw.rng(tagGreen, 4, 5).Uint64() == a {
		t.Fatal("rng streams collide")
	}
}

func TestCNNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 10: "十", 12: "十二", 20: "二十", 35: "三十五", 100: "一百", 105: "一百零五", 110: "一百一十", 256: "二百五十六"} {
		if got := cnNumber(n); got != want {
			t.Errorf("cnNumber(%d) = %s, want %s", n, got, want)
		}
	}
}

type countRange struct{ lo, hi int }

func TestFeatures(t *testing.T) {
	tests := []struct {
		size   string
		counts map[string]countRange
		resLo  int64
		resHi  int64
	}{
		{"small", map[string]countRange{
			geo.Areas: {6, 40}, geo.Roads: {180, 300}, geo.Green: {60, 400}, geo.Parcels: {150, 500}, geo.Waste: {100, 800},
		}, 30_000, 150_000},
		{"city", map[string]countRange{
			geo.Areas: {50, 200}, geo.Roads: {3000, 5000}, geo.Green: {1000, 5000}, geo.Parcels: {2500, 8000}, geo.Waste: {2000, 10000},
		}, 800_000, 3_000_000},
	}
	for _, tc := range tests {
		t.Run(tc.size, func(t *testing.T) {
			fs, st := generate(t, Options{Seed: 1, Size: tc.size})
			count := map[string]int{}
			ids := map[string]bool{}
			var residents int64
			kinds := map[string]map[string]int{}
			for _, f := range fs {
				count[f.Layer]++
				if f.Source != Source || f.SourceID == "" {
					t.Fatalf("%s feature with source %q/%q", f.Layer, f.Source, f.SourceID)
				}
				if ids[f.Layer+" "+f.SourceID] {
					t.Fatalf("duplicate %s source id %s", f.Layer, f.SourceID)
				}
				ids[f.Layer+" "+f.SourceID] = true
				checkProps(t, f)
				checkGeom(t, f)
				if err := geo.Prepare(f); err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				key := map[string]string{geo.Green: "kind", geo.Parcels: "kind", geo.Roads: "class", geo.Waste: "kind", geo.Areas: "level"}[f.Layer]
				if kinds[f.Layer] == nil {
					kinds[f.Layer] = map[string]int{}
				}
				kinds[f.Layer][f.Text(key)]++
				if f.Layer == geo.Parcels {
					residents += f.Int("population")
				}
			}
			for layer, r := range tc.counts {
				if n := count[layer]; n < r.lo || n > r.hi {
					t.Errorf("%s: %d features, want %d..%d", layer, n, r.lo, r.hi)
				}
				if st.Features[layer] != count[layer] {
					t.Errorf("%s: stats say %d, emitted %d", layer, st.Features[layer], count[layer])
				}
			}
			if st.Residents != residents || residents < tc.resLo || residents > tc.resHi {
				t.Errorf("residents: stats %d, parcels %d, want %d..%d", st.Residents, residents, tc.resLo, tc.resHi)
			}
			want := map[string][]string{
				geo.Green:   {"park", "belt", "garden", "forest"},
				geo.Roads:   {"residential", "tertiary", "secondary", "primary", "trunk", "motorway", "footway", "path"},
				geo.Waste:   {"collection_point", "transfer_station", "recycling", "toilet", "litter_bin"},
				geo.Areas:   {"district", "community"},
				geo.Parcels: {"compound"},
			}
			if tc.size == "city" {
				want[geo.Green] = append(want[geo.Green], "lawn")
			}
			for layer, ks := range want {
				for _, k := range ks {
					if kinds[layer][k] == 0 {
						t.Errorf("%s: no %q (have %v)", layer, k, kinds[layer])
					}
				}
			}
			checkParkSizes(t, fs, tc.size == "city")
			checkParcels(t, fs)
			checkRoads(t, fs)
			checkAreas(t, fs)
			t.Logf("%s: %v, residents %d, kinds %v", tc.size, count, residents, kinds)
		})
	}
}

// checkProps checks attribute names and Go types against the schema.
func checkProps(t *testing.T, f *geo.Feature) {
	t.Helper()
	s := geo.SchemaOf(f.Layer)
	for k, v := range f.Props {
		fd, ok := s.Field(k)
		if !ok || k == s.Measure {
			t.Fatalf("%s %s: attribute %q not allowed", f.Layer, f.SourceID, k)
		}
		var ok2 bool
		switch fd.Type {
		case geo.Text:
			_, ok2 = v.(string)
		case geo.Int:
			_, ok2 = v.(int64)
		case geo.Real:
			_, ok2 = v.(float64)
		case geo.Bool:
			_, ok2 = v.(bool)
		}
		if !ok2 {
			t.Fatalf("%s %s: %s = %v (%T), want %s", f.Layer, f.SourceID, k, v, v, fd.Type)
		}
	}
	if f.Text("name") == "" && !(f.Layer == geo.Waste && f.Text("kind") == "") {
		t.Fatalf("%s %s has no name", f.Layer, f.SourceID)
	}
}

func signedArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSeg(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) && math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func segsIntersect(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	return (o1 == 0 && onSeg(a, b, c)) || (o2 == 0 && onSeg(a, b, d)) || (o3 == 0 && onSeg(c, d, a)) || (o4 == 0 && onSeg(c, d, b))
}

func simple(r orb.Ring) bool {
	n := len(r) - 1
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a vertex
			}
			if segsIntersect(r[i], r[i+1], r[j], r[j+1]) {
				return false
			}
		}
	}
	return true
}

func checkGeom(t *testing.T, f *geo.Feature) {
	t.Helper()
	switch gm := f.Geom.(type) {
	case orb.Polygon:
		for k, r := range gm {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("%s %s: ring %d not closed", f.Layer, f.SourceID, k)
			}
			if a := signedArea(r); (k == 0 && a <= 0) || (k > 0 && a >= 0) {
				t.Fatalf("%s %s: ring %d wrongly oriented (%g)", f.Layer, f.SourceID, k, a)
			}
			if !simple(r) {
				t.Fatalf("%s %s: ring %d self-intersects", f.Layer, f.SourceID, k)
			}
			if k > 0 {
				for _, p := range r {
					if !ringContains(gm[0], p) {
						t.Fatalf("%s %s: hole outside", f.Layer, f.SourceID)
					}
				}
			}
		}
	case orb.LineString:
		if len(gm) < 2 || gm[0] == gm[len(gm)-1] {
			t.Fatalf("%s %s: bad line", f.Layer, f.SourceID)
		}
	case orb.Point:
	default:
		t.Fatalf("%s %s: geometry %T", f.Layer, f.SourceID, f.Geom)
	}
}

// ringContains is an even-odd point-in-ring test.
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func polyContains(pg orb.Polygon, p orb.Point) bool {
	if !ringContains(pg[0], p) {
		return false
	}
	for _, h := range pg[1:] {
		if ringContains(h, p) {
			return false
		}
	}
	return true
}

func polygonOf(f *geo.Feature) orb.Polygon {
	switch gm := f.Geom.(type) {
	case orb.Polygon:
		return gm
	case orb.MultiPolygon:
		return gm[0]
	}
	return nil
}

func lineOf(f *geo.Feature) orb.LineString {
	switch gm := f.Geom.(type) {
	case orb.LineString:
		return gm
	case orb.MultiLineString:
		return gm[0]
	}
	return nil
}

// centroid is the area centroid of the exterior ring.
func centroid(pg orb.Polygon) orb.Point {
	r := pg[0]
	var a, cx, cy float64
	for i := 0; i+1 < len(r); i++ {
		c := r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
		a += c
		cx += (r[i][0] + r[i+1][0]) * c
		cy += (r[i][1] + r[i+1][1]) * c
	}
	return orb.Point{cx / (3 * a), cy / (3 * a)}
}

func byLayer(fs []*geo.Feature, layer string) []*geo.Feature {
	var out []*geo.Feature
	for _, f := range fs {
		if f.Layer == layer {
			out = append(out, f)
		}
	}
	return out
}

// checkParkSizes counts public parks by size, from pocket parks to the large
// multi-block park.
func checkParkSizes(t *testing.T, fs []*geo.Feature, all bool) {
	t.Helper()
	buckets := []float64{0, 1000, 2000, 5000, 30000, 100000, math.Inf(1)}
	n := make([]int, len(buckets)-1)
	for _, f := range byLayer(fs, geo.Green) {
		if f.Text("kind") != "park" || !f.Bool("public") {
			continue
		}
		a := f.Float("area_m2")
		for k := range n {
			if a >= buckets[k] && a < buckets[k+1] {
				n[k]++
			}
		}
	}
	t.Logf("public parks by size %v: %v", buckets, n)
	for k, c := range n {
		if c == 0 && (all || k == 0 || k == len(n)-1) {
			t.Errorf("no park of %g..%g m²", buckets[k], buckets[k+1])
		}
	}
}

func checkParcels(t *testing.T, fs []*geo.Feature) {
	t.Helper()
	ps := byLayer(fs, geo.Parcels)
	est := 0
	for _, p := range ps {
		pop, hh, lv, a := p.Int("population"), p.Int("households"), p.Int("levels"), p.Float("area_m2")
		if pop <= 0 || hh <= 0 || lv <= 0 || a <= 0 {
			t.Fatalf("parcel %s: %v", p.SourceID, p.Props)
		}
		if r := float64(pop) / float64(hh); r < 2.4 || r > 3.2 {
			t.Errorf("parcel %s: %.2f persons per household", p.SourceID, r)
		}
		if d := float64(pop) / (a / 1e4); d < 140 || d > 610 {
			t.Errorf("parcel %s: %.0f residents/ha", p.SourceID, d)
		}
		switch p.Text("pop_source") {
		case "estimated":
			est++
			if want := int64(math.Round(a * float64(lv) * estCoverage / estFloorM2)); pop != want {
				t.Errorf("parcel %s: estimated population %d, formula gives %d", p.SourceID, pop, want)
			}
		case "given":
		default:
			t.Errorf("parcel %s: pop_source %q", p.SourceID, p.Text("pop_source"))
		}
	}
	if f := float64(est) / float64(len(ps)); f < 0.05 || f > 0.16 {
		t.Errorf("%.1f%% parcels estimated, want about 10%%", 100*f)
	}
	// No two parcels overlap: their bounding boxes do not even overlap.
	bs := make([]orb.Bound, len(ps))
	for k, p := range ps {
		bs[k] = p.Bound()
	}
	sort.Slice(bs, func(a, b int) bool { return bs[a].Min[0] < bs[b].Min[0] })
	for a := range bs {
		for b := a + 1; b < len(bs) && bs[b].Min[0] < bs[a].Max[0]; b++ {
			if bs[b].Min[1] < bs[a].Max[1] && bs[a].Min[1] < bs[b].Max[1] {
				t.Fatalf("parcels overlap: %v %v", bs[a], bs[b])
			}
		}
	}
}

// checkRoads: walkable flags, shared vertices, one connected walking graph.
func checkRoads(t *testing.T, fs []*geo.Feature) {
	t.Helper()
	g := walkGraph(fs)
	for _, f := range byLayer(fs, geo.Roads) {
		if want := f.Text("class") != "motorway"; f.Bool("walkable") != want {
			t.Errorf("road %s %s: walkable %v", f.SourceID, f.Text("class"), f.Bool("walkable"))
		}
		if f.Bool("ring") != (f.Text("class") == "trunk") {
			t.Errorf("road %s: ring %v", f.SourceID, f.Bool("ring"))
		}
		l := lineOf(f)
		for _, p := range []orb.Point{l[0], l[len(l)-1]} {
			if f.Bool("walkable") && len(g.adj[g.id[p]]) < 2 && !g.boundary(p) {
				t.Errorf("road %s: dangling end %v", f.SourceID, p)
			}
		}
	}
	dist := g.dijkstra(0)
	for k, d := range dist {
		if math.IsInf(d, 1) {
			t.Fatalf("walking graph not connected: node %v unreachable", g.pts[k])
		}
	}
}

func checkAreas(t *testing.T, fs []*geo.Feature) {
	t.Helper()
	var town orb.Bound
	dists := map[string]*geo.Feature{}
	var dArea float64
	cArea := map[string]float64{}
	for k, f := range byLayer(fs, geo.Areas) {
		b := f.Bound()
		if k == 0 {
			town = b
		}
		town = town.Union(b)
		if f.Text("level") == "district" {
			dists[f.Text("code")] = f
			dArea += f.Float("area_m2")
		} else {
			d := dists[f.Text("parent")]
			if d == nil || !strings.HasPrefix(f.Text("code"), f.Text("parent")+"-C") {
				t.Fatalf("community %s: parent %q", f.Text("code"), f.Text("parent"))
			}
			if !polyContains(polygonOf(d), centroid(polygonOf(f))) {
				t.Fatalf("community %s outside its district", f.Text("code"))
			}
			cArea[f.Text("parent")] += f.Float("area_m2")
		}
	}
	if len(dists) < 2 {
		t.Fatalf("%d districts", len(dists))
	}
	townArea := geo.Area(town.ToPolygon())
	if math.Abs(dArea-townArea) > 1e-4*townArea {
		t.Errorf("districts cover %.0f m², town %.0f m²", dArea, townArea)
	}
	for code, d := range dists {
		if a := d.Float("area_m2"); math.Abs(cArea[code]-a) > 1e-4*a {
			t.Errorf("communities of %s cover %.0f m² of %.0f", code, cArea[code], a)
		}
	}
}

// Metro is generated in full (a few seconds); features are counted and a
// sample prepared.
func TestMetro(t *testing.T) {
	start := time.Now()
	count := map[string]int{}
	seen := map[[2]uint64]bool{}
	at := 0
	order := []string{geo.Areas, geo.Roads, geo.Green, geo.Parcels, geo.Waste, geo.Zones}
	n := 0
	var residents int64
	st, err := Generate(Options{Seed: 1, Size: "metro"}, func(b []*geo.Feature) error {
		if len(b) > BatchSize {
			return fmt.Errorf("batch of %d", len(b))
		}
		for at < len(order) && order[at] != b[0].Layer {
			at++
		}
		for _, f := range b {
			if f.Layer != order[at] {
				return fmt.Errorf("layer %s in a %s batch", f.Layer, order[at])
			}
			count[f.Layer]++
			h := sha256.Sum256([]byte(f.Layer + " " + f.SourceID))
			key := [2]uint64{be(h[:8]), be(h[8:16])}
			if seen[key] {
				return fmt.Errorf("duplicate %s %s", f.Layer, f.SourceID)
			}
			seen[key] = true
			if f.Layer == geo.Parcels {
				residents += f.Int("population")
			}
			if n++; n%97 == 0 {
				if err := geo.Prepare(f); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := count[geo.Parcels]; p < 950_000 || p > 1_050_000 {
		t.Errorf("metro: %d parcels, want about 1,000,000", p)
	}
	for layer, c := range count {
		if st.Features[layer] != c {
			t.Errorf("%s: stats %d, emitted %d", layer, st.Features[layer], c)
		}
	}
	if st.Residents != residents {
		t.Errorf("residents: stats %d, parcels %d", st.Residents, residents)
	}
	t.Logf("metro: %v, residents %d, in %v", count, residents, time.Since(start))
}

func be(b []byte) uint64 {
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x
}

func BenchmarkGenerateMetro(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(Options{Seed: 1, Size: "metro"}, func([]*geo.Feature) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// Rule fixtures, computed independently of the generator with geodesic
// distances.

// metres maps lon/lat to approximate metres, only to find nearest points.
func metres(p orb.Point) (float64, float64) {
	return p[0] * 111320 * math.Cos(originLat*math.Pi/180), p[1] * 110574
}

// nearestOnSeg returns the point of segment ab nearest to p.
func nearestOnSeg(p, a, b orb.Point) orb.Point {
	px, py := metres(p)
	ax, ay := metres(a)
	bx, by := metres(b)
	dx, dy := bx-ax, by-ay
	s := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		s = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return orb.Point{a[0] + s*(b[0]-a[0]), a[1] + s*(b[1]-a[1])}
}

// distToPolygon is the geodesic distance from p to the nearest point of a
// polygon (0 inside).
func distToPolygon(p orb.Point, pg orb.Polygon) float64 {
	if polyContains(pg, p) {
		return 0
	}
	best := math.Inf(1)
	var bp orb.Point
	for _, r := range pg {
		for i := 0; i+1 < len(r); i++ {
			q := nearestOnSeg(p, r[i], r[i+1])
			x0, y0 := metres(p)
			x1, y1 := metres(q)
			if d := math.Hypot(x1-x0, y1-y0); d < best {
				best, bp = d, q
			}
		}
	}
	return geo.Distance(p, bp)
}

// degrees of latitude/longitude that surely cover m metres.
func degs(m float64) float64 { return m / 90000 }

func near(b orb.Bound, p orb.Point, m float64) bool {
	d := degs(m)
	return p[0] >= b.Min[0]-d && p[0] <= b.Max[0]+d && p[1] >= b.Min[1]-d && p[1] <= b.Max[1]+d
}

// clipArea is the planar (degree) area of a ring clipped to a box
// (Sutherland–Hodgman).
func clipArea(r orb.Ring, b orb.Bound) float64 {
	pts := []orb.Point(r[:len(r)-1])
	edges := []struct {
		in  func(p orb.Point) bool
		cut func(p, q orb.Point) orb.Point
	}{
		{func(p orb.Point) bool { return p[0] >= b.Min[0] }, func(p, q orb.Point) orb.Point { return cutX(p, q, b.Min[0]) }},
		{func(p orb.Point) bool { return p[0] <= b.Max[0] }, func(p, q orb.Point) orb.Point { return cutX(p, q, b.Max[0]) }},
		{func(p orb.Point) bool { return p[1] >= b.Min[1] }, func(p, q orb.Point) orb.Point { return cutY(p, q, b.Min[1]) }},
		{func(p orb.Point) bool { return p[1] <= b.Max[1] }, func(p, q orb.Point) orb.Point { return cutY(p, q, b.Max[1]) }},
	}
	for _, e := range edges {
		var out []orb.Point
		for i := range pts {
			p, q := pts[i], pts[(i+1)%len(pts)]
			switch {
			case e.in(p) && e.in(q):
				out = append(out, q)
			case e.in(p):
				out = append(out, e.cut(p, q))
			case e.in(q):
				out = append(out, e.cut(p, q), q)
			}
		}
		pts = out
		if len(pts) == 0 {
			return 0
		}
	}
	return math.Abs(signedArea(append(orb.Ring(pts), pts[0])))
}

func cutX(p, q orb.Point, x float64) orb.Point {
	s := (x - p[0]) / (q[0] - p[0])
	return orb.Point{x, p[1] + s*(q[1]-p[1])}
}

func cutY(p, q orb.Point, y float64) orb.Point {
	s := (y - p[1]) / (q[1] - p[1])
	return orb.Point{p[0] + s*(q[0]-p[0]), y}
}

func TestRules(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("city/seed", seed), func(t *testing.T) {
			fs, _ := generate(t, Options{Seed: seed, Size: "city"})
			for _, f := range fs {
				if err := geo.Prepare(f); err != nil {
					t.Fatal(err)
				}
			}
			rules := []struct {
				name string
				fn   func(*testing.T, []*geo.Feature, *town)
			}{
				{"GreenWithin500m", ruleGreen500},
				{"CommunityGreenRatio", ruleGreenRatio},
				{"CollectionWithin120m", ruleCollection120},
				{"ResidentsPerCollectionPoint", ruleResidentsPerPoint},
				{"ParcelInOneCommunity", ruleOneCommunity},
				{"RingBeltGaps", ruleBeltGaps},
				{"AcrossTheRiver", ruleRiver},
			}
			tw := newTown(configFor("city"), seed)
			for _, r := range rules {
				t.Run(r.name, func(t *testing.T) { r.fn(t, fs, tw) })
			}
		})
	}
}

func parcelCentroids(fs []*geo.Feature) ([]*geo.Feature, []orb.Point) {
	ps := byLayer(fs, geo.Parcels)
	cs := make([]orb.Point, len(ps))
	for k, p := range ps {
		cs[k] = centroid(polygonOf(p))
	}
	return ps, cs
}

func ruleGreen500(t *testing.T, fs []*geo.Feature, _ *town) {
	var greens []*geo.Feature
	for _, f := range byLayer(fs, geo.Green) {
		if f.Bool("public") && f.Float("area_m2") >= 1000 {
			greens = append(greens, f)
		}
	}
	_, cs := parcelCentroids(fs)
	in, out := 0, 0
	for _, c := range cs {
		served := false
		for _, g := range greens {
			if near(g.Bound(), c, 500) && distToPolygon(c, polygonOf(g)) <= 500 {
				served = true
				break
			}
		}
		if served {
			in++
		} else {
			out++
		}
	}
	t.Logf("%d parcels within 500 m of public green ≥ 1000 m², %d beyond", in, out)
	if in == 0 || out == 0 {
		t.Errorf("want parcels on both sides of the rule")
	}
}

func ruleGreenRatio(t *testing.T, fs []*geo.Feature, _ *town) {
	greens := byLayer(fs, geo.Green)
	hi, lo := 0, 0
	for _, c := range byLayer(fs, geo.Areas) {
		if c.Text("level") != "community" {
			continue
		}
		pg := polygonOf(c)
		b := pg.Bound()
		if len(pg[0]) != 5 || math.Abs(math.Abs(signedArea(pg[0]))-(b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1])) > 1e-12 {
			t.Fatalf("community %s is not a box", c.Text("code"))
		}
		var ga float64
		for _, g := range greens {
			if !b.Intersects(g.Bound()) {
				continue
			}
			gp := polygonOf(g)
			ga += clipArea(gp[0], b)
			for _, h := range gp[1:] {
				ga -= clipArea(h, b)
			}
		}
		if ga/math.Abs(signedArea(pg[0])) >= 0.30 {
			hi++
		} else {
			lo++
		}
	}
	t.Logf("%d communities with green ratio ≥ 30%%, %d below", hi, lo)
	if hi == 0 || lo == 0 {
		t.Errorf("want communities on both sides of 30%%")
	}
}

func collectionPoints(fs []*geo.Feature) []orb.Point {
	var pts []orb.Point
	for _, f := range byLayer(fs, geo.Waste) {
		if f.Text("kind") == "collection_point" {
			pts = append(pts, f.Geom.(orb.Point))
		}
	}
	sort.Slice(pts, func(a, b int) bool { return pts[a][0] < pts[b][0] })
	return pts
}

func ruleCollection120(t *testing.T, fs []*geo.Feature, _ *town) {
	pts := collectionPoints(fs)
	_, cs := parcelCentroids(fs)
	in, out := 0, 0
	for _, c := range cs {
		served := false
		k := sort.Search(len(pts), func(i int) bool { return pts[i][0] >= c[0]-degs(120)*1.2 })
		for ; k < len(pts) && pts[k][0] <= c[0]+degs(120)*1.2; k++ {
			if geo.Distance(c, pts[k]) <= 120 {
				served = true
				break
			}
		}
		if served {
			in++
		} else {
			out++
		}
	}
	t.Logf("%d parcels within 120 m of a collection point, %d beyond", in, out)
	if in == 0 || out == 0 {
		t.Errorf("want parcels on both sides of the rule")
	}
}

func ruleResidentsPerPoint(t *testing.T, fs []*geo.Feature, _ *town) {
	pts := collectionPoints(fs)
	ps, cs := parcelCentroids(fs)
	hi, lo := 0, 0
	for _, d := range byLayer(fs, geo.Areas) {
		if d.Text("level") != "district" {
			continue
		}
		pg := polygonOf(d)
		var res int64
		n := 0
		for k, c := range cs {
			if polyContains(pg, c) {
				res += ps[k].Int("population")
			}
		}
		for _, p := range pts {
			if polyContains(pg, p) {
				n++
			}
		}
		per := float64(res) / float64(max(n, 1))
		t.Logf("%s: %d residents, %d collection points, %.0f per point", d.Text("code"), res, n, per)
		if per > 500 {
			hi++
		} else {
			lo++
		}
	}
	if hi == 0 || lo == 0 {
		t.Errorf("want districts above and below 500 residents per collection point")
	}
}

func ruleOneCommunity(t *testing.T, fs []*geo.Feature, _ *town) {
	var comms []*geo.Feature
	for _, a := range byLayer(fs, geo.Areas) {
		if a.Text("level") == "community" {
			comms = append(comms, a)
		}
	}
	ps, cs := parcelCentroids(fs)
	for k, c := range cs {
		n := 0
		for _, a := range comms {
			if a.Bound().Contains(c) && polyContains(polygonOf(a), c) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("parcel %s lies in %d communities", ps[k].SourceID, n)
		}
	}
}

// ruleBeltGaps walks both sides of every ring road line, 30 m off the
// centreline (inside where a belt would be), and measures the stretches
// without belt between belt pieces.
func ruleBeltGaps(t *testing.T, fs []*geo.Feature, tw *town) {
	var belts []*geo.Feature
	for _, f := range byLayer(fs, geo.Green) {
		if f.Text("kind") == "belt" {
			belts = append(belts, f)
		}
	}
	// Ring segments grouped by line: key is the shared coordinate.
	lines := map[[2]float64][]orb.LineString{}
	for _, f := range byLayer(fs, geo.Roads) {
		if f.Bool("ring") {
			l := lineOf(f)
			if l[0][0] == l[1][0] {
				lines[[2]float64{0, l[0][0]}] = append(lines[[2]float64{0, l[0][0]}], l)
			} else {
				lines[[2]float64{1, l[0][1]}] = append(lines[[2]float64{1, l[0][1]}], l)
			}
		}
	}
	if len(lines) != 4 {
		t.Fatalf("ring road has %d straight sides, want 4", len(lines))
	}
	inBelt := func(p orb.Point) bool {
		for _, b := range belts {
			if b.Bound().Contains(p) && polyContains(polygonOf(b), p) {
				return true
			}
		}
		return false
	}
	const step = 5.0
	var long, short int
	keys := make([][2]float64, 0, 4)
	for k := range lines {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]float64) int {
		if a[0] != b[0] {
			return int(a[0] - b[0])
		}
		return int(math.Copysign(1, a[1]-b[1]))
	})
	for _, key := range keys {
		segs := lines[key]
		var lo, hi orb.Point
		for k, s := range segs {
			for _, p := range s {
				if k == 0 || p[0]+p[1] < lo[0]+lo[1] {
					lo = p
				}
				if k == 0 || p[0]+p[1] > hi[0]+hi[1] {
					hi = p
				}
			}
		}
		total := geo.Distance(lo, hi)
		steps := int(total / step)
		for _, off := range []float64{-30, 30} {
			run, started := 0, false
			for s := 0; s <= steps; s++ {
				f := float64(s) / float64(steps)
				p := orb.Point{lo[0] + f*(hi[0]-lo[0]), lo[1] + f*(hi[1]-lo[1])}
				if key[0] == 0 {
					p[0] += off / (111320 * math.Cos(p[1]*math.Pi/180))
				} else {
					p[1] += off / 110574
				}
				if tw.inRiverTest(p) {
					run, started = 0, false // the river is no gap in the belt
					continue
				}
				if inBelt(p) {
					if started && run > 0 {
						gap := float64(run) * total / float64(steps)
						if gap > 100 {
							long++
						} else {
							short++
						}
					}
					run, started = 0, true
				} else {
					run++
				}
			}
		}
	}
	t.Logf("ring belt gaps: %d longer than 100 m, %d shorter", long, short)
	if long == 0 || short == 0 {
		t.Errorf("want belt gaps longer and shorter than 100 m")
	}
}

// inRiverTest reports whether p lies in the river's block row (the river
// has no feature, so its place comes from the layout).
func (t *town) inRiverTest(p orb.Point) bool {
	s, n := t.pt(0, g(t.cfg.river)), t.pt(0, g(t.cfg.river+1))
	return p[1] > s[1] && p[1] < n[1]
}

func ruleRiver(t *testing.T, fs []*geo.Feature, tw *town) {
	c := tw.cfg
	south := tw.pt(0, g(c.river)+riverBank)[1]
	north := tw.pt(0, g(c.river+1)-riverBank)[1]
	water := func(b orb.Bound) bool { return b.Max[1] > south && b.Min[1] < north }
	bridges := 0
	for _, f := range fs {
		if f.Layer == geo.Parcels || f.Layer == geo.Green {
			if water(f.Bound()) {
				t.Fatalf("%s %s in the river", f.Layer, f.SourceID)
			}
		}
		if f.Layer == geo.Roads && water(f.Bound()) {
			l := lineOf(f)
			if l[0][0] != l[1][0] {
				t.Fatalf("road %s runs along the river", f.SourceID)
			}
			if f.Bool("walkable") {
				bridges++
			}
		}
	}
	if bridges < 2 || bridges > 8 {
		t.Errorf("%d walkable bridges, want a few", bridges)
	}
	ps, cs := parcelCentroids(fs)
	var parks []*geo.Feature
	for _, f := range byLayer(fs, geo.Green) {
		if f.Text("kind") == "park" && f.Bool("public") && f.Bound().Min[1] > north {
			parks = append(parks, f)
		}
	}
	gr := walkGraph(fs)
	best := 0.0
	for k, ct := range cs {
		if ct[1] > south {
			continue
		}
		for _, pk := range parks {
			if !near(pk.Bound(), ct, 300) {
				continue
			}
			d := distToPolygon(ct, polygonOf(pk))
			if d >= 300 {
				continue
			}
			walk := gr.dijkstra(gr.nearest(ct))[gr.nearest(centroid(polygonOf(pk)))]
			if walk/d > best {
				best = walk / d
				t.Logf("parcel %s and park %s across the river: %.0f m apart, %.0f m on foot", ps[k].SourceID, pk.Text("name"), d, walk)
			}
		}
	}
	if best < 3 {
		t.Errorf("want a parcel and a park across the river, < 300 m apart but at least 3 times as far on foot (best ratio %.1f)", best)
	}
}

// A walking graph over the vertices of walkable roads.
type graph struct {
	id     map[orb.Point]int
	pts    []orb.Point
	adj    [][]edge
	bounds orb.Bound
}

type edge struct {
	to int
	w  float64
}

func walkGraph(fs []*geo.Feature) *graph {
	g := &graph{id: map[orb.Point]int{}}
	node := func(p orb.Point) int {
		if k, ok := g.id[p]; ok {
			return k
		}
		g.id[p] = len(g.pts)
		g.pts = append(g.pts, p)
		g.adj = append(g.adj, nil)
		return len(g.pts) - 1
	}
	for k, f := range byLayer(fs, geo.Areas) {
		if k == 0 {
			g.bounds = f.Bound()
		}
		g.bounds = g.bounds.Union(f.Bound())
	}
	for _, f := range byLayer(fs, geo.Roads) {
		if !f.Bool("walkable") {
			continue
		}
		l := lineOf(f)
		for i := 0; i+1 < len(l); i++ {
			a, b := node(l[i]), node(l[i+1])
			w := geo.Distance(l[i], l[i+1])
			g.adj[a] = append(g.adj[a], edge{b, w})
			g.adj[b] = append(g.adj[b], edge{a, w})
		}
	}
	return g
}

func (g *graph) boundary(p orb.Point) bool {
	const eps = 1e-9
	return math.Abs(p[0]-g.bounds.Min[0]) < eps || math.Abs(p[0]-g.bounds.Max[0]) < eps ||
		math.Abs(p[1]-g.bounds.Min[1]) < eps || math.Abs(p[1]-g.bounds.Max[1]) < eps
}

func (g *graph) nearest(p orb.Point) int {
	best, bd := 0, math.Inf(1)
	for k, q := range g.pts {
		if d := geo.Distance(p, q); d < bd {
			best, bd = k, d
		}
	}
	return best
}

type pq []struct {
	n int
	d float64
}

func (q pq) Len() int           { return len(q) }
func (q pq) Less(a, b int) bool { return q[a].d < q[b].d }
func (q pq) Swap(a, b int)      { q[a], q[b] = q[b], q[a] }
func (q *pq) Push(x any) {
	*q = append(*q, x.(struct {
		n int
		d float64
	}))
}
func (q *pq) Pop() any { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }

func (g *graph) dijkstra(src int) []float64 {
	dist := make([]float64, len(g.pts))
	for k := range dist {
		dist[k] = math.Inf(1)
	}
	dist[src] = 0
	q := &pq{{src, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(struct {
			n int
			d float64
		})
		if it.d > dist[it.n] {
			continue
		}
		for _, e := range g.adj[it.n] {
			if d := it.d + e.w; d < dist[e.to] {
				dist[e.to] = d
				heap.Push(q, struct {
					n int
					d float64
				}{e.to, d})
			}
		}
	}
	return dist
}
