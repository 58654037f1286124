package tiles

import (
	"math"
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	orbclip "github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/maptile"
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
		p := newProjection(tile)
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
