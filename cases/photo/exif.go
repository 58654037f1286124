package photo

import "encoding/binary"

// orientation reads the EXIF Orientation tag (0x0112) from IFD0 of a TIFF
// block; 1 (upright) when there is none or it is unreadable. Only IFD0 is
// read, and its entry count is bounded by the bytes that hold it.
func orientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := uint64(bo.Uint32(tiff[4:]))
	if off < 8 || off > uint64(len(tiff)-2) {
		return 1
	}
	n := uint64(bo.Uint16(tiff[off:]))
	ifd := tiff[off+2:]
	n = min(n, uint64(len(ifd)/12))
	for i := range n {
		e := ifd[12*i : 12*i+12]
		if bo.Uint16(e) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the first two bytes of the
		// value field.
		if bo.Uint16(e[2:]) != 3 || bo.Uint32(e[4:]) != 1 {
			return 1
		}
		if o := int(bo.Uint16(e[8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}
