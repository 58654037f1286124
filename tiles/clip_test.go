package tiles

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/importer/demotown"
	"github.com/greenreach/greenreach/store/memstore"
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

// TestClipSimpleMatchesGEOS: wherever the Go polygon clip takes a polygon
// crossing a tile's edge (the polygons of the city demo town's areas, parks
// and parcels that cross tiles at zooms 12–17), its answer covers the same
// ground as GEOS ClipByRect's — the symmetric difference has no area — in
// as many parts; and it takes most of them.
func TestClipSimpleMatchesGEOS(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	if _, err := demotown.Into(ctx, st, demotown.Options{Seed: 1, Size: "city"}); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
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
	fast, slow := 0, 0
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
					g := projectPolygonal(f.Geom, &p)
					if within(g.Bound(), clipBound) {
						return true // inside: not clipped
					}
					ours, ok := clipSimple(orb.Clone(g))
					if !ok {
						slow++
						return true
					}
					fast++
					theirs, err := clipGEOS(g)
					if err != nil {
						t.Fatal(err)
					}
					a, b := toGEOS(ours), toGEOS(theirs)
					if d := a.SymDifference(b).Area(); d > 1e-6*(1+b.Area()) || parts(ours) != parts(theirs) {
						t.Fatalf("tile %v %s %d: Go clip and GEOS differ by %g units² (areas %g, %g; parts %d, %d)\n ours %v\n GEOS %v",
							tile, layer, f.ID, d, a.Area(), b.Area(), parts(ours), parts(theirs), ours, theirs)
					}
					return true
				})
			}
		}
	}
	t.Logf("%d polygons clipped in Go (each checked against GEOS), %d left to GEOS", fast, slow)
	if fast < 1000 || fast < 2*slow {
		t.Errorf("the Go clip took only %d polygons, GEOS %d", fast, slow)
	}
	// Random star-shaped polygons (simple, often concave, some with a
	// hole) around and across the box: the cases the town lacks — rings
	// leaving and re-entering, wrapping round the box, cutting its corners.
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
	fast, slow = 0, 0
	for i := 0; i < 20000; i++ {
		cx, cy, r := rng.Float64()*10000-3000, rng.Float64()*10000-3000, 500+rng.Float64()*6000
		p := orb.Polygon{star(cx, cy, r, 3+rng.Intn(20))}
		if i%3 == 0 {
			p = append(p, star(cx, cy, r*0.25, 3+rng.Intn(6)))
		}
		p[0].Reverse()            // exterior and hole wound opposite ways
		if !toGEOS(p).IsValid() { // a hole poking out of a thin star
			continue
		}
		ours, ok := clipSimple(orb.Clone(p))
		if !ok {
			slow++
			continue
		}
		fast++
		theirs, err := clipGEOS(p)
		if err != nil {
			t.Fatal(err)
		}
		a, b := toGEOS(ours), toGEOS(theirs)
		sd := a.SymDifference(b)
		if sd == nil {
			t.Fatalf("random polygon %d: GEOS cannot compare (valid: ours %v, GEOS's %v)\n in   %v\n ours %v\n GEOS %v", i, a.IsValid(), b.IsValid(), p, ours, theirs)
		}
		if d := sd.Area(); d > 1e-6*(1+b.Area()) || parts(ours) != parts(theirs) {
			t.Fatalf("random polygon %d: Go clip and GEOS differ by %g units² (parts %d, %d)\n in   %v\n ours %v\n GEOS %v", i, d, parts(ours), parts(theirs), p, ours, theirs)
		}
	}
	t.Logf("random polygons: %d clipped in Go (each checked against GEOS), %d left to GEOS", fast, slow)
	if fast < 5000 || slow < 1000 {
		t.Errorf("random polygons: %d clipped in Go, %d by GEOS: both should be common", fast, slow)
	}
}
