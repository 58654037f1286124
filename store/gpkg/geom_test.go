package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

func sq(x, y, d float64) orb.Ring {
	return orb.Ring{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}
}

// sameGeom is reflect.DeepEqual with NaN equal to NaN (POINT EMPTY).
func sameGeom(a, b orb.Geometry) bool {
	pa, oka := a.(orb.Point)
	pb, okb := b.(orb.Point)
	if oka && okb && math.IsNaN(pa[0]) && math.IsNaN(pb[0]) {
		return math.IsNaN(pa[1]) && math.IsNaN(pb[1])
	}
	return reflect.DeepEqual(a, b)
}

func TestGeometryRoundTrip(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		g     orb.Geometry
		want  orb.Geometry // nil: g itself
		empty bool
	}{
		{name: "point", g: orb.Point{104.06, 30.66}},
		{name: "point negative", g: orb.Point{-73.98, -40.5}},
		{name: "multipoint", g: orb.MultiPoint{{104, 30}, {104.1, 30.2}}},
		{name: "linestring", g: orb.LineString{{104, 30}, {104.1, 30.2}, {104.3, 30.1}}},
		{name: "multilinestring", g: orb.MultiLineString{{{104, 30}, {104.1, 30.2}}, {{105, 31}, {105.5, 31.5}}}},
		{name: "polygon with hole", g: orb.Polygon{sq(104, 30, 1), sq(104.2, 30.2, 0.1)}},
		{name: "multipolygon", g: orb.MultiPolygon{{sq(104, 30, 1), sq(104.2, 30.2, 0.1)}, {sq(106, 31, 0.5)}}},
		{name: "collection", g: orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {3, 4}}, orb.Polygon{sq(-1, -1, 2)}, orb.Collection{orb.MultiPoint{{5, 6}}}}},
		{name: "ring", g: sq(104, 30, 1), want: orb.Polygon{sq(104, 30, 1)}},
		{name: "bound", g: orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}, want: orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}.ToPolygon()},
		{name: "empty point", g: orb.Point{nan, nan}, empty: true},
		{name: "empty multipoint", g: orb.MultiPoint{}, empty: true},
		{name: "empty linestring", g: orb.LineString{}, empty: true},
		{name: "empty multilinestring", g: orb.MultiLineString{}, empty: true},
		{name: "empty polygon", g: orb.Polygon{}, empty: true},
		{name: "empty multipolygon", g: orb.MultiPolygon{}, empty: true},
		{name: "empty collection", g: orb.Collection{}, empty: true},
		{name: "collection of empties", g: orb.Collection{orb.LineString{}, orb.Polygon{}}, empty: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = tc.g
			}
			b, err := EncodeGeometry(tc.g, 4326)
			if err != nil {
				t.Fatal(err)
			}
			if string(b[:3]) != "GP\x00" {
				t.Fatalf("header %q", b[:4])
			}
			flags := b[3]
			if flags&flagLittleEndian == 0 || flags&flagExtended != 0 {
				t.Errorf("flags %08b: want little endian, standard", flags)
			}
			env := int(flags>>1) & 7
			if empty := flags&flagEmpty != 0; empty != tc.empty {
				t.Errorf("empty flag %v, want %v", empty, tc.empty)
			}
			if tc.empty && env != 0 || !tc.empty && env != 1 {
				t.Errorf("envelope type %d for empty=%v", env, tc.empty)
			}
			if srs := int32(binary.LittleEndian.Uint32(b[4:])); srs != 4326 {
				t.Errorf("srs_id %d", srs)
			}
			if !tc.empty {
				bb := want.Bound()
				var got [4]float64
				for i := range got {
					got[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8+8*i:]))
				}
				if got != [4]float64{bb.Min[0], bb.Max[0], bb.Min[1], bb.Max[1]} {
					t.Errorf("envelope %v, want %v", got, bb)
				}
			}
			g, srs, err := DecodeGeometry(b)
			if err != nil {
				t.Fatal(err)
			}
			if srs != 4326 || !sameGeom(g, want) {
				t.Errorf("decoded %#v srs %d, want %#v", g, srs, want)
			}
			// The SQL functions see the same envelope.
			bb, empty, err := envelope(b)
			if err != nil || empty != tc.empty || !tc.empty && bb != want.Bound() {
				t.Errorf("envelope() = %v %v %v", bb, empty, err)
			}
		})
	}
	if b, err := EncodeGeometry(nil, 4326); b != nil || err != nil {
		t.Errorf("nil geometry: %v %v", b, err)
	}
	if g, _, err := DecodeGeometry(nil); g != nil || err != nil {
		t.Errorf("NULL blob: %v %v", g, err)
	}
}

// wkbWriter builds WKB in any byte order and dimension, as foreign
// GeoPackages hold it.
type wkbWriter struct {
	o    binary.ByteOrder
	dims int    // 2, 3 or 4
	code uint32 // added to the type: 1000 (Z), 2000 (M), 3000 (ZM) or EWKB flags
	buf  bytes.Buffer
}

func (w *wkbWriter) u32(v uint32) { binary.Write(&w.buf, w.o, v) }
func (w *wkbWriter) f64(v float64) {
	binary.Write(&w.buf, w.o, v)
}
func (w *wkbWriter) head(typ uint32) {
	if w.o == binary.ByteOrder(binary.LittleEndian) {
		w.buf.WriteByte(1)
	} else {
		w.buf.WriteByte(0)
	}
	if w.code >= 0x10000000 { // EWKB flags, with an SRID
		w.u32(typ | w.code | 0x20000000)
		w.u32(4326)
	} else {
		w.u32(typ + w.code)
	}
}
func (w *wkbWriter) pts(ps []orb.Point) {
	w.u32(uint32(len(ps)))
	for _, p := range ps {
		w.pt(p)
	}
}
func (w *wkbWriter) pt(p orb.Point) {
	w.f64(p[0])
	w.f64(p[1])
	for i := 2; i < w.dims; i++ {
		w.f64(float64(100 * i))
	}
}
func (w *wkbWriter) geom(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		w.head(1)
		w.pt(g)
	case orb.LineString:
		w.head(2)
		w.pts(g)
	case orb.Polygon:
		w.head(3)
		w.u32(uint32(len(g)))
		for _, r := range g {
			w.pts(r)
		}
	case orb.MultiPoint:
		w.head(4)
		w.u32(uint32(len(g)))
		for _, p := range g {
			w.geom(p)
		}
	case orb.MultiLineString:
		w.head(5)
		w.u32(uint32(len(g)))
		for _, l := range g {
			w.geom(l)
		}
	case orb.MultiPolygon:
		w.head(6)
		w.u32(uint32(len(g)))
		for _, p := range g {
			w.geom(p)
		}
	case orb.Collection:
		w.head(7)
		w.u32(uint32(len(g)))
		for _, x := range g {
			w.geom(x)
		}
	}
}

// gpBlob builds a GeoPackage blob with the given header byte order,
// envelope type and WKB.
func gpBlob(o binary.ByteOrder, env int, empty bool, bb orb.Bound, wkb []byte) []byte {
	var buf bytes.Buffer
	flags := byte(env << 1)
	if o == binary.ByteOrder(binary.LittleEndian) {
		flags |= 1
	}
	if empty {
		flags |= flagEmpty
	}
	buf.Write([]byte{'G', 'P', 0, flags})
	binary.Write(&buf, o, int32(4326))
	if env > 0 {
		for _, v := range []float64{bb.Min[0], bb.Max[0], bb.Min[1], bb.Max[1]} {
			binary.Write(&buf, o, v)
		}
		for i := 0; i < envelopeSize(env)/8-4; i++ {
			binary.Write(&buf, o, float64(i))
		}
	}
	buf.Write(wkb)
	return buf.Bytes()
}

func TestDecodeForeignGeometry(t *testing.T) {
	geoms := []orb.Geometry{
		orb.Point{104.06, 30.66},
		orb.LineString{{104, 30}, {104.1, 30.2}},
		orb.Polygon{sq(104, 30, 1), sq(104.2, 30.2, 0.1)},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.MultiLineString{{{104, 30}, {104.1, 30.2}}},
		orb.MultiPolygon{{sq(104, 30, 1)}, {sq(106, 31, 0.5)}},
		orb.Collection{orb.Point{1, 2}, orb.Polygon{sq(0, 0, 1)}},
	}
	variants := []struct {
		name string
		o    binary.ByteOrder
		dims int
		code uint32
		env  int
	}{
		{"2D big-endian no envelope", binary.BigEndian, 2, 0, 0},
		{"2D little-endian xy envelope", binary.LittleEndian, 2, 0, 1},
		{"ISO Z xyz envelope", binary.LittleEndian, 3, 1000, 2},
		{"ISO M xym envelope", binary.BigEndian, 3, 2000, 3},
		{"ISO ZM xyzm envelope", binary.LittleEndian, 4, 3000, 4},
		{"EWKB Z with SRID", binary.LittleEndian, 3, 0x80000000, 1},
		{"EWKB ZM big-endian", binary.BigEndian, 4, 0xC0000000, 0},
	}
	for _, v := range variants {
		for _, g := range geoms {
			t.Run(v.name+"/"+g.GeoJSONType(), func(t *testing.T) {
				w := &wkbWriter{o: v.o, dims: v.dims, code: v.code}
				w.geom(g)
				blob := gpBlob(v.o, v.env, false, g.Bound(), w.buf.Bytes())
				got, srs, err := DecodeGeometry(blob)
				if err != nil {
					t.Fatal(err)
				}
				if srs != 4326 || !reflect.DeepEqual(got, g) {
					t.Errorf("got %v (srs %d), want %v", got, srs, g)
				}
				bb, empty, err := envelope(blob)
				if err != nil || empty || bb != g.Bound() {
					t.Errorf("envelope %v %v %v, want %v", bb, empty, err, g.Bound())
				}
			})
		}
	}
	t.Run("GDAL blob", func(t *testing.T) {
		// Written by GDAL 3.6 (ogr2ogr) for a MULTIPOLYGON layer.
		blob, _ := hex.DecodeString("47500003E61000000000000000005A406666666666065A400000000000003E409A99999999193E40010600000001000000010300000001000000040000000000000000005A400000000000003E406666666666065A400000000000003E406666666666065A409A99999999193E400000000000005A400000000000003E40")
		g, srs, err := DecodeGeometry(blob)
		want := orb.MultiPolygon{{{{104, 30}, {104.1, 30}, {104.1, 30.1}, {104, 30}}}}
		if err != nil || srs != 4326 || !reflect.DeepEqual(g, want) {
			t.Errorf("got %v %d %v", g, srs, err)
		}
	})
	t.Run("empty flag", func(t *testing.T) {
		w := &wkbWriter{o: binary.LittleEndian, dims: 2}
		w.geom(orb.Polygon{})
		g, _, err := DecodeGeometry(gpBlob(binary.LittleEndian, 0, true, orb.Bound{}, w.buf.Bytes()))
		if err != nil || !reflect.DeepEqual(g, orb.Polygon{}) {
			t.Errorf("got %#v %v", g, err)
		}
		if _, empty, _ := envelope(gpBlob(binary.LittleEndian, 0, true, orb.Bound{}, w.buf.Bytes())); !empty {
			t.Error("envelope not empty")
		}
	})
}

func TestDecodeGeometryErrors(t *testing.T) {
	pt := func() []byte {
		w := &wkbWriter{o: binary.LittleEndian, dims: 2}
		w.geom(orb.Point{1, 2})
		return w.buf.Bytes()
	}()
	huge := append([]byte{1, 2, 0, 0, 0}, 0xff, 0xff, 0xff, 0x7f) // linestring of 2^31 points
	tests := []struct {
		name string
		blob []byte
	}{
		{"empty", []byte{}},
		{"not GP", append([]byte("XX\x00\x01\xe6\x10\x00\x00"), pt...)},
		{"version 1", append([]byte("GP\x01\x01\xe6\x10\x00\x00"), pt...)},
		{"extended", append([]byte("GP\x00\x21\xe6\x10\x00\x00"), pt...)},
		{"envelope type 5", append([]byte("GP\x00\x0b\xe6\x10\x00\x00"), make([]byte, 80)...)},
		{"truncated envelope", []byte("GP\x00\x03\xe6\x10\x00\x00\x00\x00")},
		{"truncated wkb", gpBlob(binary.LittleEndian, 0, false, orb.Bound{}, pt[:12])},
		{"bad byte order", gpBlob(binary.LittleEndian, 0, false, orb.Bound{}, append([]byte{7}, pt[1:]...))},
		{"huge count", gpBlob(binary.LittleEndian, 0, false, orb.Bound{}, huge)},
		{"curve type", gpBlob(binary.LittleEndian, 0, false, orb.Bound{}, []byte{1, 9, 0, 0, 0, 0, 0, 0, 0})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := DecodeGeometry(tc.blob); !errors.Is(err, ErrGeometry) {
				t.Errorf("err = %v, want ErrGeometry", err)
			}
		})
	}
}

// TestSQLFunctions calls the functions the RTree triggers use, through
// SQLite.
func TestSQLFunctions(t *testing.T) {
	if err := registerFunctions(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	withEnv, _ := EncodeGeometry(orb.LineString{{104, 30}, {105, 31.5}}, 4326)
	w := &wkbWriter{o: binary.BigEndian, dims: 3, code: 1000}
	w.geom(orb.Polygon{sq(-10, -20, 5)})
	noEnv := gpBlob(binary.BigEndian, 0, false, orb.Bound{}, w.buf.Bytes())
	empty, _ := EncodeGeometry(orb.MultiPolygon{}, 4326)
	tests := []struct {
		name string
		blob any
		want [5]any
	}{
		{"envelope", withEnv, [5]any{int64(0), 104.0, 105.0, 30.0, 31.5}},
		{"wkb only", noEnv, [5]any{int64(0), -10.0, -5.0, -20.0, -15.0}},
		{"empty", empty, [5]any{int64(1), nil, nil, nil, nil}},
		{"null", nil, [5]any{nil, nil, nil, nil, nil}},
		{"garbage", []byte("nope"), [5]any{nil, nil, nil, nil, nil}},
	}
	for _, tc := range tests {
		var got [5]any
		err := db.QueryRowContext(context.Background(), `SELECT ST_IsEmpty(?1), ST_MinX(?1), ST_MaxX(?1), ST_MinY(?1), ST_MaxY(?1)`, tc.blob).
			Scan(&got[0], &got[1], &got[2], &got[3], &got[4])
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}
