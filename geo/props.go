package geo

import (
	"iter"
	"math"
	"math/bits"
)

// packed is a feature's attributes in one string, for features held long
// in memory: a map of boxed values costs several times the values
// themselves. Fields are those of schema, in order; set has bit i when
// Fields[i] has a value. data holds an 8-byte little-endian slot per set
// field, in field order: an int64, a float64's bits, a bool as 0 or 1, or
// a text's start and end in data (two uint32); the texts follow the slots.
type packed struct {
	schema *Schema
	set    uint64
	data   string
}

// maxPackedFields is how many fields a schema may have for its features to
// be packed (one bit each in packed.set).
const maxPackedFields = 64

// Pack moves the feature's attributes from Props into a compact form that
// Value, Attrs, Text, Int, Float and Bool read, and sets Props to nil; for
// features held long in memory (the index). A feature whose attributes do
// not fit its layer's schema (an unknown name or a value not of its field's
// type) keeps its map; Pack then returns false.
func (f *Feature) Pack() bool {
	sc := SchemaOf(f.Layer)
	if f.Props == nil || sc == nil || len(sc.Fields) > maxPackedFields {
		return false
	}
	var set uint64
	n, texts := 0, 0
	for i, fd := range sc.Fields {
		v, ok := f.Props[fd.Name]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			if fd.Type != Text {
				return false
			}
			texts += len(x)
		case int64:
			if fd.Type != Int {
				return false
			}
		case float64:
			if fd.Type != Real {
				return false
			}
		case bool:
			if fd.Type != Bool {
				return false
			}
		default: // nil among them: Props never hold NULL as a value
			return false
		}
		set |= 1 << i
		n++
	}
	if n != len(f.Props) || 8*n+texts > math.MaxUint32 {
		return false // a name the schema lacks
	}
	b := make([]byte, 8*n, 8*n+texts)
	k := 0
	for i, fd := range sc.Fields {
		if set&(1<<i) == 0 {
			continue
		}
		var slot uint64
		switch x := f.Props[fd.Name].(type) {
		case string:
			slot = uint64(len(b)) | uint64(len(b)+len(x))<<32
			b = append(b, x...)
		case int64:
			slot = uint64(x)
		case float64:
			slot = math.Float64bits(x)
		case bool:
			if x {
				slot = 1
			}
		}
		putSlot(b[8*k:], slot)
		k++
	}
	f.packed = packed{schema: sc, set: set, data: string(b)}
	f.Props = nil
	return true
}

func putSlot(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

// slot returns the slot of field i, which is set.
func (p *packed) slot(i int) uint64 {
	k := 8 * bits.OnesCount64(p.set&(1<<i-1))
	var v uint64
	for j := range 8 {
		v |= uint64(p.data[k+j]) << (8 * j)
	}
	return v
}

// field returns the index of the named field and whether it has a value.
func (p *packed) field(name string) (int, bool) {
	for i := range p.schema.Fields {
		if p.schema.Fields[i].Name == name {
			return i, p.set&(1<<i) != 0
		}
	}
	return -1, false
}

// value returns field i, which is set, as Props would hold it.
func (p *packed) value(i int) any {
	s := p.slot(i)
	switch p.schema.Fields[i].Type {
	case Text:
		return p.data[uint32(s) : s>>32]
	case Int:
		return int64(s)
	case Real:
		return math.Float64frombits(s)
	case Bool:
		return s != 0
	}
	return nil
}

// Value returns the named attribute (string, int64, float64 or bool), or
// nil when it is NULL or the layer has no such field.
func (f *Feature) Value(name string) any {
	if f.loose() {
		return f.Props[name]
	}
	if i, ok := f.packed.field(name); ok {
		return f.packed.value(i)
	}
	return nil
}

// Attrs yields every attribute that is not NULL, with its name: in field
// order when packed, in no set order otherwise.
func (f *Feature) Attrs() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if f.loose() {
			for k, v := range f.Props {
				if !yield(k, v) {
					return
				}
			}
			return
		}
		for i, fd := range f.packed.schema.Fields {
			if f.packed.set&(1<<i) != 0 && !yield(fd.Name, f.packed.value(i)) {
				return
			}
		}
	}
}

// AttrCount is the number of attributes that are not NULL.
func (f *Feature) AttrCount() int {
	if f.loose() {
		return len(f.Props)
	}
	return bits.OnesCount64(f.packed.set)
}

// loose says the attributes are those of Props: the feature is not packed,
// or Props was set again since.
func (f *Feature) loose() bool { return f.Props != nil || f.packed.schema == nil }

// typed returns the slot of the named attribute if it has a value of type t.
func (f *Feature) typed(name string, t FieldType) (uint64, bool) {
	i, ok := f.packed.field(name)
	if !ok || f.packed.schema.Fields[i].Type != t {
		return 0, false
	}
	return f.packed.slot(i), true
}

// AttrMap returns the attributes as a new map of Props' form, the caller's
// to change (e.g. to edit a copy of a feature the index holds).
func (f *Feature) AttrMap() map[string]any {
	m := make(map[string]any, f.AttrCount())
	for k, v := range f.Attrs() {
		m[k] = v
	}
	return m
}
