package coverage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
)

var updateFigures = flag.Bool("update-figures", false, "rewrite testdata/audit-city.txt from this code's audit")

// TestAuditCityFigures: every figure of the full audit of the demo city
// town — per unit and per parcel, by areas and by grid cells, walking and
// straight — equals those of testdata/audit-city.txt, recorded from the
// audit as it was before the shared work, the parallel rules and the
// compact intermediates (go test -run TestAuditCityFigures -update-figures
// rewrites it, for a change of figures made on purpose).
func TestAuditCityFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("the city town's audit takes a while")
	}
	ctx := context.Background()
	// A store gives the features it takes their ids: each case has its own.
	town := func(areas bool) []*geo.Feature {
		var fs []*geo.Feature
		if _, err := demotown.Generate(demotown.Options{Seed: 1, Size: "city"}, func(b []*geo.Feature) error {
			for _, f := range b {
				if areas || f.Layer != geo.Areas {
					fs = append(fs, f)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	var got bytes.Buffer
	for _, tc := range []struct {
		name  string
		areas bool
		mode  string
	}{{"areas/walk", true, Walk}, {"areas/straight", true, Straight}, {"grid/walk", false, Walk}} {
		a, err := Run(ctx, snapshotOf(t, town(tc.areas)), Default(), Options{Mode: tc.mode})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		writeFigures(&got, tc.name, a)
	}
	const golden = "testdata/audit-city.txt"
	if *updateFigures {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
}

// writeFigures writes an audit's figures, exactly (floats in their
// shortest exact form): the parcels, units and points, then rule by rule
// the city's figure in full and digests of every unit's and every
// parcel's.
func writeFigures(w io.Writer, name string, a *Audit) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	digest := func(fn func(io.Writer)) string {
		h := sha256.New()
		fn(h)
		return fmt.Sprintf("%x", h.Sum(nil)[:12])
	}
	fmt.Fprintf(bw, "== %s: %d parcels, %d units, %d points, network %q, grid %d\n", name, len(a.Parcels), len(a.Units), len(a.pts), a.Network, a.GridSize)
	fmt.Fprintf(bw, "sources %+v\n", a.Sources)
	fmt.Fprintf(bw, "parcels %s\n", digest(func(h io.Writer) {
		for _, p := range a.Parcels {
			fmt.Fprintf(h, "%d %q %v %d %s %v %v|", p.ID, a.ParcelName(p), p.Point, p.Population, p.PopSource, p.Area, a.Points(p))
			for _, u := range p.Units() {
				fmt.Fprintf(h, "%d,", u.ID)
			}
		}
	}))
	fmt.Fprintf(bw, "units %s\n", digest(func(h io.Writer) {
		for _, u := range a.Units {
			fmt.Fprintf(h, "%d %q %s %v %v|", u.ID, u.Name, u.Level, u.Area, u.Geom)
		}
	}))
	unit := func(h io.Writer, u *UnitResult) {
		fmt.Fprintf(h, "%s %d value %v pass %v na %v residents %d covered %d land %v %v num %v den %v straight %v sources %+v failing %d %s gaps %d %s",
			u.Unit.Level, u.Unit.ID, u.Value, u.Pass, u.NA, u.Residents, u.Covered, u.Land, u.LandCovered, u.Numerator, u.Denominator, u.Straight, u.Sources,
			len(u.Failing), digest(func(h io.Writer) { fmt.Fprint(h, u.Failing.IDs(a)) }), len(u.Gaps), digest(func(h io.Writer) { fmt.Fprintf(h, "%+v", u.Gaps) }))
	}
	perParcel := func(h io.Writer, m *PerParcel[float64]) {
		for _, p := range a.Parcels {
			v, ok := m.Get(p.ID)
			fmt.Fprintf(h, "%d %v %v,", p.ID, v, ok)
		}
	}
	for _, r := range a.Results {
		fmt.Fprintf(bw, "rule %s\n  city ", r.Rule.ID)
		unit(bw, r.Units[0])
		fmt.Fprintf(bw, "\n  units %d %s\n", len(r.Units), digest(func(h io.Writer) {
			for _, u := range r.Units {
				unit(h, u)
				fmt.Fprintln(h)
			}
		}))
		if r.Distance != nil {
			fmt.Fprintf(bw, "  distance %s\n", digest(func(h io.Writer) { perParcel(h, r.Distance) }))
		}
		if r.Straight != nil {
			fmt.Fprintf(bw, "  straight %s\n", digest(func(h io.Writer) { perParcel(h, r.Straight) }))
		}
		if r.Share != nil {
			fmt.Fprintf(bw, "  share %s\n", digest(func(h io.Writer) { perParcel(h, r.Share) }))
		}
		if r.Rule.Type == WalkAccess {
			// The parcels a target reaches (none in the straight mode).
			var ids []int64
			for id, t := range r.Target.All() {
				if t != NoTarget {
					ids = append(ids, id)
				}
			}
			fmt.Fprintf(bw, "  target %d %s\n", len(ids), digest(func(h io.Writer) {
				for _, id := range ids {
					fmt.Fprintf(h, "%d %d,", id, r.Target.Of(id))
				}
			}))
		}
		if r.pointDist != nil {
			fmt.Fprintf(bw, "  points %s\n", digest(func(h io.Writer) {
				for _, p := range a.Parcels {
					fmt.Fprintf(h, "%v %v,", r.PointDistances(p), r.pointStraight[p.first:p.first+p.count])
				}
			}))
		}
	}
}
