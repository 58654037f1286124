package tiles

import (
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// TestEncoderMatchesOrb: our protobuf writer and orb's encoder, given the
// same features, decode (with orb) to the same layers: ids, geometries of
// every type and properties of every type.
func TestEncoderMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	pt := func() orb.Point { return orb.Point{float64(rng.Intn(4224) - 64), float64(rng.Intn(4224) - 64)} }
	line := func() orb.LineString {
		l := orb.LineString{pt()}
		for len(l) < 2+rng.Intn(6) {
			if p := pt(); p != l[len(l)-1] {
				l = append(l, p)
			}
		}
		return l
	}
	square := func(x, y, d float64) orb.Ring {
		return orb.Ring{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}
	}
	geoms := []orb.Geometry{
		pt(), orb.MultiPoint{pt(), pt(), pt()}, line(), orb.MultiLineString{line(), line()},
		orb.Polygon{square(10, 10, 500), square(100, 100, 50)},
		orb.MultiPolygon{{square(-60, -60, 100)}, {square(2000, 2000, 900), square(2100, 2100, 10)}},
	}
	var feats []*geo.Feature
	for i := 0; i < 200; i++ {
		feats = append(feats, &geo.Feature{ID: int64(i + 1), Layer: geo.Green, Geom: wind(orb.Clone(geoms[i%len(geoms)])), Props: map[string]any{
			"name": []string{"人民公园", "百花潭", ""}[i%3], "kind": "park", "public": i%2 == 0,
			"grade": int64(i % 3), "trees": int64(-i), "shrub_m2": float64(i) * 1.5, "area_m2": 1e6 + float64(i),
		}})
	}
	w := newLayerWriter(geo.Green, geo.SchemaOf(geo.Green))
	fc := geojson.NewFeatureCollection()
	for _, f := range feats {
		w.add(f, f.Props, f.Geom)
		gf := geojson.NewFeature(f.Geom)
		gf.ID = f.ID
		for _, fd := range geo.SchemaOf(geo.Green).Fields {
			if v, ok := f.Props[fd.Name]; ok {
				gf.Properties[fd.Name] = v
			}
		}
		fc.Append(gf)
	}
	ours := w.appendLayer(nil)
	w.release()
	ol := mvt.NewLayer(geo.Green, fc)
	ol.Version, ol.Extent = 2, Extent
	theirs, err := mvt.Marshal(mvt.Layers{ol})
	if err != nil {
		t.Fatal(err)
	}
	a, err := mvt.Unmarshal(ours)
	if err != nil {
		t.Fatalf("our tile does not decode: %v", err)
	}
	b, _ := mvt.Unmarshal(theirs)
	if len(a) != 1 || a[0].Name != geo.Green || a[0].Version != 2 || a[0].Extent != Extent || len(a[0].Features) != len(b[0].Features) {
		t.Fatalf("layer header or count differs: %+v", a)
	}
	for i := range a[0].Features {
		fa, fb := a[0].Features[i], b[0].Features[i]
		if fa.ID != fb.ID || !orb.Equal(fa.Geometry, fb.Geometry) {
			t.Fatalf("feature %d: ours %v %v, orb %v %v", i, fa.ID, fa.Geometry, fb.ID, fb.Geometry)
		}
		if !reflect.DeepEqual(fa.Properties, fb.Properties) {
			t.Fatalf("feature %d properties: ours %v, orb %v", i, fa.Properties, fb.Properties)
		}
	}
}

// wind orients rings for MVT in tile coordinates (y down): an exterior ring
// has a positive shoelace area (orb calls that counter-clockwise, as it
// assumes y up), a hole a negative one.
func wind(g orb.Geometry) orb.Geometry {
	polygon := func(p orb.Polygon) {
		for i, r := range p {
			want := orb.CW
			if i == 0 {
				want = orb.CCW
			}
			if r.Orientation() != want {
				r.Reverse()
			}
		}
	}
	switch t := g.(type) {
	case orb.Polygon:
		polygon(t)
	case orb.MultiPolygon:
		for _, p := range t {
			polygon(p)
		}
	}
	return g
}

// add writes a feature whose geometry is already in tile units, snapped
// and wound: the writer fed with orb geometries, as orb's encoder is.
func (w *layerWriter) add(f *geo.Feature, props map[string]any, g orb.Geometry) {
	if typ, ok := w.encodeGeometry(g); ok {
		w.scratchAttrs.fill(f, w.schema, props, nil)
		w.addEncoded(f.ID, w.scratchAttrs.vals, w.scratchAttrs.data, typ)
	}
}

// encodeGeometry fills w.geom with the command stream of g, in tile units,
// snapped and wound.
func (w *layerWriter) encodeGeometry(g orb.Geometry) (uint64, bool) {
	w.beginGeometry()
	polygon := func(p orb.Polygon) {
		for _, r := range p {
			w.ring(r, false)
		}
	}
	switch t := g.(type) {
	case orb.Point:
		w.moveTo([]orb.Point{t})
		return geomPoint, true
	case orb.MultiPoint:
		if len(t) == 0 {
			return 0, false
		}
		w.moveTo(t)
		return geomPoint, true
	case orb.LineString:
		w.line(t)
		return geomLineString, true
	case orb.MultiLineString:
		for _, l := range t {
			w.line(l)
		}
		return geomLineString, len(t) > 0
	case orb.Polygon:
		polygon(t)
		return geomPolygon, true
	case orb.MultiPolygon:
		for _, p := range t {
			polygon(p)
		}
		return geomPolygon, len(t) > 0
	}
	return 0, false
}

// TestValueIndex: the hash table finds a value again by hash and bytes,
// keeps values of one hash apart, grows past its first size, and forgets a
// layer's values when the writer starts the next layer.
func TestValueIndex(t *testing.T) {
	w := newLayerWriter("t", geo.SchemaOf(geo.Green))
	type add struct {
		hash uint64
		val  string
		want uint32
	}
	for _, a := range []add{
		{1, "a", 0}, {1, "a", 0}, {1, "b", 1}, {1, "b", 1}, {257, "c", 2}, {2, "d", 3}, {1, "a", 0}, {257, "c", 2},
	} {
		if got := w.addByHash(a.hash, []byte(a.val)); got != a.want {
			t.Errorf("hash %d %q: index %d, want %d", a.hash, a.val, got, a.want)
		}
	}
	// Thousands of values, many sharing the low bits of their hash.
	for i := range 5000 {
		h := uint64(i%7) << 40
		if got := w.addByHash(h, []byte(strconv.Itoa(i))); got != uint32(4+i) {
			t.Fatalf("value %d: index %d, want %d", i, got, 4+i)
		}
	}
	for i := range 5000 {
		if got := w.addByHash(uint64(i%7)<<40, []byte(strconv.Itoa(i))); got != uint32(4+i) {
			t.Fatalf("value %d again: index %d, want %d", i, got, 4+i)
		}
	}
	if string(w.value(3)) != "d" || string(w.value(4+4999)) != "4999" {
		t.Errorf("values 3 and 5003: %q, %q", w.value(3), w.value(4+4999))
	}
	w.release()
	w = newLayerWriter("u", geo.SchemaOf(geo.Green))
	if got := w.addByHash(2, []byte("d")); got != 0 || len(w.valueEnd) != 1 {
		t.Errorf("next layer: %q at %d with %d values, want a new table", "d", got, len(w.valueEnd))
	}
	w.release()
}

// TestValueNumbers: a layer's values are the same whether they come with
// numbers, without, or both ways — each value once, in the order first
// seen — and a writer forgets numbered values at the next layer. Numbers
// run out at the table's bound and are never handed out twice.
func TestValueNumbers(t *testing.T) {
	nums := valueNumbers{ids: map[string]uint32{}, max: 3}
	for _, c := range []struct {
		v    string
		want uint32
	}{{"a", 1}, {"b", 2}, {"a", 1}, {"c", 3}, {"d", 0}, {"b", 2}, {"d", 0}} {
		if got := nums.id([]byte(c.v)); got != c.want {
			t.Errorf("number of %q: %d, want %d", c.v, got, c.want)
		}
	}
	type val struct {
		n uint32
		v string
	}
	for _, tc := range []struct {
		name string
		in   []val
		want []string // the layer's values
		idx  []uint32 // the index of each value given
	}{
		{"numbered", []val{{1, "a"}, {2, "b"}, {1, "a"}, {2000, "z"}, {2, "b"}}, []string{"a", "b", "z"}, []uint32{0, 1, 0, 2, 1}},
		{"unnumbered", []val{{0, "a"}, {0, "b"}, {0, "a"}}, []string{"a", "b"}, []uint32{0, 1, 0}},
		// "a" numbered first, then without a number (a view's attributes):
		// one value; "c" without first, then numbered: one value.
		{"mixed", []val{{1, "a"}, {2, "b"}, {0, "a"}, {0, "c"}, {3, "c"}, {1, "a"}, {3, "c"}, {0, "b"}}, []string{"a", "b", "c"}, []uint32{0, 1, 0, 2, 2, 0, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLayerWriter("t", geo.SchemaOf(geo.Green))
			defer w.release()
			for i, in := range tc.in {
				w.beginGeometry()
				w.addEncoded(1, []attrValue{{id: in.n, end: uint32(len(in.v))}}, []byte(in.v), geomPoint)
				if got := uint32(w.tags[1]); got != tc.idx[i] { // one byte each: key 0, index < 128
					t.Errorf("value %d (%d %q): index %d, want %d", i, in.n, in.v, got, tc.idx[i])
				}
			}
			var got []string
			for i := range w.valueEnd {
				got = append(got, string(w.value(uint32(i))))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("values %q, want %q", got, tc.want)
			}
		})
	}
	w := newLayerWriter("t", geo.SchemaOf(geo.Green))
	w.addEncoded(1, []attrValue{{id: 1, end: 1}}, []byte("a"), geomPoint)
	w.release()
	w = newLayerWriter("u", geo.SchemaOf(geo.Green))
	defer w.release()
	w.addEncoded(1, []attrValue{{id: 2, end: 1}}, []byte("b"), geomPoint)
	w.addEncoded(1, []attrValue{{id: 1, end: 1}}, []byte("a"), geomPoint)
	if len(w.valueEnd) != 2 || string(w.value(1)) != "a" {
		t.Errorf("next layer: %d values, want b and a", len(w.valueEnd))
	}
}
