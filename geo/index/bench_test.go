package index

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// benchIndex holds n parcel squares of ~40 m on a 1000-wide grid (~40 km at
// 30°N), built once per size.
var benchIndex = struct {
	sync.Mutex
	m map[int]*Snapshot
	f map[int][]*geo.Feature
}{m: map[int]*Snapshot{}, f: map[int][]*geo.Feature{}}

func parcelIndex(b *testing.B, n int) (*Snapshot, []*geo.Feature) {
	benchIndex.Lock()
	defer benchIndex.Unlock()
	if ix, ok := benchIndex.m[n]; ok {
		return ix, benchIndex.f[n]
	}
	const d = 0.0004
	fs := make([]*geo.Feature, n)
	for i := range fs {
		x, y := 103.5+float64(i%1000)*d, 30.3+float64(i/1000)*d
		fs[i] = &geo.Feature{ID: int64(i + 1), Layer: geo.Parcels, Source: "b", SourceID: fmt.Sprint(i),
			Geom: orb.MultiPolygon{{{{x, y}, {x + 0.9*d, y}, {x + 0.9*d, y + 0.9*d}, {x, y + 0.9*d}, {x, y}}}}}
	}
	ix, _ := Empty().Apply(Edit{Put: fs, Deleted: map[string][]int64{}, Versions: map[string]int64{geo.Parcels: 1}})
	benchIndex.m[n], benchIndex.f[n] = ix, fs
	return ix, fs
}

// windows returns query windows of about 500 m × 500 m inside the data.
func windows(n int) []orb.Bound {
	r := rand.New(rand.NewPCG(1, 2))
	rows := float64(n/1000) * 0.0004
	ws := make([]orb.Bound, 1024)
	for i := range ws {
		x, y := 103.5+r.Float64()*0.4, 30.3+r.Float64()*rows
		ws[i] = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + 0.0052, y + 0.0045}}
	}
	return ws
}

// BenchmarkWindowQuery: features found per ~500 m window, through the R-tree
// and (baseline) by testing every feature's precomputed bbox.
func BenchmarkWindowQuery(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		ix, fs := parcelIndex(b, n)
		ws := windows(n)
		layer := ix.Layer(geo.Parcels)
		b.Run(fmt.Sprintf("rtree/n=%d", n), func(b *testing.B) {
			found := 0
			for i := 0; b.Loop(); i++ {
				layer.Search(ws[i%len(ws)], func(*geo.Feature) bool { found++; return true })
			}
			b.ReportMetric(float64(found)/float64(b.N), "features/op")
		})
		bounds := make([]orb.Bound, len(fs))
		for i, f := range fs {
			bounds[i] = f.Geom.Bound()
		}
		b.Run(fmt.Sprintf("scan-baseline/n=%d", n), func(b *testing.B) {
			found := 0
			for i := 0; b.Loop(); i++ {
				w := ws[i%len(ws)]
				for _, fb := range bounds {
					if w.Intersects(fb) {
						found++
					}
				}
			}
			b.ReportMetric(float64(found)/float64(b.N), "features/op")
		})
	}
}

// BenchmarkEdit: one feature replaced through a copy-on-write snapshot of a
// layer of 1M features.
func BenchmarkEdit(b *testing.B) {
	ix, fs := parcelIndex(b, 1_000_000)
	for i := 0; b.Loop(); i++ {
		f := *fs[i%len(fs)]
		f.Version++
		ix, _ = ix.Apply(Edit{Put: []*geo.Feature{&f}, Deleted: map[string][]int64{}, Versions: map[string]int64{geo.Parcels: int64(i + 2)}})
	}
}
