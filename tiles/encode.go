package tiles

import (
	"encoding/binary"
	"math"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// The MVT 2.1 protobuf, written directly: field numbers and wire types of
// vector_tile.proto.
const (
	tileLayers = 3

	layerName     = 1
	layerFeatures = 2
	layerKeys     = 3
	layerValues   = 4
	layerExtent   = 5
	layerVersion  = 15

	featureID       = 1
	featureTags     = 2
	featureType     = 3
	featureGeometry = 4

	valueString = 1
	valueDouble = 3
	valueInt    = 4
	valueSint   = 6
	valueBool   = 7

	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2

	geomPoint      = 1
	geomLineString = 2
	geomPolygon    = 3

	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// layerWriter builds one layer: features as they come, with the key and
// value tables shared by them. Properties are written in schema order, so
// the same data gives the same bytes (tile ETags hash them).
type layerWriter struct {
	name     string
	schema   *geo.Schema
	features []byte
	keys     []string
	keyIdx   []int32 // schema field → key index, -1 until used
	values   []byte  // encoded Value messages, back to back
	valueEnd []int   // end offset of each in values
	strIdx   map[string]uint32
	numIdx   map[valueKey]uint32
	tags     []uint32
	geom     []uint32
	cx, cy   int64 // the command stream's cursor
	scratch  []byte
	count    int
}

type valueKey struct {
	kind byte
	n    uint64
}

var writerPool = sync.Pool{New: func() any {
	return &layerWriter{strIdx: make(map[string]uint32, 256), numIdx: make(map[valueKey]uint32, 256)}
}}

// newLayerWriter takes a writer from the pool; release gives it back.
func newLayerWriter(name string, sc *geo.Schema) *layerWriter {
	w := writerPool.Get().(*layerWriter)
	w.name, w.schema, w.count = name, sc, 0
	w.features, w.keys, w.values, w.valueEnd = w.features[:0], w.keys[:0], w.values[:0], w.valueEnd[:0]
	clear(w.strIdx)
	clear(w.numIdx)
	w.keyIdx = w.keyIdx[:0]
	for range sc.Fields {
		w.keyIdx = append(w.keyIdx, -1)
	}
	return w
}

func (w *layerWriter) release() {
	if cap(w.features) > 4<<20 { // don't keep the buffers of a huge tile
		return
	}
	writerPool.Put(w)
}

// add writes a feature whose geometry is in tile units, snapped and wound.
func (w *layerWriter) add(f *geo.Feature, props map[string]any, g orb.Geometry) {
	if typ, ok := w.encodeGeometry(g); ok {
		w.addEncoded(f, props, typ)
	}
}

// addEncoded writes a feature of type typ whose command stream is in w.geom.
func (w *layerWriter) addEncoded(f *geo.Feature, props map[string]any, typ uint64) {
	w.tags = w.tags[:0]
	for i, fd := range w.schema.Fields {
		v, ok := props[fd.Name]
		if !ok || v == nil {
			continue
		}
		vi, ok := w.value(v)
		if !ok {
			continue
		}
		if w.keyIdx[i] < 0 {
			w.keyIdx[i] = int32(len(w.keys))
			w.keys = append(w.keys, fd.Name)
		}
		w.tags = append(w.tags, uint32(w.keyIdx[i]), vi)
	}
	b := w.scratch[:0]
	if f.ID > 0 {
		b = appendTag(b, featureID, wireVarint)
		b = binary.AppendUvarint(b, uint64(f.ID))
	}
	if len(w.tags) > 0 {
		b = appendPacked(b, featureTags, w.tags)
	}
	b = appendTag(b, featureType, wireVarint)
	b = binary.AppendUvarint(b, typ)
	b = appendPacked(b, featureGeometry, w.geom)
	w.scratch = b
	w.features = appendBytes(w.features, layerFeatures, b)
	w.count++
}

func (w *layerWriter) value(v any) (uint32, bool) {
	var k valueKey
	switch t := v.(type) {
	case string:
		if i, ok := w.strIdx[t]; ok {
			return i, true
		}
		w.values = appendString(w.values, valueString, t)
		return w.newValue(func(i uint32) { w.strIdx[t] = i }), true
	case float64:
		k = valueKey{kind: 'd', n: math.Float64bits(t)}
	case int64:
		k = valueKey{kind: 'i', n: uint64(t)}
	case int:
		k = valueKey{kind: 'i', n: uint64(int64(t))}
	case bool:
		k = valueKey{kind: 'b'}
		if t {
			k.n = 1
		}
	default:
		return 0, false
	}
	if i, ok := w.numIdx[k]; ok {
		return i, true
	}
	switch k.kind {
	case 'd':
		w.values = appendTag(w.values, valueDouble, wireFixed64)
		w.values = binary.LittleEndian.AppendUint64(w.values, k.n)
	case 'i':
		if int64(k.n) < 0 {
			w.values = appendTag(w.values, valueSint, wireVarint)
			w.values = binary.AppendUvarint(w.values, zigzag(int64(k.n)))
		} else {
			w.values = appendTag(w.values, valueInt, wireVarint)
			w.values = binary.AppendUvarint(w.values, k.n)
		}
	case 'b':
		w.values = appendTag(w.values, valueBool, wireVarint)
		w.values = binary.AppendUvarint(w.values, k.n)
	}
	return w.newValue(func(i uint32) { w.numIdx[k] = i }), true
}

// newValue records the end of the value just appended and indexes it.
func (w *layerWriter) newValue(index func(uint32)) uint32 {
	i := uint32(len(w.valueEnd))
	w.valueEnd = append(w.valueEnd, len(w.values))
	index(i)
	return i
}

// The command stream of a geometry is written point by point into w.geom,
// each point a zigzag delta from the cursor (w.cx, w.cy).

func (w *layerWriter) beginGeometry() {
	w.geom = w.geom[:0]
	w.cx, w.cy = 0, 0
}

func (w *layerWriter) point(p orb.Point) {
	x, y := int64(p[0]), int64(p[1])
	w.geom = append(w.geom, uint32(zigzag(x-w.cx)), uint32(zigzag(y-w.cy)))
	w.cx, w.cy = x, y
}

// moveTo writes one MoveTo command with its points.
func (w *layerWriter) moveTo(ps []orb.Point) {
	w.geom = append(w.geom, command(cmdMoveTo, len(ps)))
	for _, p := range ps {
		w.point(p)
	}
}

// line writes a line of two points or more.
func (w *layerWriter) line(l []orb.Point) {
	w.moveTo(l[:1])
	w.geom = append(w.geom, command(cmdLineTo, len(l)-1))
	for _, p := range l[1:] {
		w.point(p)
	}
}

// ring writes a closed ring (first point repeated last), backwards if
// reverse; the closing point is ClosePath.
func (w *layerWriter) ring(r []orb.Point, reverse bool) {
	w.moveTo(r[:1])
	w.geom = append(w.geom, command(cmdLineTo, len(r)-2))
	if reverse {
		for i := len(r) - 2; i >= 1; i-- {
			w.point(r[i])
		}
	} else {
		for _, p := range r[1 : len(r)-1] {
			w.point(p)
		}
	}
	w.geom = append(w.geom, command(cmdClosePath, 1))
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

// appendLayer appends the finished layer to a tile.
func (w *layerWriter) appendLayer(tile []byte) []byte {
	// The layer's length comes first: write its body to scratch.
	b := w.scratch[:0]
	b = appendTag(b, layerVersion, wireVarint)
	b = binary.AppendUvarint(b, 2)
	b = appendString(b, layerName, w.name)
	b = append(b, w.features...)
	for _, k := range w.keys {
		b = appendString(b, layerKeys, k)
	}
	start := 0
	for _, end := range w.valueEnd {
		b = appendBytes(b, layerValues, w.values[start:end])
		start = end
	}
	b = appendTag(b, layerExtent, wireVarint)
	b = binary.AppendUvarint(b, Extent)
	w.scratch = b
	return appendBytes(tile, tileLayers, b)
}

func command(id, count int) uint32 { return uint32(id&7) | uint32(count)<<3 }

func zigzag(n int64) uint64 { return uint64((n << 1) ^ (n >> 63)) }

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, field int, s string) []byte {
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += uvarintLen(uint64(v))
	}
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
