package photo

import (
	"encoding/binary"
	"testing"
)

// TestOrientationReadBounded: counts and offsets in a hostile TIFF block
// are bounded by its bytes.
func TestOrientationReadBounded(t *testing.T) {
	le := binary.LittleEndian
	entry := func(tag, typ uint16, count uint32, v uint16) []byte {
		e := le.AppendUint16(le.AppendUint16(nil, tag), typ)
		e = le.AppendUint32(e, count)
		return append(le.AppendUint16(e, v), 0, 0)
	}
	head := func(off uint32) []byte { return le.AppendUint32([]byte("II*\x00"), off) }
	ok := append(le.AppendUint16(head(8), 1), entry(0x0112, 3, 1, 6)...)
	cases := []struct {
		name string
		tiff []byte
		want int
	}{
		{"plain", ok, 6},
		{"big-endian", append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32([]byte("MM\x00*"), 8), 1),
			0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0), 8},
		{"count claims 65535 entries", append(le.AppendUint16(head(8), 0xffff), entry(0x0112, 3, 1, 3)...), 3},
		{"count claims more than there are", append(le.AppendUint16(head(8), 0xffff), entry(0x0100, 3, 1, 3)...), 1},
		{"offset past the end", head(0xfffffff0), 1},
		{"offset inside the header", head(2), 1},
		{"value 9", append(le.AppendUint16(head(8), 1), entry(0x0112, 3, 1, 9)...), 1},
		{"value 0", append(le.AppendUint16(head(8), 1), entry(0x0112, 3, 1, 0)...), 1},
		{"wrong type", append(le.AppendUint16(head(8), 1), entry(0x0112, 4, 1, 6)...), 1},
		{"not TIFF", []byte("JUNKJUNKJUNK"), 1},
		{"short", []byte("II*"), 1},
		{"empty", nil, 1},
	}
	for _, c := range cases {
		if got := orientation(c.tiff); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
