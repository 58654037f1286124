package photo

import "encoding/binary"

// ifd0Entry finds tag in IFD0 of a TIFF block (as EXIF stores it) and
// answers its 12-byte entry and the block's byte order. Only IFD0 is read,
// and its entry count is bounded by the bytes that hold it.
func ifd0Entry(tiff []byte, tag uint16) ([]byte, binary.ByteOrder) {
	if len(tiff) < 8 {
		return nil, nil
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return nil, nil
	}
	off := uint64(bo.Uint32(tiff[4:]))
	if off < 8 || off > uint64(len(tiff)-2) {
		return nil, nil
	}
	n := uint64(bo.Uint16(tiff[off:]))
	ifd := tiff[off+2:]
	n = min(n, uint64(len(ifd)/12))
	for i := range n {
		if e := ifd[12*i : 12*i+12]; bo.Uint16(e) == tag {
			return e, bo
		}
	}
	return nil, nil
}

// orientation reads the EXIF Orientation tag (0x0112); 1 (upright) when
// there is none or it is unreadable.
func orientation(tiff []byte) int {
	e, bo := ifd0Entry(tiff, 0x0112)
	// SHORT, count 1: the value sits in the first two bytes of the value
	// field.
	if e == nil || bo.Uint16(e[2:]) != 3 || bo.Uint32(e[4:]) != 1 {
		return 1
	}
	if o := int(bo.Uint16(e[8:])); o >= 1 && o <= 8 {
		return o
	}
	return 1
}

// hasGPS reports whether IFD0 points to a GPS IFD (tag 0x8825).
func hasGPS(tiff []byte) bool {
	e, _ := ifd0Entry(tiff, 0x8825)
	return e != nil
}
