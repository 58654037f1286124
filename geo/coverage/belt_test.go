package coverage

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestBeltBound: a line folding on itself past MaxBeltFolds (a sawtooth
// whose buffer GEOS takes 24 s on) is refused at once, naming the limit;
// a smooth line and one hairpin are still buffered.
func TestBeltBound(t *testing.T) {
	const d = 1.0 / 111195.08 // a metre north, in degrees
	var saw orb.LineString
	for i := 0; i < 1000; i++ {
		saw = append(saw, orb.Point{104 + float64(i)*0.5*d/math.Cos(30*math.Pi/180), 30 + float64(i%2)*100*d})
	}
	start := time.Now()
	_, err := Belt(saw, 50)
	if err == nil || !strings.Contains(err.Error(), "more than 2048 places; buffering it is refused") {
		t.Errorf("a 1,000-vertex sawtooth: %v", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("refusing the sawtooth took %s", el)
	}
	var arc orb.LineString
	for i := 0; i < 5000; i++ {
		a := float64(i) / 5000 * 6
		arc = append(arc, orb.Point{104 + 0.01*math.Cos(a), 30 + 0.01*math.Sin(a)})
	}
	hairpin := orb.LineString{{104, 30}, {104.01, 30}, {104.01, 30 + 20*d}, {104, 30 + 20*d}}
	for name, l := range map[string]orb.LineString{"a smooth 5,000-vertex arc": arc, "a hairpin": hairpin} {
		if g, err := Belt(l, 50); err != nil || g == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
