package glyphs

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Encode writes one range of a font stack as glyphs.proto:
// glyphs{1: fontstack{1: name, 2: range, 3: glyph{1: id, 2: bitmap,
// 3: width, 4: height, 5: left (sint32), 6: top (sint32), 7: advance}}}.
// An empty glyph has no bitmap field (MapLibre then makes an empty one).
func Encode(stack string, start rune, gs []Glyph) []byte {
	var fs []byte
	fs = appendBytes(fs, 1, []byte(stack))
	fs = appendBytes(fs, 2, []byte(RangeName(start)))
	var g []byte
	for _, gl := range gs {
		g = g[:0]
		g = appendVarint(g, 1, uint64(gl.ID))
		if len(gl.Bitmap) > 0 {
			g = appendBytes(g, 2, gl.Bitmap)
		}
		g = appendVarint(g, 3, uint64(gl.Width))
		g = appendVarint(g, 4, uint64(gl.Height))
		g = appendVarint(g, 5, zigzag(gl.Left))
		g = appendVarint(g, 6, zigzag(gl.Top))
		g = appendVarint(g, 7, uint64(gl.Advance))
		fs = appendBytes(fs, 3, g)
	}
	return appendBytes(nil, 1, fs)
}

func appendVarint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3) // wire type 0
	return binary.AppendUvarint(b, v)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func zigzag(v int) uint64 { return uint64(int64(v)<<1 ^ int64(v)>>63) }

// Decoded is one font stack of a decoded range file.
type Decoded struct {
	Stack, Range string
	Glyphs       []Glyph
}

// Decode reads a range file as MapLibre does (its parse_glyph_pbf), and
// checks what MapLibre takes on trust: every length within the bytes left,
// every bitmap exactly (Width+2·Buffer)×(Height+2·Buffer) bytes or absent.
func Decode(b []byte) ([]Decoded, error) {
	var out []Decoded
	err := fields(b, func(field int, v uint64, sub []byte) error {
		if field != 1 || sub == nil {
			return nil
		}
		var d Decoded
		err := fields(sub, func(field int, v uint64, sub []byte) error {
			switch field {
			case 1:
				d.Stack = string(sub)
			case 2:
				d.Range = string(sub)
			case 3:
				g, err := decodeGlyph(sub)
				if err != nil {
					return err
				}
				d.Glyphs = append(d.Glyphs, g)
			}
			return nil
		})
		out = append(out, d)
		return err
	})
	return out, err
}

func decodeGlyph(b []byte) (Glyph, error) {
	var g Glyph
	unzig := func(v uint64) int { return int(int64(v>>1) ^ -int64(v&1)) }
	err := fields(b, func(field int, v uint64, sub []byte) error {
		switch field {
		case 1:
			g.ID = rune(v)
		case 2:
			g.Bitmap = sub
		case 3:
			g.Width = int(min(v, 1<<20))
		case 4:
			g.Height = int(min(v, 1<<20))
		case 5:
			g.Left = unzig(v)
		case 6:
			g.Top = unzig(v)
		case 7:
			g.Advance = int(min(v, 1<<20))
		}
		return nil
	})
	if err != nil {
		return g, err
	}
	if n := (g.Width + 2*Buffer) * (g.Height + 2*Buffer); g.Bitmap != nil && len(g.Bitmap) != n {
		return g, fmt.Errorf("glyph %d: bitmap of %d bytes for %d×%d (+%d buffer): want %d", g.ID, len(g.Bitmap), g.Width, g.Height, Buffer, n)
	}
	return g, nil
}

var errTruncated = errors.New("glyph range: truncated protobuf")

// fields calls fn for each field of a message: varints with v, length-
// delimited fields with sub (never longer than the bytes left).
func fields(b []byte, fn func(field int, v uint64, sub []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errTruncated
		}
		b = b[n:]
		field := int(min(key>>3, 1<<29))
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errTruncated
			}
			b = b[n:]
			if err := fn(field, v, nil); err != nil {
				return err
			}
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errTruncated
			}
			sub := b[n : n+int(l)]
			b = b[n+int(l):]
			if err := fn(field, 0, sub); err != nil {
				return err
			}
		default:
			return fmt.Errorf("glyph range: wire type %d of field %d is not in glyphs.proto", key&7, field)
		}
	}
	return nil
}
