package network

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// demoGraph is the walking network of a demo town, and its extent.
func demoGraph(t testing.TB, size string) (*Graph, orb.Bound) {
	t.Helper()
	var roads []*geo.Feature
	_, err := demotown.Generate(demotown.Options{Size: size}, func(batch []*geo.Feature) error {
		for _, f := range batch {
			if f.Layer == geo.Roads {
				if err := geo.Prepare(f); err != nil {
					return err
				}
				roads = append(roads, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := roads[0].Geom.Bound()
	for _, f := range roads {
		b = b.Union(f.Geom.Bound())
	}
	return Build(roads), b
}

// planeOf is what Polygon buffers: the walked lines and the walk from the
// origin, in metres around the origin.
func planeOf(r *Reach) orb.MultiLineString {
	lines := append(r.Lines(), orb.LineString{r.Origin, r.g.Point(r.At)})
	c := r.Origin
	kx, ky := math.Cos(c[1]*math.Pi/180)*111195.08, 111195.08
	var plane orb.MultiLineString
	for _, l := range lines {
		var pl orb.LineString
		for _, p := range l {
			pl = append(pl, orb.Point{(p[0] - c[0]) * kx, (p[1] - c[1]) * ky})
		}
		plane = append(plane, pl)
	}
	return plane
}

// goGEOSBufferUnion is bufferUnion through go-geos, as Polygon made it
// before: the reference.
func goGEOSBufferUnion(t *testing.T, lines orb.MultiLineString, width float64, quadsegs int, tol float64) orb.Geometry {
	t.Helper()
	data, err := wkb.Marshal(lines)
	if err != nil {
		t.Fatal(err)
	}
	gc := geos.NewContext()
	gg, err := gc.NewGeomFromWKB(data)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]*geos.Geom, gg.NumGeometries())
	for i := range parts {
		parts[i] = gg.Geometry(i).Buffer(width, quadsegs)
	}
	out, err := wkb.Unmarshal(gc.NewCollection(geos.TypeIDGeometryCollection, parts).UnaryUnion().Simplify(tol).ToWKB())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReachPolygonAsGoGEOS: the reach polygon, its GEOS memory freed as it
// is built, is exactly what go-geos makes of the same lines, for walks of
// 100 m to 5 km from random points of the demo town.
func TestReachPolygonAsGoGEOS(t *testing.T) {
	g, b := demoGraph(t, "small")
	rnd := rand.New(rand.NewPCG(1, 2))
	tested := 0
	for range 40 {
		p := orb.Point{b.Min[0] + rnd.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rnd.Float64()*(b.Max[1]-b.Min[1])}
		meters := 100 + rnd.Float64()*4900
		r, ok := g.Reach(p, meters)
		if !ok {
			continue
		}
		plane := planeOf(r)
		got, err := bufferUnion(plane, 25, 4, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want := goGEOSBufferUnion(t, plane, 25, 4, 1); !orb.Equal(got, want) {
			t.Fatalf("walk of %.0f m from %v: %d lines buffered differ from go-geos's", meters, p, len(plane))
		}
		tested++
	}
	if tested < 20 {
		t.Fatalf("only %d of 40 random points reach a path", tested)
	}
	if _, err := bufferUnion(nil, 25, 4, 1); err == nil {
		t.Error("no lines: no error")
	}
	if _, err := bufferUnion(orb.MultiLineString{{{0, 0}}}, 25, 4, 1); err == nil {
		t.Error("a line of one point: no error")
	}
}

// TestReachPolygonFreesGEOS: with Go's collector off, 12 reach polygons of
// a 3 km walk leave no GEOS memory behind: the process's memory outside
// Go's heap grows by less than 2 MiB, where go-geos, whose geometries are
// freed only by the collector, leaves about 2 MiB a polygon (measured the
// same way after, to show the measure sees it).
func TestReachPolygonFreesGEOS(t *testing.T) {
	g, b := demoGraph(t, "city")
	r, ok := g.Reach(b.Center(), 3000)
	if !ok {
		t.Fatal("the town's centre reaches no path")
	}
	plane := planeOf(r)
	// One thread, so one malloc arena, whose high-water mark GEOS's first
	// polygons set; no collection, so go-geos's geometries stay.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	grown := func(f func()) float64 {
		runtime.GC()
		before := outsideGo(t)
		for range 12 {
			f()
		}
		return outsideGo(t) - before
	}
	for range 3 { // warm: malloc's arena grows to what a polygon needs
		r.Polygon(25)
	}
	ours := grown(func() {
		if _, err := r.Polygon(25); err != nil {
			t.Fatal(err)
		}
	})
	if ours > 2<<20 {
		t.Fatalf("12 reach polygons left %.1f MiB outside Go's heap: GEOS memory awaiting the collector", ours/(1<<20))
	}
	theirs := grown(func() { goGEOSBufferUnion(t, plane, 25, 4, 1) })
	t.Logf("memory outside Go's heap after 12 polygons of a 3 km walk (%d lines): %.1f MiB freed as built, %.1f MiB through go-geos", len(plane), ours/(1<<20), theirs/(1<<20))
	if theirs < 8<<20 {
		t.Errorf("go-geos left only %.1f MiB: the measure cannot tell", theirs/(1<<20))
	}
}

// outsideGo is this process's resident memory less what Go's runtime holds
// from the system: C memory (GEOS's), and the program itself.
func outsideGo(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(pages*int64(os.Getpagesize())) - float64(ms.Sys-ms.HeapReleased)
}
