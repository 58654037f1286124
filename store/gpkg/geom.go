package gpkg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// GeoPackage binary header (GeoPackage 1.3, §2.1.3):
//
//	magic 'G' 'P', version 0, flags, srs_id int32, envelope, WKB
//
// flags: bit 5 extended type, bit 4 empty geometry, bits 3-1 envelope
// contents indicator, bit 0 byte order of srs_id and envelope (1 = little
// endian).
const (
	flagLittleEndian = 0x01
	flagEmpty        = 0x10
	flagExtended     = 0x20
	envShift         = 1
	envMask          = 0x07
	headerNoEnv      = 8
)

// envelopeSize returns the number of envelope bytes for an envelope
// contents indicator, or -1 if it is invalid.
func envelopeSize(env int) int {
	switch env {
	case 0:
		return 0
	case 1:
		return 32 // minx, maxx, miny, maxy
	case 2, 3:
		return 48 // + minz, maxz or minm, maxm
	case 4:
		return 64 // + z and m
	}
	return -1
}

// EncodeGeometry returns g as a GeoPackage geometry blob: a standard
// GeoPackageBinary header (little endian, srsID, an xy envelope, or the empty
// flag and no envelope for an empty geometry) followed by ISO WKB. A nil
// geometry encodes as nil (SQL NULL).
func EncodeGeometry(g orb.Geometry, srsID int32) ([]byte, error) {
	b, _, _, err := encode(g, srsID)
	return b, err
}

// encode is EncodeGeometry, also returning the bounding box and whether the
// geometry is empty.
func encode(g orb.Geometry, srsID int32) ([]byte, orb.Bound, bool, error) {
	if g == nil {
		return nil, orb.Bound{}, true, nil
	}
	switch t := g.(type) {
	case orb.Point, orb.MultiPoint, orb.LineString, orb.MultiLineString, orb.Polygon, orb.MultiPolygon, orb.Collection:
	case orb.Ring:
		g = orb.Polygon{t}
	case orb.Bound:
		g = t.ToPolygon()
	default:
		return nil, orb.Bound{}, false, fmt.Errorf("gpkg: cannot encode geometry %T", g)
	}
	b, empty := bounds(g)
	flags := byte(flagLittleEndian)
	hlen := headerNoEnv
	if empty {
		flags |= flagEmpty
	} else {
		flags |= 1 << envShift
		hlen += 32
	}
	buf := make([]byte, hlen, hlen+wkbSize(g))
	buf[0], buf[1], buf[2], buf[3] = 'G', 'P', 0, flags
	binary.LittleEndian.PutUint32(buf[4:], uint32(srsID))
	if !empty {
		for i, v := range [4]float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
			binary.LittleEndian.PutUint64(buf[8+8*i:], math.Float64bits(v))
		}
	}
	w := bytes.NewBuffer(buf)
	if err := wkb.NewEncoder(w).SetByteOrder(binary.LittleEndian).Encode(g); err != nil {
		return nil, b, empty, fmt.Errorf("gpkg: encode wkb: %w", err)
	}
	return w.Bytes(), b, empty, nil
}

// wkbSize estimates the WKB size of g, for preallocation.
func wkbSize(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 21
	case orb.MultiPoint:
		return 9 + 21*len(g)
	case orb.LineString:
		return 9 + 16*len(g)
	case orb.Polygon:
		n := 9
		for _, r := range g {
			n += 4 + 16*len(r)
		}
		return n
	case orb.MultiLineString:
		n := 9
		for _, l := range g {
			n += wkbSize(l)
		}
		return n
	case orb.MultiPolygon:
		n := 9
		for _, p := range g {
			n += wkbSize(p)
		}
		return n
	case orb.Collection:
		n := 9
		for _, x := range g {
			n += wkbSize(x)
		}
		return n
	}
	return 64
}

// bounds returns the bounding box of g and whether g is empty (no
// coordinates, or only NaN points: the WKB encoding of POINT EMPTY).
func bounds(g orb.Geometry) (orb.Bound, bool) {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	empty := true
	var add func(orb.Geometry)
	addPts := func(ps []orb.Point) {
		for _, p := range ps {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) {
				continue
			}
			empty = false
			b.Min[0], b.Max[0] = math.Min(b.Min[0], p[0]), math.Max(b.Max[0], p[0])
			b.Min[1], b.Max[1] = math.Min(b.Min[1], p[1]), math.Max(b.Max[1], p[1])
		}
	}
	add = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			addPts([]orb.Point{g})
		case orb.MultiPoint:
			addPts(g)
		case orb.LineString:
			addPts(g)
		case orb.Ring:
			addPts(g)
		case orb.Polygon:
			for _, r := range g {
				addPts(r)
			}
		case orb.MultiLineString:
			for _, l := range g {
				addPts(l)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				add(p)
			}
		case orb.Collection:
			for _, x := range g {
				add(x)
			}
		case orb.Bound:
			addPts([]orb.Point{g.Min, g.Max})
		}
	}
	add(g)
	return b, empty
}

// ErrGeometry is wrapped by every DecodeGeometry error.
var ErrGeometry = errors.New("invalid GeoPackage geometry")

// header is a parsed GeoPackage binary header.
type header struct {
	srsID int32
	empty bool
	env   int       // envelope contents indicator
	bound orb.Bound // xy envelope when env > 0
	wkb   []byte    // the WKB after the header
	order binary.ByteOrder
}

func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < headerNoEnv || b[0] != 'G' || b[1] != 'P' {
		return h, fmt.Errorf("%w: no GP header", ErrGeometry)
	}
	if b[2] != 0 {
		return h, fmt.Errorf("%w: unsupported version %d", ErrGeometry, b[2])
	}
	flags := b[3]
	if flags&flagExtended != 0 {
		return h, fmt.Errorf("%w: extended GeoPackageBinary is not supported", ErrGeometry)
	}
	h.order = binary.ByteOrder(binary.BigEndian)
	if flags&flagLittleEndian != 0 {
		h.order = binary.LittleEndian
	}
	h.empty = flags&flagEmpty != 0
	h.env = int(flags>>envShift) & envMask
	n := envelopeSize(h.env)
	if n < 0 {
		return h, fmt.Errorf("%w: invalid envelope indicator %d", ErrGeometry, h.env)
	}
	if len(b) < headerNoEnv+n {
		return h, fmt.Errorf("%w: truncated envelope", ErrGeometry)
	}
	h.srsID = int32(h.order.Uint32(b[4:]))
	if n > 0 {
		f := func(i int) float64 { return math.Float64frombits(h.order.Uint64(b[8+8*i:])) }
		h.bound = orb.Bound{Min: orb.Point{f(0), f(2)}, Max: orb.Point{f(1), f(3)}}
	}
	h.wkb = b[headerNoEnv+n:]
	return h, nil
}

// DecodeGeometry parses a GeoPackage geometry blob (any byte order, any
// envelope type, the empty flag) and returns the geometry and its srs_id.
// The WKB may be ISO or extended (EWKB) with Z, M or ZM coordinates; only
// x and y are kept. An empty point decodes as orb.Point{NaN, NaN}. A nil
// blob (SQL NULL) decodes as a nil geometry.
func DecodeGeometry(b []byte) (orb.Geometry, int32, error) {
	if b == nil {
		return nil, 0, nil
	}
	h, err := parseHeader(b)
	if err != nil {
		return nil, 0, err
	}
	if len(h.wkb) == 0 && h.empty {
		return nil, h.srsID, nil
	}
	r := wkbReader{b: h.wkb}
	g, err := r.geometry(0)
	if err != nil {
		return nil, h.srsID, err
	}
	return g, h.srsID, nil
}

// wkbReader decodes ISO WKB and EWKB (2D, Z, M, ZM), keeping x and y.
type wkbReader struct {
	b   []byte
	off int
}

const maxDepth = 32

// preallocParts is the most rings or members allocated for before they
// are read.
const preallocParts = 64

func (r *wkbReader) fail(what string) error {
	return fmt.Errorf("%w: wkb: %s at byte %d", ErrGeometry, what, r.off)
}

func (r *wkbReader) need(n int) error {
	if n < 0 || len(r.b)-r.off < n {
		return r.fail("truncated")
	}
	return nil
}

func (r *wkbReader) uint32(o binary.ByteOrder) (uint32, error) {
	if err := r.need(4); err != nil {
		return 0, err
	}
	v := o.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

// count reads an element count and checks that count elements of at least
// minSize bytes each can fit in what is left.
func (r *wkbReader) count(o binary.ByteOrder, minSize int) (int, error) {
	n, err := r.uint32(o)
	if err != nil {
		return 0, err
	}
	if left := len(r.b) - r.off; uint64(n)*uint64(minSize) > uint64(left) {
		return 0, r.fail(fmt.Sprintf("count %d exceeds data (%d bytes left, %d at least each)", n, left, minSize))
	}
	return int(n), nil
}

func (r *wkbReader) points(o binary.ByteOrder, dims int) ([]orb.Point, error) {
	n, err := r.count(o, 8*dims)
	if err != nil {
		return nil, err
	}
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = r.point(o, dims)
	}
	return ps, nil
}

// point reads one coordinate; the caller checked the length.
func (r *wkbReader) point(o binary.ByteOrder, dims int) orb.Point {
	p := orb.Point{math.Float64frombits(o.Uint64(r.b[r.off:])), math.Float64frombits(o.Uint64(r.b[r.off+8:]))}
	r.off += 8 * dims
	return p
}

// geometry reads one WKB geometry; depth is its nesting in collections.
func (r *wkbReader) geometry(depth int) (orb.Geometry, error) {
	if depth > maxDepth {
		return nil, r.fail("nesting too deep")
	}
	o, t, dims, err := r.typeHeader()
	if err != nil {
		return nil, err
	}
	switch t {
	case 1:
		if err := r.need(8 * dims); err != nil {
			return nil, err
		}
		return r.point(o, dims), nil
	case 2:
		ps, err := r.points(o, dims)
		return orb.LineString(ps), err
	case 3:
		p, err := r.polygon(o, dims)
		if err != nil {
			return nil, err // not a nil orb.Polygon in the interface
		}
		return p, nil
	case 4, 5, 6, 7:
		return r.collection(o, t, dims, depth)
	}
	return nil, r.fail(fmt.Sprintf("unsupported geometry type %d", t))
}

// typeHeader reads a geometry's byte order and type, ISO (with a Z, M or
// ZM thousand) or EWKB (flag bits, skipping an srid), and returns the byte
// order, the 2D type code and the number of coordinates a point has.
func (r *wkbReader) typeHeader() (binary.ByteOrder, uint32, int, error) {
	if err := r.need(5); err != nil {
		return nil, 0, 0, err
	}
	var o binary.ByteOrder
	switch r.b[r.off] {
	case 0:
		o = binary.BigEndian
	case 1:
		o = binary.LittleEndian
	default:
		return nil, 0, 0, r.fail("bad byte order")
	}
	r.off++
	t, _ := r.uint32(o)
	dims := 2
	if t&0xE0000000 != 0 { // EWKB
		if t&0x80000000 != 0 {
			dims++
		}
		if t&0x40000000 != 0 {
			dims++
		}
		if t&0x20000000 != 0 {
			if _, err := r.uint32(o); err != nil { // srid
				return nil, 0, 0, err
			}
		}
		t &= 0x0FFFFFFF
	} else {
		switch t / 1000 {
		case 1, 2:
			dims = 3
		case 3:
			dims = 4
		case 0:
		default:
			return nil, 0, 0, r.fail(fmt.Sprintf("unsupported geometry type %d", t))
		}
		t %= 1000
	}
	return o, t, dims, nil
}

// polygon reads a polygon's ring count and rings.
func (r *wkbReader) polygon(o binary.ByteOrder, dims int) (orb.Polygon, error) {
	n, err := r.count(o, 4)
	if err != nil {
		return nil, err
	}
	// Rings and members are appended as they are read, not allocated
	// for the count: a count fits the bytes left, but each nested
	// collection would claim the same bytes again.
	poly := make(orb.Polygon, 0, min(n, preallocParts))
	for range n {
		ps, err := r.points(o, dims)
		if err != nil {
			return nil, err
		}
		poly = append(poly, orb.Ring(ps))
	}
	return poly, nil
}

// collection reads the members of a multi-geometry (type t 4, 5 or 6, whose
// members must be points, line strings or polygons) or of a geometry
// collection (7).
func (r *wkbReader) collection(o binary.ByteOrder, t uint32, dims, depth int) (orb.Geometry, error) {
	n, err := r.count(o, 9) // byte order, type and a count at least
	if err != nil {
		return nil, err
	}
	// Only the slice of type t is allocated; the others stay nil.
	c := min(n, preallocParts)
	var (
		mpt   orb.MultiPoint
		ml    orb.MultiLineString
		mpl   orb.MultiPolygon
		parts orb.Collection
	)
	switch t {
	case 4:
		mpt = make(orb.MultiPoint, 0, c)
	case 5:
		ml = make(orb.MultiLineString, 0, c)
	case 6:
		mpl = make(orb.MultiPolygon, 0, c)
	default:
		parts = make(orb.Collection, 0, c)
	}
	for range n {
		g, err := r.geometry(depth + 1)
		if err != nil {
			return nil, err
		}
		ok := true
		switch t {
		case 4:
			var p orb.Point
			p, ok = g.(orb.Point)
			mpt = append(mpt, p)
		case 5:
			var l orb.LineString
			l, ok = g.(orb.LineString)
			ml = append(ml, l)
		case 6:
			var p orb.Polygon
			p, ok = g.(orb.Polygon)
			mpl = append(mpl, p)
		default:
			parts = append(parts, g)
		}
		if !ok {
			return nil, r.fail(fmt.Sprintf("a %s in a geometry of type %d", g.GeoJSONType(), t))
		}
	}
	switch t {
	case 4:
		return mpt, nil
	case 5:
		return ml, nil
	case 6:
		return mpl, nil
	default:
		return parts, nil
	}
}

// envelope returns the xy bounding box of a geometry blob and whether it is
// empty, from the header envelope when there is one and from the WKB
// otherwise.
func envelope(b []byte) (orb.Bound, bool, error) {
	h, err := parseHeader(b)
	if err != nil {
		return orb.Bound{}, false, err
	}
	if h.empty {
		return orb.Bound{}, true, nil
	}
	if h.env > 0 {
		return h.bound, false, nil
	}
	r := wkbReader{b: h.wkb}
	g, err := r.geometry(0)
	if err != nil {
		return orb.Bound{}, false, err
	}
	bb, empty := bounds(g)
	return bb, empty, nil
}
