package tiles

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
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
	values   []byte  // encoded Value messages, each framed as a values field, back to back
	valueEnd []int   // end offset of each in values
	// A value with a number (see valueNumbers) is found by it in seen;
	// one without in valueIdx, by hash: open addressing, a power-of-two
	// table probed linearly. valueIdx is filled only once a value without
	// a number comes (byHash), and then with every value of the layer.
	// An entry of another generation (an earlier layer's) is empty, so
	// neither is cleared between layers.
	seen     []seenValue
	valueIdx []valueSlot
	byHash   bool
	gen      uint32
	// a feature's tags and command stream, as packed varints
	tags   []byte
	geom   []byte
	cx, cy int64 // the command stream's cursor
	// scratchAttrs holds the attributes of features not kept in the
	// attribute slots (see attrSlots).
	scratchAttrs attrs
}

type valueSlot struct {
	hash     uint64
	gen, idx uint32
}

type seenValue struct{ gen, idx uint32 }

var writerPool = sync.Pool{New: func() any { return new(layerWriter) }}

// newLayerWriter takes a writer from the pool; release gives it back.
func newLayerWriter(name string, sc *geo.Schema) *layerWriter {
	w := writerPool.Get().(*layerWriter)
	w.name, w.schema = name, sc
	w.features, w.keys, w.values, w.valueEnd = w.features[:0], w.keys[:0], w.values[:0], w.valueEnd[:0]
	if w.gen++; w.gen == 0 { // wrapped: old entries could look current
		clear(w.valueIdx)
		clear(w.seen)
		w.gen = 1
	}
	w.byHash = false
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
	if len(w.valueIdx) > 1<<16 {
		w.valueIdx = nil
	}
	if len(w.seen) > 1<<18 {
		w.seen = nil
	}
	writerPool.Put(w)
}

// addEncoded writes a feature of type typ whose command stream is in
// w.geom, with its attributes' values and bytes (attrs made under
// w.schema). Keys and values
// are shared by the layer's features: a value already in the layer is
// found by its number, or by its hash and bytes.
func (w *layerWriter) addEncoded(id int64, vals []attrValue, data []byte, typ uint64) {
	w.tags = w.tags[:0]
	start := uint32(0)
	for _, av := range vals {
		var vi uint32
		if n := av.id; int(n) < len(w.seen) && w.seen[n].gen == w.gen {
			vi = w.seen[n].idx
		} else {
			vi = w.newValue(n, data[start:av.end])
		}
		start = av.end
		i := av.field
		if w.keyIdx[i] < 0 {
			w.keyIdx[i] = int32(len(w.keys))
			w.keys = append(w.keys, w.schema.Fields[i].Name)
		}
		// Most pairs are two bytes: write those straight.
		if k := uint32(w.keyIdx[i]); k|vi < 0x80 {
			w.tags = append(w.tags, byte(k), byte(vi))
		} else {
			w.tags = binary.AppendUvarint(binary.AppendUvarint(w.tags, uint64(k)), uint64(vi))
		}
	}
	// The feature's length comes first: reckon it, then write in place.
	tagLen, geomLen := len(w.tags), len(w.geom)
	n := 1 + uvarintLen(uint64(geomLen)) + geomLen // geometry
	n += 1 + uvarintLen(typ)
	if id > 0 {
		n += 1 + uvarintLen(uint64(id))
	}
	if len(w.tags) > 0 {
		n += 1 + uvarintLen(uint64(tagLen)) + tagLen
	}
	b := appendTag(w.features, layerFeatures, wireBytes)
	b = binary.AppendUvarint(b, uint64(n))
	if id > 0 {
		b = appendTag(b, featureID, wireVarint)
		b = binary.AppendUvarint(b, uint64(id))
	}
	if len(w.tags) > 0 {
		b = appendBytes(b, featureTags, w.tags)
	}
	b = appendTag(b, featureType, wireVarint)
	b = binary.AppendUvarint(b, typ)
	b = appendBytes(b, featureGeometry, w.geom)
	w.features = b
}

// newValue returns the index of value v, numbered n (or 0), that seen
// does not know: a value without a number is looked up by hash, and so is
// one with a number once the layer holds values without (the same bytes
// may have come without a number before); else it is new to the layer.
func (w *layerWriter) newValue(n uint32, v []byte) uint32 {
	if n == 0 && !w.byHash {
		// Index the values so far by hash, from now on every value.
		w.byHash = true
		start := 0
		for i, end := range w.valueEnd {
			w.valueIndex(maphash.Bytes(valueSeed, w.values[start:end]), w.values[start:end], uint32(i))
			start = end
		}
	}
	var idx uint32
	if w.byHash {
		idx = w.addByHash(maphash.Bytes(valueSeed, v), v)
	} else {
		idx = w.appendValue(v)
	}
	if n == 0 {
		return idx
	}
	if int(n) >= len(w.seen) {
		w.seen = append(w.seen, make([]seenValue, max(int(n)+1, 2*len(w.seen), 1024)-len(w.seen))...)
	}
	w.seen[n] = seenValue{gen: w.gen, idx: idx}
	return idx
}

// addByHash returns the index of value v (with hash h) in the layer,
// found in the hash table or added to both.
func (w *layerWriter) addByHash(h uint64, v []byte) uint32 {
	next := uint32(len(w.valueEnd))
	if idx := w.valueIndex(h, v, next); idx != next {
		return idx
	}
	return w.appendValue(v)
}

// appendValue adds v to the layer's values and returns its index.
func (w *layerWriter) appendValue(v []byte) uint32 {
	w.values = append(w.values, v...)
	w.valueEnd = append(w.valueEnd, len(w.values))
	return uint32(len(w.valueEnd) - 1)
}

// valueIndex returns the index of value v (with hash h) in the layer's
// hash table; if it is not there, it enters it as index next and returns
// that (the caller adds the value).
func (w *layerWriter) valueIndex(h uint64, v []byte, next uint32) uint32 {
	if 2*(len(w.valueEnd)+1) > len(w.valueIdx) {
		w.growValueIdx()
	}
	mask := uint64(len(w.valueIdx) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &w.valueIdx[i]
		if s.gen != w.gen {
			*s = valueSlot{hash: h, gen: w.gen, idx: next}
			return next
		}
		if s.hash == h && bytes.Equal(w.value(s.idx), v) {
			return s.idx
		}
	}
}

// growValueIdx doubles the value table (at least 256 slots), moving this
// layer's slots.
func (w *layerWriter) growValueIdx() {
	old := w.valueIdx
	w.valueIdx = make([]valueSlot, max(256, 2*len(old)))
	mask := uint64(len(w.valueIdx) - 1)
	for _, s := range old {
		if s.gen != w.gen {
			continue
		}
		i := s.hash & mask
		for w.valueIdx[i].gen == w.gen {
			i = (i + 1) & mask
		}
		w.valueIdx[i] = s
	}
}

// value returns the bytes of value i of the layer.
func (w *layerWriter) value(i uint32) []byte {
	start := 0
	if i > 0 {
		start = w.valueEnd[i-1]
	}
	return w.values[start:w.valueEnd[i]]
}

// The command stream of a geometry is written point by point into w.geom
// as packed varints, each point a zigzag delta from the cursor (w.cx, w.cy).

func (w *layerWriter) beginGeometry() {
	w.geom = w.geom[:0]
	w.cx, w.cy = 0, 0
}

func (w *layerWriter) point(p orb.Point) {
	x, y := int64(p[0]), int64(p[1])
	w.geom = binary.AppendUvarint(binary.AppendUvarint(w.geom, zigzag(x-w.cx)), zigzag(y-w.cy))
	w.cx, w.cy = x, y
}

// moveTo writes one MoveTo command with its points.
func (w *layerWriter) moveTo(ps []orb.Point) {
	w.geom = binary.AppendUvarint(w.geom, command(cmdMoveTo, len(ps)))
	for _, p := range ps {
		w.point(p)
	}
}

// line writes a line of two points or more.
func (w *layerWriter) line(l []orb.Point) {
	w.moveTo(l[:1])
	w.geom = binary.AppendUvarint(w.geom, command(cmdLineTo, len(l)-1))
	for _, p := range l[1:] {
		w.point(p)
	}
}

// ring writes a closed ring (first point repeated last), backwards if
// reverse; the closing point is ClosePath.
func (w *layerWriter) ring(r []orb.Point, reverse bool) {
	w.moveTo(r[:1])
	w.geom = binary.AppendUvarint(w.geom, command(cmdLineTo, len(r)-2))
	if reverse {
		for i := len(r) - 2; i >= 1; i-- {
			w.point(r[i])
		}
	} else {
		for _, p := range r[1 : len(r)-1] {
			w.point(p)
		}
	}
	w.geom = binary.AppendUvarint(w.geom, command(cmdClosePath, 1))
}

// appendLayer appends the finished layer to a tile.
func (w *layerWriter) appendLayer(tile []byte) []byte {
	// The layer's length comes first: reckon it, then write in place.
	n := 2 + 1 + uvarintLen(uint64(len(w.name))) + len(w.name) + len(w.features) // version, name, features
	for _, k := range w.keys {
		n += 1 + uvarintLen(uint64(len(k))) + len(k)
	}
	n += len(w.values) // framed already
	n += 1 + uvarintLen(Extent)
	b := appendTag(tile, tileLayers, wireBytes)
	b = binary.AppendUvarint(b, uint64(n))
	b = appendTag(b, layerVersion, wireVarint)
	b = binary.AppendUvarint(b, 2)
	b = appendString(b, layerName, w.name)
	b = append(b, w.features...)
	for _, k := range w.keys {
		b = appendString(b, layerKeys, k)
	}
	b = append(b, w.values...)
	b = appendTag(b, layerExtent, wireVarint)
	return binary.AppendUvarint(b, Extent)
}

func command(id, count int) uint64 { return uint64(id&7) | uint64(count)<<3 }

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

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
