package tiles

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
)

// attrs are a feature's attributes encoded as MVT Value messages, each
// framed as a layer's values field (tag, length, message: the bytes a
// tile's value table holds), in schema order, each with its number in
// the encoder's values (0 if it has none): what a layer writer needs to add them to
// a tile's value table without looking at the feature's property map.
type attrs struct {
	f    *geo.Feature // the feature they were made from
	vals []attrValue
	data []byte // the framed values, back to back
}

// kept is what an attribute slot keeps of a feature: its attrs and its
// geometry, the geometry's vertices back to back, all in one block of
// memory allocated with it when small, so that a tile reads a feature
// from one place instead of seven or eight (the feature, its geometry's
// interface box, slice header, rings and points, the attrs, their values
// and bytes): cutting tiles is bound by cache misses (bench/RESULTS.md).
type kept struct {
	f     *geo.Feature   // the feature it was made from
	block unsafe.Pointer // pts, ends, parts, vals, data back to back
	// their lengths: vertices (lon/lat), where each line or ring ends in
	// pts, where each polygon of a multipolygon ends in ends (one for a
	// polygon), values, bytes
	nPts, nEnds, nParts, nVals, nData uint32
	kind                              geomKind
}

// geomKind is how kept holds its feature's geometry.
type geomKind uint8

const (
	heldNone       geomKind = iota // a type tiles do not draw (as feature)
	heldPoint                      // pts[0]
	heldMultiPoint                 // pts
	heldLines                      // lines ending at ends
	heldPolygons                   // polygons ending at parts, rings at ends
)

// The block's layout: pts (8-byte aligned), then the uint32s of ends
// and parts, the values (4-byte aligned), the bytes.
const (
	ptSize  = unsafe.Sizeof(orb.Point{})
	valSize = unsafe.Sizeof(attrValue{})
)

func (k *kept) endsAt() uintptr  { return ptSize * uintptr(k.nPts) }
func (k *kept) partsAt() uintptr { return k.endsAt() + 4*uintptr(k.nEnds) }
func (k *kept) valsAt() uintptr  { return k.partsAt() + 4*uintptr(k.nParts) }
func (k *kept) dataAt() uintptr  { return k.valsAt() + valSize*uintptr(k.nVals) }

// size is the block's length in bytes.
func (k *kept) size() uintptr { return k.dataAt() + uintptr(k.nData) }

func (k *kept) pts() []orb.Point { return unsafe.Slice((*orb.Point)(k.block), k.nPts) }

func (k *kept) ends() []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Add(k.block, k.endsAt())), k.nEnds)
}

func (k *kept) parts() []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Add(k.block, k.partsAt())), k.nParts)
}

func (k *kept) vals() []attrValue {
	return unsafe.Slice((*attrValue)(unsafe.Add(k.block, k.valsAt())), k.nVals)
}

func (k *kept) data() []byte { return unsafe.Slice((*byte)(unsafe.Add(k.block, k.dataAt())), k.nData) }

// keep returns what a slot keeps of a (made by fill) and geometry g. A
// geometry of another type than points, lines and polygons, which tiles
// do not draw, holds no vertices (heldNone).
func (a *attrs) keep(g orb.Geometry) *kept {
	var pts []orb.Point
	var ends, parts []uint32
	kind := heldNone
	switch t := g.(type) {
	case orb.Point:
		kind, pts = heldPoint, []orb.Point{t}
	case orb.MultiPoint:
		kind, pts = heldMultiPoint, t
	case orb.LineString:
		kind, pts, ends = heldLines, t, []uint32{uint32(len(t))}
	case orb.MultiLineString:
		kind = heldLines
		for _, l := range t {
			pts = append(pts, l...)
			ends = append(ends, uint32(len(pts)))
		}
	case orb.Polygon:
		kind = heldPolygons
		pts, ends = appendRings(nil, nil, t)
		parts = []uint32{uint32(len(ends))}
	case orb.MultiPolygon:
		kind = heldPolygons
		for _, p := range t {
			pts, ends = appendRings(pts, ends, p)
			parts = append(parts, uint32(len(ends)))
		}
	}
	h := kept{f: a.f, kind: kind, nPts: uint32(len(pts)), nEnds: uint32(len(ends)), nParts: uint32(len(parts)), nVals: uint32(len(a.vals)), nData: uint32(len(a.data))}
	k := withBlock(h.size())
	h.block = k.block
	*k = h
	copy(k.pts(), pts)
	copy(k.ends(), ends)
	copy(k.parts(), parts)
	copy(k.vals(), a.vals)
	copy(k.data(), a.data)
	return k
}

// withBlock returns a kept with a pointer-free block of at least size
// bytes, 8-byte aligned: up to 512 bytes in the same allocation, right
// after it, so both come into the processor's cache together.
func withBlock(size uintptr) *kept {
	switch {
	case size <= 64:
		return keptWith[[4]orb.Point]()
	case size <= 128:
		return keptWith[[8]orb.Point]()
	case size <= 256:
		return keptWith[[16]orb.Point]()
	case size <= 512:
		return keptWith[[32]orb.Point]()
	}
	block := make([]orb.Point, (size+ptSize-1)/ptSize)
	return &kept{block: unsafe.Pointer(unsafe.SliceData(block))}
}

func keptWith[B any]() *kept {
	x := new(struct {
		k kept
		b B
	})
	x.k.block = unsafe.Pointer(&x.b)
	return &x.k
}

func appendRings(pts []orb.Point, ends []uint32, p orb.Polygon) ([]orb.Point, []uint32) {
	for _, r := range p {
		pts = append(pts, r...)
		ends = append(ends, uint32(len(pts)))
	}
	return pts, ends
}

// attrValue is one value of attrs (its number, field and end side by
// side: a tile reads them together, feature after feature).
type attrValue struct {
	id    uint32 // the value's number in the encoder's values; 0: none
	end   uint32 // end of the value in data
	field uint8  // the schema field
}

var valueSeed = maphash.MakeSeed()

// valueNumbers numbers distinct encoded values, from 1, so that a tile
// finds a value it already holds by its number (an array index) instead
// of hashing and comparing its bytes. The numbers of values are never
// taken back: once it holds max values it numbers no more, and values
// first seen after that go without (0), to be found by hash and bytes.
// A value so has one number, or none, for as long as the encoder lives.
type valueNumbers struct {
	mu  sync.Mutex
	ids map[string]uint32
	max int
}

// maxKeptValues bounds the values an Encoder numbers (all layers): a
// million is ample for a city (its distinct values number in the
// thousands) and bounds the numbering to a few tens of megabytes.
const maxKeptValues = 1 << 20

// id returns v's number, giving it the next one if it has none and there
// is room; 0 when there is not.
func (n *valueNumbers) id(v []byte) uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if id, ok := n.ids[string(v)]; ok {
		return id
	}
	if len(n.ids) >= n.max {
		return 0
	}
	id := uint32(len(n.ids) + 1)
	n.ids[string(v)] = id
	return id
}

// fill encodes props under sc into a, reusing its buffers, numbering the
// values in nums if it is not nil; props nil: f's own attributes. Values
// of types MVT has no place for are left out.
func (a *attrs) fill(f *geo.Feature, sc *geo.Schema, props map[string]any, nums *valueNumbers) {
	a.f = f
	a.vals, a.data = a.vals[:0], a.data[:0]
	for i, fd := range sc.Fields {
		var v any
		if props != nil {
			v = props[fd.Name]
		} else {
			v = f.Value(fd.Name)
		}
		if v == nil {
			continue
		}
		start := len(a.data)
		var ok bool
		if a.data, ok = appendFramedValue(a.data, v); !ok {
			continue
		}
		var id uint32
		if nums != nil {
			id = nums.id(a.data[start:])
		}
		a.vals = append(a.vals, attrValue{id: id, end: uint32(len(a.data)), field: uint8(i)})
	}
}

// appendFramedValue appends v as a layer's values field: its tag, its
// length and the Value message.
func appendFramedValue(b []byte, v any) ([]byte, bool) {
	// Messages are short: reserve one byte for the length, and move the
	// message along in the rare case its length takes more.
	b = appendTag(b, layerValues, wireBytes)
	at := len(b)
	b = append(b, 0)
	b, ok := appendValue(b, v)
	if !ok {
		return b[:at-1], false
	}
	n := len(b) - at - 1
	if n < 0x80 {
		b[at] = byte(n)
		return b, true
	}
	k := uvarintLen(uint64(n))
	b = append(b, make([]byte, k-1)...)
	copy(b[at+k:], b[at+1:at+1+n])
	binary.PutUvarint(b[at:], uint64(n))
	return b, true
}

// appendValue appends v as an MVT Value message (without its length).
func appendValue(b []byte, v any) ([]byte, bool) {
	switch t := v.(type) {
	case string:
		return appendString(b, valueString, t), true
	case float64:
		b = appendTag(b, valueDouble, wireFixed64)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(t)), true
	case int64:
		return appendInt(b, t), true
	case int:
		return appendInt(b, int64(t)), true
	case bool:
		b = appendTag(b, valueBool, wireVarint)
		if t {
			return append(b, 1), true
		}
		return append(b, 0), true
	}
	return b, false
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = appendTag(b, valueSint, wireVarint)
		return binary.AppendUvarint(b, zigzag(n))
	}
	b = appendTag(b, valueInt, wireVarint)
	return binary.AppendUvarint(b, uint64(n))
}

// attrSlots keep an index layer's features as tiles read them (kept: attrs
// and geometry), each made the first time its feature is found for a
// tile, in a slot per feature id. A slot holds the
// feature it was made from: an edit puts a new feature in the index, which
// misses and is encoded afresh. Features without a stored id (scenario and
// what-if edits) are encoded for each tile.
type attrSlots struct {
	mu    sync.Mutex // serialises growing
	slots atomic.Pointer[[]atomic.Pointer[kept]]
}

// maxCachedID bounds the slots of a layer (8 bytes each).
const maxCachedID = 1 << 26

// get returns what is kept of f under sc, making it on a miss.
func (s *attrSlots) get(f *geo.Feature, sc *geo.Schema, nums *valueNumbers) *kept {
	id := f.ID
	if id <= 0 || id >= maxCachedID {
		return nil
	}
	slots := *s.slots.Load()
	if id < int64(len(slots)) {
		if a := slots[id].Load(); a != nil && a.f == f {
			return a
		}
	}
	var made attrs
	made.fill(f, sc, nil, nums)
	a := made.keep(f.Geom)
	s.grow(id)
	(*s.slots.Load())[id].Store(a)
	return a
}

// Forget empties the attribute slots of the features that left an index
// (index.Dirty.Left: deleted, or replaced by a new version), and all the
// slots of a layer read again whole (Dirty.Reloaded), so that the slots do
// not keep them alive; a slot that already holds another feature (the new
// version, drawn meanwhile) is left as it is. The index registers it with
// its OnApply. A clear racing with a grow or a draw of the old snapshot may
// be lost, like a store: that slot lets go when its id is drawn again.
func (e *Encoder) Forget(d index.Dirty) {
	for layer := range d.Reloaded {
		if s := e.slots[layer]; s != nil {
			s.reset()
		}
	}
	for layer, fs := range d.Left {
		s := e.slots[layer]
		if s == nil {
			continue
		}
		slots := *s.slots.Load()
		for _, f := range fs {
			if f.ID <= 0 || f.ID >= int64(len(slots)) {
				continue
			}
			if a := slots[f.ID].Load(); a != nil && a.f == f {
				slots[f.ID].CompareAndSwap(a, nil)
			}
		}
	}
}

// reset empties every slot.
func (s *attrSlots) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slots.Store(&[]atomic.Pointer[kept]{})
}

// grow makes room for slot id. A store racing with a grow may be lost:
// that feature is encoded again next time.
func (s *attrSlots) grow(id int64) {
	if id < int64(len(*s.slots.Load())) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.slots.Load()
	if id < int64(len(old)) {
		return
	}
	n := max(2*len(old), int(id)+1, 1024)
	grown := make([]atomic.Pointer[kept], n)
	for i := range old {
		grown[i].Store(old[i].Load())
	}
	s.slots.Store(&grown)
}
