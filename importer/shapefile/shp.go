package shapefile

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
)

// The Shapefile's shape types (ESRI Shapefile Technical Description, 1998).
const (
	shapeNull        = 0
	shapePoint       = 1
	shapePolyLine    = 3
	shapePolygon     = 5
	shapeMultiPoint  = 8
	shapePointZ      = 11
	shapePolyLineZ   = 13
	shapePolygonZ    = 15
	shapeMultiPointZ = 18
	shapePointM      = 21
	shapePolyLineM   = 23
	shapePolygonM    = 25
	shapeMultiPointM = 28
	shapeMultiPatch  = 31
)

const (
	mainHeaderLen = 100  // .shp and .shx
	fileCode      = 9994 // the first word of both
)

// shape is one record's geometry as stored: its points, and for PolyLines
// and Polygons the index of each part's first point.
type shape struct {
	kind  int32
	parts []int32
	pts   []orb.Point
}

// shapes reads a .shp's records in order: where the .shx index is present
// at the offsets it gives (as GDAL does), else one after the other. Every
// offset, length and count read is checked against the bytes the file
// holds before anything is allocated, so a malformed file costs at most
// its own size.
type shapes struct {
	shp     io.ReaderAt
	shpSize int64
	shx     io.ReaderAt // nil: no index
	count   int64       // records in the index
	next    int64       // the next record's number (from 0)
	off     int64       // without an index: the next record's offset
	buf     []byte
}

func newShapes(shp io.ReaderAt, shpSize int64, shx io.ReaderAt, shxSize int64) (*shapes, error) {
	if err := checkHeader(shp, shpSize, ".shp"); err != nil {
		return nil, err
	}
	s := &shapes{shp: shp, shpSize: shpSize, off: mainHeaderLen}
	if shx != nil {
		if err := checkHeader(shx, shxSize, ".shx"); err != nil {
			return nil, err
		}
		s.shx, s.count = shx, (shxSize-mainHeaderLen)/8
	}
	return s, nil
}

// checkHeader checks the 100-byte header that .shp and .shx files share.
// The file length it holds is not used: the file's size is what bounds.
func checkHeader(r io.ReaderAt, size int64, ext string) error {
	if size < mainHeaderLen {
		return fmt.Errorf("the %s is %d bytes, shorter than its %d-byte header", ext, size, mainHeaderLen)
	}
	var b [4]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return fmt.Errorf("reading the %s: %w", ext, err)
	}
	if code := int32(binary.BigEndian.Uint32(b[:])); code != fileCode {
		return fmt.Errorf("the %s is not a Shapefile (file code %d, not %d)", ext, code, fileCode)
	}
	return nil
}

// Next returns the next record's number (from 0) and shape, or io.EOF
// after the last.
func (s *shapes) Next() (int64, shape, error) {
	n := s.next
	var off, size int64 // the record's content (after its 8-byte header)
	if s.shx != nil {
		if n >= s.count {
			return 0, shape{}, io.EOF
		}
		var e [8]byte
		if _, err := s.shx.ReadAt(e[:], mainHeaderLen+8*n); err != nil {
			return 0, shape{}, fmt.Errorf("reading the .shx: %w", err)
		}
		// Offsets and lengths are in 16-bit words.
		at, length := 2*int64(binary.BigEndian.Uint32(e[0:])), 2*int64(binary.BigEndian.Uint32(e[4:]))
		if at < mainHeaderLen || at > s.shpSize-8 || length > s.shpSize-8-at {
			return 0, shape{}, fmt.Errorf("record %d: the .shx puts it at byte %d, %d bytes long, but the .shp has %d bytes", n, at, length, s.shpSize)
		}
		off, size = at+8, length
	} else {
		if s.off >= s.shpSize {
			return 0, shape{}, io.EOF
		}
		left := s.shpSize - s.off
		if left < 8 {
			return 0, shape{}, fmt.Errorf("record %d: only %d bytes remain, too few for a record header", n, left)
		}
		var h [8]byte
		if _, err := s.shp.ReadAt(h[:], s.off); err != nil {
			return 0, shape{}, fmt.Errorf("reading the .shp: %w", err)
		}
		length := 2 * int64(binary.BigEndian.Uint32(h[4:]))
		if length > left-8 {
			return 0, shape{}, fmt.Errorf("record %d claims %d bytes, but only %d bytes remain", n, length, left-8)
		}
		off, size = s.off+8, length
		s.off = off + size
	}
	s.next++
	if int64(cap(s.buf)) < size {
		s.buf = make([]byte, size)
	}
	b := s.buf[:size]
	if _, err := s.shp.ReadAt(b, off); err != nil {
		return 0, shape{}, fmt.Errorf("record %d: reading the .shp: %w", n, err)
	}
	sh, err := decodeShape(b)
	if err != nil {
		return 0, shape{}, fmt.Errorf("record %d %w", n, err)
	}
	return n, sh, nil
}

// decodeShape decodes a record's content. Z and M values are not read.
// Its errors continue a sentence that starts "record N".
func decodeShape(b []byte) (shape, error) {
	if len(b) < 4 {
		return shape{}, fmt.Errorf("is %d bytes, too short for a shape type", len(b))
	}
	sh := shape{kind: int32(binary.LittleEndian.Uint32(b))}
	b = b[4:]
	switch sh.kind {
	case shapeNull, shapeMultiPatch:
		return sh, nil // no geometry greenreach reads
	case shapePoint, shapePointZ, shapePointM:
		if len(b) < 16 {
			return sh, fmt.Errorf("is a point, but only %d bytes remain for its 16", len(b))
		}
		sh.pts = readPoints(b, 1)
		return sh, nil
	case shapeMultiPoint, shapeMultiPointZ, shapeMultiPointM:
		if len(b) < 36 {
			return sh, fmt.Errorf("is a multipoint, but only %d bytes remain for its 36-byte header", len(b))
		}
		n := int64(int32(binary.LittleEndian.Uint32(b[32:])))
		b = b[36:]
		if n < 0 || n > int64(len(b))/16 {
			return sh, fmt.Errorf("claims %d points, but only %d bytes remain", n, len(b))
		}
		sh.pts = readPoints(b, int(n))
		return sh, nil
	case shapePolyLine, shapePolyLineZ, shapePolyLineM, shapePolygon, shapePolygonZ, shapePolygonM:
		if len(b) < 40 {
			return sh, fmt.Errorf("is a polyline or polygon, but only %d bytes remain for its 40-byte header", len(b))
		}
		nParts := int64(int32(binary.LittleEndian.Uint32(b[32:])))
		nPoints := int64(int32(binary.LittleEndian.Uint32(b[36:])))
		b = b[40:]
		if nParts < 0 || nParts > int64(len(b))/4 {
			return sh, fmt.Errorf("claims %d parts, but only %d bytes remain", nParts, len(b))
		}
		if rest := int64(len(b)) - 4*nParts; nPoints < 0 || nPoints > rest/16 {
			return sh, fmt.Errorf("claims %d points, but only %d bytes remain", nPoints, rest)
		}
		sh.parts = make([]int32, nParts)
		for i := range sh.parts {
			sh.parts[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		sh.pts = readPoints(b[4*nParts:], int(nPoints))
		return sh, nil
	}
	return sh, fmt.Errorf("has shape type %d, which is not a Shapefile shape type", sh.kind)
}

// readPoints decodes n X,Y pairs; b holds at least 16n bytes.
func readPoints(b []byte, n int) []orb.Point {
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = orb.Point{
			math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:])),
			math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:])),
		}
	}
	return ps
}
