package osm

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
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
	// maxRatio bounds how many times its size zlib data may inflate to.
	maxRatio = 32
	// maxBlockMemory bounds the memory checkBlock estimates a block takes
	// once decoded: blocks of 8,000 elements take a few MiB, Monaco's
	// of 180,000 nodes 47 MiB.
	maxBlockMemory = 128 << 20
	// maxInFlight bounds the estimated memory of the blocks handed on and
	// not yet fully scanned (one block alone may take more).
	maxInFlight = 256 << 20
)

// pbfGuard sits between a PBF file and the osmpbf decoder, which trusts the
// sizes a file claims: it allocates a Blob's raw_size before inflating
// (2 GiB for a 30-byte blob), inflates zlib data to its end whatever
// raw_size said, and builds every object of a block at once (700 MiB for
// a 5 KB block of 2 million nodes). pbfGuard reads the file block by
// block, refuses every size beyond the format's limits before allocating
// for it, inflates zlib data to at most raw_size bytes and maxRatio times
// its size, refuses a block estimated to decode to more than
// maxBlockMemory, holds blocks back while the decoder holds too many
// (hold, release), and passes each block on with its data uncompressed (a
// Blob with raw instead of zlib_data), so the decoder never inflates.
type pbfGuard struct {
	ctx   context.Context
	r     io.Reader
	block int // blocks read
	out   bytes.Buffer
	blob  bytes.Buffer
	raw   bytes.Buffer
	zr    io.ReadCloser
	err   error

	// The decoder decodes blocks ahead in parallel and holds up to about
	// twenty of them; the guard hands on a block only while those not yet
	// fully scanned (see release) are estimated to take maxInFlight or
	// less, or there is one at most.
	mu       sync.Mutex
	emitted  int64 // bytes handed on
	inFlight []held
	inUse    int
	wake     chan struct{}
	done     chan struct{}
	closed   sync.Once
}

// held is a block handed on that the scan has not finished: it ends at
// byte end of the guard's output and takes about mem bytes decoded.
type held struct {
	end int64
	mem int
}

func newPBFGuard(ctx context.Context, r io.Reader) *pbfGuard {
	return &pbfGuard{ctx: ctx, r: r, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (g *pbfGuard) Read(p []byte) (int, error) {
	for g.out.Len() == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.err = g.next()
	}
	return g.out.Read(p)
}

// release tells the guard that the blocks ending at or before byte
// scanned of its output are fully scanned (osmpbf's FullyScannedBytes).
func (g *pbfGuard) release(scanned int64) {
	g.mu.Lock()
	for len(g.inFlight) > 0 && g.inFlight[0].end <= scanned {
		g.inUse -= g.inFlight[0].mem
		g.inFlight = g.inFlight[1:]
	}
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// close stops a Read waiting for the scan: the scan is over.
func (g *pbfGuard) close() { g.closed.Do(func() { close(g.done) }) }

// hold waits until a block of size bytes taking mem bytes decoded may be
// handed on, and records it.
func (g *pbfGuard) hold(size int64, mem int) error {
	for {
		g.mu.Lock()
		if len(g.inFlight) <= 1 || g.inUse+mem <= maxInFlight {
			g.emitted += size
			g.inFlight = append(g.inFlight, held{end: g.emitted, mem: mem})
			g.inUse += mem
			g.mu.Unlock()
			return nil
		}
		g.mu.Unlock()
		select {
		case <-g.wake:
		case <-g.done:
			return errors.New("scan closed")
		case <-g.ctx.Done():
			return g.ctx.Err()
		}
	}
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
	blob, raw, err := g.inflate(g.blob.Bytes())
	if err != nil {
		return fmt.Errorf("block %d: %w", g.block, err)
	}
	mem := 0
	if string(typ) == "OSMData" && raw != nil {
		if mem, err = checkBlock(raw); err != nil {
			return fmt.Errorf("block %d: %w", g.block, err)
		}
	}
	h := appendBytes(nil, 1, typ)
	if index != nil {
		h = appendBytes(h, 2, index)
	}
	h = binary.AppendUvarint(append(h, 3<<3), uint64(len(blob)))
	if len(h) >= maxBlobHeader || len(blob) >= maxBlob {
		return fmt.Errorf("block %d: block over the PBF limits (BlobHeader %d bytes, Blob %d)", g.block, len(h), len(blob))
	}
	if err := g.hold(int64(4+len(h)+len(blob)), mem+len(blob)); err != nil {
		return err
	}
	g.out.Reset()
	g.out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(h))))
	g.out.Write(h)
	g.out.Write(blob)
	return nil
}

// inflate returns the Blob b with its zlib_data replaced by the raw data
// it inflates to, which must be exactly raw_size bytes, and that data;
// a raw Blob is returned as it is with its data, others with nil data.
// zlib data may inflate to at most maxRatio times its size (or 1 MiB):
// OSM data compresses about 2.4 times, a zlib bomb a thousand.
func (g *pbfGuard) inflate(b []byte) (blob, raw []byte, err error) {
	var zdata []byte
	rawSize := uint64(1 << 63) // missing: refused
	err = fields(b, func(num int, v uint64, d []byte) {
		switch num {
		case 1:
			raw = d
		case 2:
			rawSize = v
		case 3:
			zdata = d
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("bad Blob: %w", err)
	}
	if zdata == nil {
		return b, raw, nil
	}
	if rawSize == 1<<63 {
		return nil, nil, errors.New("zlib data without raw_size")
	}
	if rawSize > maxRawSize {
		return nil, nil, fmt.Errorf("raw_size %d, over the limit of %d bytes (the PBF limit of 32 MiB)", int64(rawSize), maxRawSize)
	}
	if rawSize > max(1<<20, maxRatio*uint64(len(zdata))) {
		return nil, nil, fmt.Errorf("raw_size %d from %d bytes of zlib data, over the limit of %d times (or 1 MiB)", rawSize, len(zdata), maxRatio)
	}
	if g.zr == nil {
		zr, err := zlib.NewReader(bytes.NewReader(zdata))
		if err != nil {
			return nil, nil, fmt.Errorf("zlib: %w", err)
		}
		g.zr = zr
	} else if err := g.zr.(zlib.Resetter).Reset(bytes.NewReader(zdata), nil); err != nil {
		return nil, nil, fmt.Errorf("zlib: %w", err)
	}
	g.raw.Reset()
	n, err := g.raw.ReadFrom(io.LimitReader(g.zr, int64(rawSize)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("zlib: %w", noEOF(err))
	}
	if n != int64(rawSize) {
		if n > int64(rawSize) {
			return nil, nil, fmt.Errorf("zlib data inflates to more than its raw_size of %d bytes", rawSize)
		}
		return nil, nil, fmt.Errorf("zlib data inflates to %d bytes, raw_size says %d", n, rawSize)
	}
	return appendBytes(nil, 1, g.raw.Bytes()), g.raw.Bytes(), nil
}

// checkBlock estimates the memory the decoder takes for a PrimitiveBlock
// (it decodes a whole block at once, and holds several) from the counts
// of its strings, elements, tags, way nodes and relation members, and
// refuses a block over maxBlockMemory. A varint of one byte decodes to a
// way node of 40 bytes: a 32 MiB block of them would take 1.3 GB.
func checkBlock(b []byte) (int, error) {
	var strs, elems, tags, refs int
	// count counts the values of a repeated scalar field, packed or not.
	count := func(d []byte) int {
		if d == nil {
			return 1
		}
		n := 0
		for _, c := range d {
			if c < 0x80 {
				n++
			}
		}
		return n
	}
	elem := func(refField int) func(int, uint64, []byte) {
		return func(num int, _ uint64, d []byte) {
			switch {
			case num == 2: // keys
				tags += count(d)
			case num == refField: // way refs, relation memids
				refs += count(d)
			}
		}
	}
	group := func(num int, _ uint64, d []byte) {
		elems++
		switch num {
		case 1: // Node
			fields(d, elem(0))
		case 2: // DenseNodes
			elems--
			fields(d, func(num int, _ uint64, d []byte) {
				switch num {
				case 1:
					elems += count(d)
				case 10:
					tags += count(d) / 2
				}
			})
		case 3: // Way
			fields(d, elem(8))
		case 4: // Relation
			fields(d, elem(9))
		}
	}
	err := fields(b, func(num int, _ uint64, d []byte) {
		switch num {
		case 1: // StringTable
			fields(d, func(int, uint64, []byte) { strs++ })
		case 2: // PrimitiveGroup
			fields(d, group)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("bad PrimitiveBlock: %w", err)
	}
	mem := strs*24 + elems*256 + tags*32 + refs*48
	if mem > maxBlockMemory {
		return 0, fmt.Errorf("a block of %d elements, %d tags and %d way nodes and members would take about %d MiB to decode, over the limit of %d MiB", elems, tags, refs, mem>>20, maxBlockMemory>>20)
	}
	return mem, nil
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
