package tiles

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	orbclip "github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/maptile"
	"github.com/twpayne/go-geos"
)

// TestClipLineMatchesOrb: our buffer-reusing line clipper cuts random lines
// — with vertices inside, outside, on the box's sides and corners, and
// segments crossing two sides — into the same pieces, point for point, as
// orb's clip.LineString.
func TestClipLineMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	box := orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4160, 4160}}
	coord := func() float64 {
		switch rng.Intn(6) {
		case 0:
			return -64 // on a side
		case 1:
			return 4160
		default:
			return float64(rng.Intn(8000)-2000) + rng.Float64()
		}
	}
	var out []orb.Point
	var ends []int
	pieces := 0
	for i := 0; i < 20000; i++ {
		l := make(orb.LineString, 2+rng.Intn(12))
		for j := range l {
			l[j] = orb.Point{coord(), coord()}
		}
		want := orbclip.LineString(box, orb.Clone(l).(orb.LineString))
		out, ends = clipLine(box, l, out[:0], ends[:0])
		if len(ends) != len(want) {
			t.Fatalf("line %v: %d pieces, orb %d", l, len(ends), len(want))
		}
		start := 0
		for k, end := range ends {
			if !orb.Equal(orb.LineString(out[start:end]), want[k]) {
				t.Fatalf("line %v piece %d: %v, orb %v", l, k, out[start:end], want[k])
			}
			start = end
		}
		pieces += len(ends)
	}
	if pieces < 5000 {
		t.Fatalf("only %d pieces in 20,000 lines: the test lines miss the box", pieces)
	}
}

// TestProjectionSeries: the Taylor polynomial a tile uses for Mercator y
// agrees with the exact formula to a millionth of a tile unit, or the
// exact formula's own rounding (1e-13 of the world's size), at every
// zoom and latitude, inside the tile's band and beyond it (where the exact
// formula is used), and x is linear in longitude.
func TestProjectionSeries(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	used := 0
	for i := 0; i < 5000; i++ {
		z := maptile.Zoom(rng.Intn(25))
		lat := (rng.Float64()*2 - 1) * 85
		tile := maptile.At(orb.Point{rng.Float64()*360 - 180, lat}, z)
		p := newProjection(tile, tile.Bound(2*float64(Buffer)/Extent))
		if p.lo <= p.hi {
			used++
		}
		b := tile.Bound(0.1)
		for j := 0; j < 20; j++ {
			q := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			if j%5 == 0 { // far outside the band
				q[1] = (rng.Float64()*2 - 1) * 89
			}
			got := p.point(q)
			phi := math.Max(-maxLat, math.Min(maxLat, q[1])) * math.Pi / 180
			n := float64(uint64(1)<<uint(z)) * Extent
			wantY := (1-math.Log(math.Tan(phi)+1/math.Cos(phi))/math.Pi)/2*n - float64(tile.Y)*Extent
			wantX := (q[0]+180)/360*n - float64(tile.X)*Extent
			if tol := 1e-6 + 1e-13*n; math.Abs(got[1]-wantY) > tol || math.Abs(got[0]-wantX) > tol {
				t.Fatalf("z%d tile %v point %v: got %v, want %v", z, tile, q, got, orb.Point{wantX, wantY})
			}
		}
	}
	if used < 3000 {
		t.Fatalf("the polynomial was used in only %d of 5,000 tiles", used)
	}
}

// clipByGEOS clips polygons (tile units) to clipBound with GEOS
// ClipByRect, keeping the polygonal pieces (a clip can also leave lines or
// points where a polygon only touches the edge): the reference the Go
// clip is held to.
func clipByGEOS(gc *geos.Context, g orb.Geometry) (orb.Geometry, error) {
	data, err := wkb.Marshal(g)
	if err != nil {
		return nil, err
	}
	gg, err := gc.NewGeomFromWKB(data)
	if err != nil {
		return nil, fmt.Errorf("to GEOS: %w", err)
	}
	cut := gg.ClipByRect(clipBound.Min[0], clipBound.Min[1], clipBound.Max[0], clipBound.Max[1])
	if cut == nil {
		return nil, fmt.Errorf("GEOS ClipByRect failed")
	}
	if cut.IsEmpty() {
		return nil, nil
	}
	out, err := wkb.Unmarshal(cut.ToWKB())
	if err != nil {
		return nil, fmt.Errorf("from GEOS: %w", err)
	}
	mp := geo.Polygons(out)
	if len(mp) == 0 {
		return nil, nil
	}
	return mp, nil
}

// clipByRect clips polygons (tile units) to clipBound with rectClipper,
// into new geometries: nil when nothing is left.
func clipByRect(g orb.Geometry) orb.Geometry {
	var mp orb.MultiPolygon
	var rc rectClipper
	clip := func(p orb.Polygon) {
		rc.clip(clipBound, p)
		if rc.extInside {
			mp = append(mp, orb.Clone(p).(orb.Polygon))
			return
		}
		for i := range rc.numParts() {
			mp = append(mp, orb.Clone(orb.Polygon(rc.part(i, nil))).(orb.Polygon))
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		clip(g)
	case orb.MultiPolygon:
		for _, p := range g {
			clip(p)
		}
	}
	if len(mp) == 0 {
		return nil
	}
	return mp
}

// TestClipRectMatchesGEOS: the Go polygon clip covers the same ground as
// GEOS ClipByRect — the symmetric difference has no area — in as many
// parts, and its answer is valid, for every polygon of the city demo
// town's areas, parks and parcels that crosses a tile's edge at zooms
// 12–17, and for random star-shaped polygons (simple, often concave, some
// with a hole, some in pairs) around and across the box: rings leaving and
// re-entering, wrapping round the box, cutting its corners, holding it.
func TestClipRectMatchesGEOS(t *testing.T) {
	snap := demoIndexSize(t, "city")
	gc := geos.NewContext()
	toGEOS := func(g orb.Geometry) *geos.Geom {
		if g == nil {
			return gc.NewEmptyPolygon()
		}
		data, err := wkb.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		gg, err := gc.NewGeomFromWKB(data)
		if err != nil {
			t.Fatal(err)
		}
		return gg
	}
	parts := func(g orb.Geometry) int {
		switch g := g.(type) {
		case orb.Polygon:
			return 1
		case orb.MultiPolygon:
			return len(g)
		}
		return 0
	}
	check := func(what string, in orb.Geometry) {
		t.Helper()
		ours := clipByRect(in)
		theirs, err := clipByGEOS(gc, in)
		if err != nil {
			t.Fatal(err)
		}
		a, b := toGEOS(ours), toGEOS(theirs)
		if !a.IsValid() {
			t.Fatalf("%s: the Go clip is not valid (%s)\n in   %v\n ours %v", what, a.IsValidReason(), in, ours)
		}
		sd := a.SymDifference(b)
		if sd == nil {
			t.Fatalf("%s: GEOS cannot compare\n in   %v\n ours %v\n GEOS %v", what, in, ours, theirs)
		}
		if d := sd.Area(); d > 1e-6*(1+b.Area()) || parts(ours) != parts(theirs) {
			t.Fatalf("%s: Go clip and GEOS differ by %g units² (areas %g, %g; parts %d, %d)\n in   %v\n ours %v\n GEOS %v",
				what, d, a.Area(), b.Area(), parts(ours), parts(theirs), in, ours, theirs)
		}
	}
	town, multi := 0, 0
	for _, layer := range []string{geo.Areas, geo.Green, geo.Parcels} {
		l := snap.Layer(layer)
		bd, _ := l.Bound()
		for z := maptile.Zoom(12); z <= 17; z++ {
			step := uint32(1) << max(0, int(z)-15) // every tile to z15, then every 2nd, 4th
			r := Covering(bd, z)
			for tile := range r.All() {
				if (tile.X-r.Lo.X)%step != 0 || (tile.Y-r.Lo.Y)%step != 0 {
					continue
				}
				p := newProjection(tile, tile.Bound(2*float64(Buffer)/Extent))
				l.SearchBounds(SearchBound(tile), func(f *geo.Feature, _ orb.Bound) bool {
					g := orb.Clone(f.Geom)
					switch g := g.(type) {
					case orb.Polygon:
						projectRings(g, &p)
					case orb.MultiPolygon:
						for _, pg := range g {
							projectRings(pg, &p)
						}
					}
					if within(g.Bound(), clipBound) {
						return true // inside: not clipped
					}
					town++
					if parts(clipByRect(g)) > 1 {
						multi++
					}
					check(fmt.Sprintf("tile %v %s %d", tile, layer, f.ID), g)
					return true
				})
			}
		}
	}
	t.Logf("town: %d polygons crossing a tile's edge, %d of them left in several parts", town, multi)
	if town < 3000 {
		t.Errorf("town: %d polygons crossing an edge, want thousands", town)
	}
	// Edges and vertices lying on the box's boundary (the box is
	// [−64, 4160]²), which random polygons never hit; areas by hand.
	sq := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	for _, c := range []struct {
		name  string
		in    orb.Geometry
		area  float64
		parts int
	}{
		{"box inside the exterior", orb.Polygon{sq(-1e4, -1e4, 1e4, 1e4)}, 4224 * 4224, 1},
		{"box inside a hole", orb.Polygon{sq(-1e4, -1e4, 1e4, 1e4), sq(-5e3, -5e3, 5e3, 5e3)}, 0, 0},
		{"box with a hole inside", orb.Polygon{sq(-1e4, -1e4, 1e4, 1e4), sq(0, 0, 100, 100)}, 4224*4224 - 100*100, 1},
		{"hole across the edge", orb.Polygon{sq(-1000, -1000, 1000, 1000), sq(-500, -500, 500, 500)}, 1064*1064 - 564*564, 1},
		{"touching an edge from outside", orb.Polygon{sq(-200, 0, -64, 100)}, 0, 0},
		{"touching a corner from outside", orb.Polygon{sq(-200, -200, -64, -64)}, 0, 0},
		{"inside, an edge on the boundary", orb.Polygon{sq(-64, 0, 100, 100)}, 164 * 100, 1},
		{"crossing, an edge along the boundary", orb.Polygon{sq(-100, -64, 100, 50)}, 164 * 114, 1},
		{"vertex on a corner", orb.Polygon{{{-64, -64}, {100, -200}, {100, 100}, {-64, -64}}}, 164 * 164 / 2, 1},
		{"the box itself", orb.Polygon{sq(-64, -64, 4160, 4160)}, 4224 * 4224, 1},
		{"a U out and back", orb.Polygon{{{-300, 0}, {100, 0}, {100, 300}, {-300, 300}, {-300, 200}, {0, 200}, {0, 100}, {-300, 100}, {-300, 0}}}, 164*100*2 + 100*100, 1},
		{"a C, its back outside", orb.Polygon{{{-300, 0}, {100, 0}, {100, 100}, {-200, 100}, {-200, 200}, {100, 200}, {100, 300}, {-300, 300}, {-300, 0}}}, 164 * 100 * 2, 2},
		// A hole touching the exterior where the exterior crosses the
		// box's edge, (−64, 0): two pieces meet there; the hole's part
		// inside, a triangle of 100 × 64 on the edge, becomes a notch.
		{"a hole touching the exterior on the edge", orb.Polygon{sq(-200, 0, 200, 400), {{-64, 0}, {0, 100}, {-100, 100}, {-64, 0}}}, 264*400 - 100*64/2, 1},
		// 2,000 teeth from y = −100 up to y = 100, their bases 4096/4000
		// wide: above y = −64 each is a triangle 164 high on a base of
		// 164/200 of that.
		{"a comb of 2,000 teeth", orb.Polygon{comb(2000)}, 2000 * (4096.0 / 4000 * 164 / 200) * 164 / 2, 2000},
	} {
		ours := clipByRect(c.in)
		area := 0.0
		if ours != nil {
			area = toGEOS(ours).Area()
		}
		if math.Abs(area-c.area) > 1e-6*max(1, c.area/1e4) || parts(ours) != c.parts {
			t.Errorf("%s: area %g in %d parts, want %g in %d\n ours %v", c.name, area, parts(ours), c.area, c.parts, ours)
		}
		check(c.name, c.in)
	}
	rng := rand.New(rand.NewSource(5))
	star := func(cx, cy, r float64, n int) orb.Ring {
		ring := make(orb.Ring, 0, n+1)
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			d := r * (0.3 + 0.7*rng.Float64())
			ring = append(ring, orb.Point{cx + d*math.Cos(a), cy + d*math.Sin(a)})
		}
		return append(ring, ring[0])
	}
	n, multi, holes := 0, 0, 0
	for i := 0; i < 20000; i++ {
		cx, cy, r := rng.Float64()*10000-3000, rng.Float64()*10000-3000, 500+rng.Float64()*6000
		p := orb.Polygon{star(cx, cy, r, 3+rng.Intn(40))}
		if i%3 == 0 {
			p = append(p, star(cx, cy, r*0.25, 3+rng.Intn(6)))
		}
		if i%2 == 0 {
			p[0].Reverse() // either winding, for exterior and hole
		}
		var g orb.Geometry = p
		if i%5 == 1 { // a pair side by side
			q := orb.Polygon{star(cx+2.2*r, cy, r, 3+rng.Intn(40))}
			g = orb.MultiPolygon{p, q}
		}
		if !toGEOS(g).IsValid() { // a hole poking out of a thin star
			continue
		}
		n++
		ours := clipByRect(g)
		if parts(ours) > 1 {
			multi++
		}
		if mp, ok := ours.(orb.MultiPolygon); ok {
			for _, pg := range mp {
				if len(pg) > 1 {
					holes++
					break
				}
			}
		}
		check(fmt.Sprintf("random polygon %d", i), g)
	}
	t.Logf("random: %d polygons, %d left in several parts, %d with a hole left", n, multi, holes)
	if n < 10000 || multi < 1000 || holes < 500 {
		t.Errorf("random: %d polygons, %d in parts, %d with holes: want thousands of each", n, multi, holes)
	}
}

// comb is a ring of n teeth across the box's bottom edge (y = −64), each
// rising from y = −100 to y = 100, joined below the box.
func comb(n int) orb.Ring {
	var r orb.Ring
	w := 4096 / float64(n)
	for i := range n {
		x := float64(i) * w
		r = append(r, orb.Point{x, -100}, orb.Point{x + w/4, 100}, orb.Point{x + w/2, -100})
	}
	return append(r, orb.Point{4096, -200}, orb.Point{0, -200}, r[0])
}

// BenchmarkClipComb clips combs of 100 to 10,000 teeth crossing the box's
// edge (a polygon left in as many parts) with our clipper and with GEOS
// ClipByRect, alternating, and reports GEOS's time over ours (x-geos) and
// our time per piece, which should stay flat as the teeth multiply (GEOS
// 3.11's grows with them: 12× ours at 100 teeth, 300× at 10,000 here).
func BenchmarkClipComb(b *testing.B) {
	gc := geos.NewContext()
	for _, n := range []int{100, 1000, 10000} {
		p := orb.Polygon{comb(n)}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var rc rectClipper
			var ours, theirs time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				rc.clip(clipBound, p)
				t1 := time.Now()
				if _, err := clipByGEOS(gc, p); err != nil {
					b.Fatal(err)
				}
				ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
			}
			if rc.numParts() != n {
				b.Fatalf("%d parts, want %d", rc.numParts(), n)
			}
			b.ReportMetric(float64(theirs)/float64(ours), "x-geos")
			b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N*n), "ns-ours/piece")
		})
	}
}

// projectRings projects a polygon's rings (lon/lat) to tile units, in
// place.
func projectRings(pg orb.Polygon, p *projection) {
	for _, r := range pg {
		for i, q := range r {
			r[i] = p.point(q)
		}
	}
}
