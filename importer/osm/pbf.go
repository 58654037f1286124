package osm

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits of the PBF format (https://wiki.openstreetmap.org/wiki/PBF_Format):
// a BlobHeader must be shorter than 64 KiB, a Blob and its uncompressed
// data shorter than 32 MiB.
const (
	maxBlobHeader = 64 << 10
	maxBlob       = 32 << 20
	// maxRawSize leaves room in a Blob of less than maxBlob for the raw
	// data pbfGuard hands on with its field tag and length.
	maxRawSize = maxBlob - 16
)

// pbfGuard sits between a PBF file and the osmpbf decoder, which trusts the
// sizes a file claims: it allocates a Blob's raw_size before inflating
// (2 GiB for a 30-byte blob) and inflates zlib data to its end, whatever
// raw_size said. pbfGuard reads the file block by block, refuses every
// size beyond the format's limits before allocating for it, inflates zlib
// data to at most raw_size bytes, and passes each block on with its data
// uncompressed (a Blob with raw instead of zlib_data), so the decoder
// never inflates anything.
type pbfGuard struct {
	r     io.Reader
	block int // blocks read
	out   bytes.Buffer
	blob  bytes.Buffer
	raw   bytes.Buffer
	zr    io.ReadCloser
	err   error
}

func newPBFGuard(r io.Reader) *pbfGuard { return &pbfGuard{r: r} }

func (g *pbfGuard) Read(p []byte) (int, error) {
	for g.out.Len() == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.err = g.next()
	}
	return g.out.Read(p)
}

// next reads one block (length, BlobHeader, Blob) into g.out.
func (g *pbfGuard) next() error {
	var lenBuf [4]byte
	if _, err := io.ReadFull(g.r, lenBuf[:]); err != nil {
		return err // io.EOF between blocks: the end of the file
	}
	g.block++
	hlen := binary.BigEndian.Uint32(lenBuf[:])
	if hlen >= maxBlobHeader {
		return fmt.Errorf("block %d: BlobHeader of %d bytes, over the PBF limit of %d (64 KiB)", g.block, hlen, maxBlobHeader)
	}
	head := make([]byte, hlen)
	if _, err := io.ReadFull(g.r, head); err != nil {
		return noEOF(err)
	}
	var typ, index []byte
	var size uint64 // a negative int32 is a huge uint64, refused too
	err := fields(head, func(num int, v uint64, b []byte) {
		switch num {
		case 1:
			typ = b
		case 2:
			index = b
		case 3:
			size = v
		}
	})
	if err != nil {
		return fmt.Errorf("block %d: bad BlobHeader: %w", g.block, err)
	}
	if size >= maxBlob {
		return fmt.Errorf("block %d: Blob of %d bytes, over the PBF limit of %d (32 MiB)", g.block, int64(size), maxBlob)
	}
	g.blob.Reset()
	if n, err := g.blob.ReadFrom(io.LimitReader(g.r, int64(size))); err != nil {
		return err
	} else if n < int64(size) {
		return io.ErrUnexpectedEOF
	}
	blob, err := g.inflate(g.blob.Bytes())
	if err != nil {
		return fmt.Errorf("block %d: %w", g.block, err)
	}
	h := appendBytes(nil, 1, typ)
	if index != nil {
		h = appendBytes(h, 2, index)
	}
	h = binary.AppendUvarint(append(h, 3<<3), uint64(len(blob)))
	if len(h) >= maxBlobHeader || len(blob) >= maxBlob {
		return fmt.Errorf("block %d: block over the PBF limits (BlobHeader %d bytes, Blob %d)", g.block, len(h), len(blob))
	}
	g.out.Reset()
	g.out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(h))))
	g.out.Write(h)
	g.out.Write(blob)
	return nil
}

// inflate returns the Blob b with its zlib_data replaced by the raw data
// it inflates to, which must be exactly raw_size bytes; other Blobs are
// returned as they are.
func (g *pbfGuard) inflate(b []byte) ([]byte, error) {
	var zdata []byte
	rawSize := uint64(1 << 63) // missing: refused
	err := fields(b, func(num int, v uint64, d []byte) {
		switch num {
		case 2:
			rawSize = v
		case 3:
			zdata = d
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bad Blob: %w", err)
	}
	if zdata == nil {
		return b, nil
	}
	if rawSize == 1<<63 {
		return nil, errors.New("zlib data without raw_size")
	}
	if rawSize > maxRawSize {
		return nil, fmt.Errorf("raw_size %d, over the limit of %d bytes (the PBF limit of 32 MiB)", int64(rawSize), maxRawSize)
	}
	if g.zr == nil {
		zr, err := zlib.NewReader(bytes.NewReader(zdata))
		if err != nil {
			return nil, fmt.Errorf("zlib: %w", err)
		}
		g.zr = zr
	} else if err := g.zr.(zlib.Resetter).Reset(bytes.NewReader(zdata), nil); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	g.raw.Reset()
	n, err := g.raw.ReadFrom(io.LimitReader(g.zr, int64(rawSize)+1))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", noEOF(err))
	}
	if n != int64(rawSize) {
		if n > int64(rawSize) {
			return nil, fmt.Errorf("zlib data inflates to more than its raw_size of %d bytes", rawSize)
		}
		return nil, fmt.Errorf("zlib data inflates to %d bytes, raw_size says %d", n, rawSize)
	}
	return appendBytes(nil, 1, g.raw.Bytes()), nil
}

// noEOF turns an io.EOF inside a block into io.ErrUnexpectedEOF: the file
// is truncated.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fields walks the fields of a protobuf message: fn gets each field's
// number and its varint value or its bytes (length-delimited). Lengths are
// checked against what is left of b.
func fields(b []byte, fn func(num int, v uint64, d []byte)) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		num := int(key >> 3)
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
			fn(num, v, nil)
		case 1:
			if len(b) < 8 {
				return errors.New("truncated field")
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errors.New("truncated field")
			}
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return fmt.Errorf("field %d: length beyond the data", num)
			}
			fn(num, 0, b[n:n+int(l)])
			b = b[n+int(l):]
		default:
			return fmt.Errorf("field %d: unsupported wire type %d", num, key&7)
		}
	}
	return nil
}

// appendBytes appends a length-delimited protobuf field.
func appendBytes(b []byte, num int, d []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(d)))
	return append(b, d...)
}
