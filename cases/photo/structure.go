package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// layout is what a walk over a file's blocks (JPEG segments, PNG chunks,
// RIFF chunks) finds before any pixel is decoded.
type layout struct {
	exif  []byte // the EXIF TIFF block, if any (for the orientation)
	scans int    // JPEG: start-of-scan markers

	// JPEG frame (SOF): sampling factors per component, progressive.
	progressive bool
	comps       [][2]int // h, v of each component

	// WebP: the bitstream is lossless (VP8L); an ALPH chunk is present.
	lossless, alpha bool

	meta  []string // names of the first maxMeta metadata blocks
	metaN int      // how many there are
}

// maxMeta bounds the metadata blocks named (a file may hold millions of
// empty ones).
const maxMeta = 16

// addMeta records a metadata block, naming it while there are few.
func (l *layout) addMeta(name func() string) {
	l.metaN++
	if l.metaN <= maxMeta {
		l.meta = append(l.meta, name())
	}
}

// metadata names the metadata blocks found.
func (l *layout) metadata() []string {
	if l.metaN > maxMeta {
		return append(slices.Clip(l.meta), fmt.Sprintf("%d more", l.metaN-maxMeta))
	}
	return l.meta
}

// exifName names an EXIF block, saying when it holds a GPS position.
func exifName(tiff []byte) string {
	if hasGPS(tiff) {
		return "EXIF with GPS position"
	}
	return "EXIF"
}

// jpegMeta names a JPEG APPn or COM segment by its marker and signature.
func jpegMeta(m byte, seg []byte) string {
	sig := func(s string) bool { return bytes.HasPrefix(seg, []byte(s)) }
	switch {
	case m == 0xfe:
		return "comment"
	case m == 0xe0 && sig("JFIF\x00"):
		return "JFIF"
	case m == 0xe1 && sig("Exif\x00\x00"):
		return exifName(seg[len(exifHeader):])
	case m == 0xe1 && sig("http://ns.adobe.com/xap/1.0/"):
		return "XMP"
	case m == 0xe2 && sig("ICC_PROFILE\x00"):
		return "ICC profile"
	case m == 0xe2 && sig("MPF\x00"):
		return "MPF"
	case m == 0xed && sig("Photoshop 3.0\x00"):
		return "IPTC (Photoshop)"
	}
	return fmt.Sprintf("APP%d", m-0xe0)
}

// walk checks that b is one whole image of format f, followed by nothing
// but padding (or, after a JPEG, by whole JPEGs), and gathers its layout. maxScans bounds the
// scans of a JPEG (each costs a pass over every block).
func walk(f Format, b []byte, maxScans int) (*layout, error) {
	var (
		l   layout
		end int
		err error
	)
	switch f {
	case JPEG:
		end, err = walkJPEG(b, &l, maxScans)
	case PNG:
		end, err = walkPNG(b, &l)
	case WebP:
		end, err = walkWebP(b, &l)
	}
	if err != nil {
		return nil, err
	}
	extra := b[end:]
	if f == JPEG {
		// Phones append further whole JPEGs after the first, declared in
		// an MPF segment: Ultra HDR and iPhone gain maps, previews. They
		// are images too, walked by the same rules, and never decoded.
		for {
			next := bytes.TrimLeft(extra, "\x00")
			if !bytes.HasPrefix(next, []byte{0xff, 0xd8, 0xff}) {
				break
			}
			at := len(b) - len(next)
			var appended layout
			n, err := walkJPEG(next, &appended, maxScans)
			if err != nil {
				var ie *InvalidError
				if errors.As(err, &ie) {
					ie.Detail = fmt.Sprintf("the JPEG appended at byte %d: %s", at, ie.Detail)
				}
				return nil, err
			}
			extra = next[n:]
			l.addMeta(func() string { return fmt.Sprintf("appended JPEG (%d bytes)", n) })
		}
	}
	if !padding(extra) {
		return nil, invalid(f, "%d bytes after the end of the image (%s): a polyglot or an appended file", len(extra), describe(extra))
	}
	return &l, nil
}

// padding reports whether b holds only zero or 0xff bytes, which some
// writers leave after an image and which can carry nothing.
func padding(b []byte) bool {
	for _, c := range b {
		if c != 0 && c != 0xff {
			return false
		}
	}
	return true
}

var exifHeader = []byte("Exif\x00\x00")

// walkJPEG walks the segments from SOI to EOI and answers the offset just
// past EOI. Every length is checked against the bytes that remain.
func walkJPEG(b []byte, l *layout, maxScans int) (int, error) {
	pos := 2 // past SOI
	sof := false
	for {
		// A marker: 0xff, optional 0xff fill bytes, the code.
		if pos >= len(b) {
			return 0, invalid(JPEG, "truncated: no end-of-image marker")
		}
		if b[pos] != 0xff {
			return 0, invalid(JPEG, "no marker at byte %d", pos)
		}
		for pos < len(b) && b[pos] == 0xff {
			pos++
		}
		if pos >= len(b) {
			return 0, invalid(JPEG, "truncated: no end-of-image marker")
		}
		m := b[pos]
		pos++
		switch {
		case m == 0xd9: // EOI
			if !sof || l.scans == 0 {
				return 0, invalid(JPEG, "no image data before the end-of-image marker")
			}
			return pos, nil
		case m == 0xd8 || m == 0x00:
			return 0, invalid(JPEG, "unexpected marker 0x%02x at byte %d", m, pos-1)
		case m >= 0xd0 && m <= 0xd7 || m == 0x01: // RSTn, TEM: no length
			continue
		}
		if len(b)-pos < 2 {
			return 0, invalid(JPEG, "truncated segment header at byte %d", pos)
		}
		n := int(binary.BigEndian.Uint16(b[pos:]))
		if n < 2 || n > len(b)-pos {
			return 0, invalid(JPEG, "segment 0x%02x at byte %d claims %d bytes, %d remain", m, pos-2, n, len(b)-pos)
		}
		seg := b[pos+2 : pos+n]
		pos += n
		switch {
		case m >= 0xe0 && m <= 0xef || m == 0xfe: // APPn, COM
			if m == 0xe1 && l.exif == nil && len(seg) > len(exifHeader) && string(seg[:len(exifHeader)]) == string(exifHeader) {
				l.exif = seg[len(exifHeader):]
			}
			l.addMeta(func() string { return jpegMeta(m, seg) })
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc: // SOFn
			if sof {
				return 0, invalid(JPEG, "more than one frame (SOF marker)")
			}
			sof = true
			if err := readSOF(l, m, seg); err != nil {
				return 0, err
			}
		case m == 0xda: // SOS, then entropy-coded data up to the next marker
			if !sof {
				return 0, invalid(JPEG, "scan before the frame header")
			}
			l.scans++
			if l.scans > maxScans {
				return 0, &LimitError{Limit: "scans", Got: int64(l.scans), Max: int64(maxScans)}
			}
			pos = skipEntropy(b, pos)
		}
	}
}

// readSOF records a frame header: components and their sampling.
func readSOF(l *layout, m byte, seg []byte) error {
	l.progressive = m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce
	if len(seg) < 6 {
		return invalid(JPEG, "short frame header")
	}
	nc := int(seg[5])
	if nc < 1 || nc > 4 || len(seg) < 6+3*nc {
		return invalid(JPEG, "frame header with %d components in %d bytes", nc, len(seg))
	}
	for i := range nc {
		hv := seg[6+3*i+1]
		h, v := int(hv>>4), int(hv&0x0f)
		if h < 1 || h > 4 || v < 1 || v > 4 {
			return invalid(JPEG, "sampling factor %dx%d of component %d", h, v, i)
		}
		l.comps = append(l.comps, [2]int{h, v})
	}
	return nil
}

// skipEntropy answers the offset of the marker ending the entropy-coded
// data that starts at pos (or len(b)): a 0xff not followed by a stuffed 0,
// a restart marker or fill.
func skipEntropy(b []byte, pos int) int {
	for pos < len(b)-1 {
		if b[pos] != 0xff {
			pos++
			continue
		}
		next := b[pos+1]
		if next == 0x00 || next >= 0xd0 && next <= 0xd7 {
			pos += 2
			continue
		}
		if next == 0xff {
			pos++ // fill before a marker
			continue
		}
		return pos
	}
	return len(b)
}

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// walkPNG walks the chunks up to IEND and answers the offset past it.
func walkPNG(b []byte, l *layout) (int, error) {
	pos := len(pngSig)
	first := true
	for {
		if len(b)-pos < 12 {
			return 0, invalid(PNG, "truncated: no IEND chunk")
		}
		n := binary.BigEndian.Uint32(b[pos:])
		typ := string(b[pos+4 : pos+8])
		if uint64(n) > uint64(len(b)-pos-12) {
			return 0, invalid(PNG, "chunk %q at byte %d claims %d bytes, %d remain", typ, pos, n, len(b)-pos-12)
		}
		if first && typ != "IHDR" {
			return 0, invalid(PNG, "first chunk is %q, not IHDR", typ)
		}
		first = false
		data := b[pos+8 : pos+8+int(n)]
		pos += 12 + int(n)
		switch typ {
		case "IEND":
			return pos, nil
		case "IHDR", "PLTE", "IDAT", "tRNS":
		case "eXIf":
			if l.exif == nil {
				l.exif = data
			}
			l.addMeta(func() string { return exifName(data) + " (eXIf)" })
		default:
			l.addMeta(func() string { return "PNG " + typ })
		}
	}
}

// walkWebP walks the RIFF chunks and answers the end the RIFF header
// declares.
func walkWebP(b []byte, l *layout) (int, error) {
	size := binary.LittleEndian.Uint32(b[4:])
	if uint64(size) > uint64(len(b)-8) {
		return 0, invalid(WebP, "truncated: RIFF claims %d bytes, %d remain", size, len(b)-8)
	}
	end := 8 + int(size)
	pos := 12
	for pos < end {
		if end-pos < 8 {
			return 0, invalid(WebP, "truncated chunk header at byte %d", pos)
		}
		typ := string(b[pos : pos+4])
		n := binary.LittleEndian.Uint32(b[pos+4:])
		if uint64(n) > uint64(end-pos-8) {
			return 0, invalid(WebP, "chunk %q at byte %d claims %d bytes, %d remain", typ, pos, n, end-pos-8)
		}
		data := b[pos+8 : pos+8+int(n)]
		pos += 8 + int(n) + int(n&1) // chunks are padded to even
		switch {
		case typ == "ANIM" || typ == "ANMF":
			return 0, invalid(WebP, "animated WebP is not taken")
		case typ == "VP8L":
			l.lossless = true
		case typ == "ALPH":
			l.alpha = true
		case typ == "VP8 " || typ == "VP8X":
		case typ == "EXIF":
			// Some writers keep the JPEG APP1 prefix.
			if len(data) > len(exifHeader) && string(data[:len(exifHeader)]) == string(exifHeader) {
				data = data[len(exifHeader):]
			}
			if l.exif == nil {
				l.exif = data
			}
			l.addMeta(func() string { return exifName(data) })
		case typ == "XMP ":
			l.addMeta(func() string { return "XMP" })
		case typ == "ICCP":
			l.addMeta(func() string { return "ICC profile" })
		default:
			l.addMeta(func() string { return "WebP " + typ })
		}
	}
	return end, nil
}
