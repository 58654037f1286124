package geojson

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// nestedCollections is a Feature whose geometry is n GeometryCollections,
// one inside the other, around a MultiPoint of points points.
func nestedCollections(n, points int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"Feature","properties":{},"geometry":`)
	for range n {
		b.WriteString(`{"type":"GeometryCollection","geometries":[`)
	}
	b.WriteString(`{"type":"MultiPoint","coordinates":[`)
	for i := range points {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`[104.06,30.66]`)
	}
	b.WriteString(`]}`)
	for range n {
		b.WriteString(`]}`)
	}
	b.WriteString(`}`)
	return b.Bytes()
}

// TestDeepNesting: 10 MB of "[", coordinates nested 40 deep and 2,000
// nested GeometryCollections are refused within a second, naming the
// file and the limit, with memory within a few times the file's size.
// The collections took minutes before: each level decoded its whole
// subtree again.
func TestDeepNesting(t *testing.T) {
	tests := []struct {
		name string
		doc  []byte
	}{
		{"10 MB of [", bytes.Repeat([]byte("["), 10<<20)},
		{"coordinates 40 deep", []byte(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`)},
		{"2,000 GeometryCollections", nestedCollections(2000, 50000)},
		{"properties 40 deep", []byte(`{"type":"Feature","geometry":null,"properties":{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				err   error
				alloc uint64
			}
			done := make(chan result, 1)
			go func() {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				_, _, err := Read(context.Background(), bytes.NewReader(tc.doc), "deep.geojson", Options{Layer: geo.Waste})
				runtime.ReadMemStats(&after)
				done <- result{err, after.TotalAlloc - before.TotalAlloc}
			}()
			select {
			case r := <-done:
				if r.err == nil || !strings.HasPrefix(r.err.Error(), "deep.geojson: ") || !strings.Contains(r.err.Error(), "nested deeper than the limit of 32") {
					t.Errorf("err = %v, want one naming the file and the limit", r.err)
				}
				if r.alloc > 3*uint64(len(tc.doc))+1<<20 {
					t.Errorf("allocated %d MiB for %d KiB", r.alloc>>20, len(tc.doc)>>10)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still reading after 5 s")
			}
		})
	}
	// Nesting within the limit reads: 12 collections deep.
	feats, sum, err := Read(context.Background(), bytes.NewReader(nestedCollections(12, 3)), "deep.geojson", Options{Layer: geo.Waste})
	if err != nil || len(feats) != 0 || sum.Layer(geo.Waste).Skipped["geometry does not fit the layer"] != 1 {
		t.Errorf("12 collections: err %v, %d features, summary %+v", err, len(feats), sum.Layer(geo.Waste))
	}
}

// TestPositionsNeedTwoNumbers: a position with fewer than two numbers
// ("coordinates": [] or [lon] for a Point, or inside a line or polygon)
// or null Point coordinates fail the file with an error naming the file,
// the feature and the position. They were read as 0 for each number
// missing: a Point at 0,0 or on the equator.
func TestPositionsNeedTwoNumbers(t *testing.T) {
	for _, tc := range []struct{ name, geom, want string }{
		{"point []", `{"type":"Point","coordinates":[]}`, "position [] holds 0 numbers"},
		{"point [lon]", `{"type":"Point","coordinates":[104.06]}`, "position [104.06] holds 1 numbers"},
		{"point null", `{"type":"Point","coordinates":null}`, "Point geometry without coordinates"},
		{"point without coordinates", `{"type":"Point"}`, "Point geometry without coordinates"},
		{"point of strings", `{"type":"Point","coordinates":["104","30"]}`, "not an array of numbers"},
		{"line [lon]", `{"type":"LineString","coordinates":[[104.06,30.66],[104.07]]}`, "position [104.07] holds 1 numbers"},
		{"multipoint [ ]", `{"type":"MultiPoint","coordinates":[[104.06,30.66],[ ]]}`, "position [ ] holds 0 numbers"},
		{"polygon [lon]", `{"type":"Polygon","coordinates":[[[104.05,30.66],[104.06,30.66],[104.06],[104.05,30.66]]]}`, "holds 1 numbers"},
		{"in a collection", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1]}]}`, "holds 1 numbers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","id":"ok","properties":{},"geometry":{"type":"Point","coordinates":[104.06,30.66]}},` +
				`{"type":"Feature","id":"w2","properties":{},"geometry":` + tc.geom + `}]}`
			feats, _, err := read(t, doc, Options{Layer: geo.Waste})
			if err == nil || !strings.HasPrefix(err.Error(), "test.geojson: feature 1 (id w2): ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (features %v), want one naming the file, feature 1 and %q", err, geoms(feats), tc.want)
			}
		})
	}
	// Three numbers (an elevation) are fine: the third is dropped.
	feats, _, err := read(t, `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[104.06, 30.66, 512]}}`, Options{Layer: geo.Waste})
	if err != nil || len(feats) != 1 || feats[0].Geom.(orb.Point) != (orb.Point{104.06, 30.66}) {
		t.Errorf("point with elevation: err %v, %v", err, geoms(feats))
	}
}

func geoms(feats []*geo.Feature) []orb.Geometry {
	var out []orb.Geometry
	for _, f := range feats {
		out = append(out, f.Geom)
	}
	return out
}
