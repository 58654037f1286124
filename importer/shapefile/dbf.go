package shapefile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

const dbfHeaderLen = 32 // and each field descriptor is as long

// table reads a .dbf's records by number. Its header's counts and lengths
// are checked against the file's size when it is opened.
type table struct {
	r         io.ReaderAt
	records   int64
	headerLen int64
	recordLen int64
	fields    []field
	buf       []byte
}

// field is a column: its name and where its bytes are in a record.
type field struct {
	name      string
	off, size int
}

func openTable(r io.ReaderAt, size int64) (*table, error) {
	if size < dbfHeaderLen {
		return nil, fmt.Errorf("the .dbf is %d bytes, shorter than its %d-byte header", size, dbfHeaderLen)
	}
	var h [dbfHeaderLen]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("reading the .dbf: %w", err)
	}
	t := &table{
		r:         r,
		records:   int64(binary.LittleEndian.Uint32(h[4:])),
		headerLen: int64(binary.LittleEndian.Uint16(h[8:])),
		recordLen: int64(binary.LittleEndian.Uint16(h[10:])),
	}
	if t.headerLen < dbfHeaderLen || t.headerLen > size {
		return nil, fmt.Errorf("the .dbf header claims %d bytes, but the file has %d", t.headerLen, size)
	}
	if t.records > 0 && t.recordLen == 0 {
		return nil, fmt.Errorf("the .dbf claims %d records of 0 bytes", t.records)
	}
	if body := size - t.headerLen; t.records > 0 && t.records > body/t.recordLen {
		return nil, fmt.Errorf("the .dbf claims %d records of %d bytes, but only %d bytes follow its header", t.records, t.recordLen, body)
	}
	desc := make([]byte, t.headerLen-dbfHeaderLen) // at most 64 KiB: the length is 16 bits
	if _, err := r.ReadAt(desc, dbfHeaderLen); err != nil {
		return nil, fmt.Errorf("reading the .dbf header: %w", err)
	}
	off := 1 // each record starts with its deletion flag
	for p := 0; p+dbfHeaderLen <= len(desc) && desc[p] != 0x0D; p += dbfHeaderLen {
		d := desc[p : p+dbfHeaderLen]
		name := d[:11]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		n := int(d[16])
		if d[11] == 'C' { // a text field's length takes the decimals byte too, as in shapelib
			n += int(d[17]) << 8
		}
		if int64(off+n) > t.recordLen {
			return nil, fmt.Errorf("the .dbf field %s (%d bytes from byte %d) runs past the %d-byte record", name, n, off, t.recordLen)
		}
		t.fields = append(t.fields, field{name: string(name), off: off, size: n})
		off += n
	}
	return t, nil
}

// row returns record i's bytes, or nil when the table has no such record
// (a .dbf shorter than its .shp gives those shapes no attributes).
func (t *table) row(i int64) ([]byte, error) {
	if i < 0 || i >= t.records {
		return nil, nil
	}
	if t.buf == nil {
		t.buf = make([]byte, t.recordLen)
	}
	if _, err := t.r.ReadAt(t.buf, t.headerLen+i*t.recordLen); err != nil {
		return nil, fmt.Errorf("record %d: reading the .dbf: %w", i, err)
	}
	return t.buf, nil
}

// value is field f's raw text in a row from row.
func (f field) value(row []byte) string {
	if row == nil {
		return ""
	}
	return string(row[f.off : f.off+f.size])
}
