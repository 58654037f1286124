package osm

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"

	posm "github.com/paulmach/osm"
)

// Limits of the PBF format (https://wiki.openstreetmap.org/wiki/PBF_Format):
// a BlobHeader must be shorter than 64 KiB, a Blob and its uncompressed
// data shorter than 32 MiB. The others are greenreach's.
const (
	maxBlobHeader = 64 << 10
	maxBlob       = 32 << 20
	// maxRatio bounds how many times its size zlib data may inflate to
	// (OSM data compresses about 2.4 times, a zlib bomb a thousand).
	maxRatio = 32
	// maxWayNodes and maxMembers bound a way's nodes and a relation's
	// members (the OSM API allows 2,000 and 32,000).
	maxWayNodes = 1 << 18
	maxMembers  = 1 << 18
)

// pbfScanner reads OSM PBF itself rather than through osmpbf, which trusts
// what a file claims: it allocates a Blob's raw_size before inflating
// (2 GiB for a 30-byte blob), inflates zlib data to its end whatever
// raw_size said, builds every object of a block at once (700 MiB for a
// 5 KB block of 2 million nodes), indexes string tables unchecked and
// panics on a non-dense node — in a goroutine of its own, which kills the
// process. pbfScanner refuses every size beyond the limits above before
// allocating for it, inflates zlib data to at most raw_size bytes,
// checks every index and count, and decodes one object at a time as the
// scan asks for it. It reads only what the importer uses: ids,
// positions, tags, way nodes and relation members.
type pbfScanner struct {
	ctx   context.Context
	r     io.Reader
	block int // blocks read
	buf   bytes.Buffer
	raw   bytes.Buffer
	zr    io.ReadCloser

	next func() (posm.Object, error, bool)
	stop func()
	obj  posm.Object
	err  error
}

func newPBFScanner(ctx context.Context, r io.Reader) *pbfScanner {
	s := &pbfScanner{ctx: ctx, r: r}
	s.next, s.stop = iter.Pull2(s.objects())
	return s
}

func (s *pbfScanner) Scan() bool {
	if s.err != nil {
		return false
	}
	obj, err, ok := s.next()
	if !ok {
		return false
	}
	if err != nil {
		s.err = err
		return false
	}
	s.obj = obj
	return true
}

func (s *pbfScanner) Object() posm.Object { return s.obj }
func (s *pbfScanner) Err() error          { return s.err }
func (s *pbfScanner) Close() error        { s.stop(); return nil }

// objects yields every node, way and relation of the file in order, then
// stops; an error is yielded last.
func (s *pbfScanner) objects() iter.Seq2[posm.Object, error] {
	return func(yield func(posm.Object, error) bool) {
		for first := true; ; first = false {
			if err := s.ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			typ, data, err := s.nextBlock()
			if err == io.EOF && !first {
				return
			}
			if err != nil {
				yield(nil, noEOF(err))
				return
			}
			switch {
			case first && typ != "OSMHeader":
				yield(nil, fmt.Errorf("block 1 is a %q block, want OSMHeader", typ))
				return
			case first:
				err = checkHeader(data)
			case typ == "OSMData":
				err = decodeBlock(data, func(o posm.Object) bool { return yield(o, nil) })
			default: // unknown blocks are to be skipped
			}
			if err != nil {
				if err != errStopped {
					yield(nil, fmt.Errorf("block %d: %w", s.block, err))
				}
				return
			}
		}
	}
}

// nextBlock reads one block (length, BlobHeader, Blob) and returns its
// type and its data, inflated.
func (s *pbfScanner) nextBlock() (string, []byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(s.r, lenBuf[:]); err != nil {
		return "", nil, err // io.EOF between blocks: the end of the file
	}
	s.block++
	hlen := binary.BigEndian.Uint32(lenBuf[:])
	if hlen >= maxBlobHeader {
		return "", nil, fmt.Errorf("block %d: BlobHeader of %d bytes, over the PBF limit of %d (64 KiB)", s.block, hlen, maxBlobHeader)
	}
	head := make([]byte, hlen)
	if _, err := io.ReadFull(s.r, head); err != nil {
		return "", nil, noEOF(err)
	}
	var typ []byte
	var size uint64 // a negative int32 is a huge uint64, refused too
	err := fields(head, func(num int, v uint64, b []byte) {
		switch num {
		case 1:
			typ = b
		case 3:
			size = v
		}
	})
	if err != nil {
		return "", nil, fmt.Errorf("block %d: bad BlobHeader: %w", s.block, err)
	}
	if size >= maxBlob {
		return "", nil, fmt.Errorf("block %d: Blob of %d bytes, over the PBF limit of %d (32 MiB)", s.block, int64(size), maxBlob)
	}
	s.buf.Reset()
	if n, err := s.buf.ReadFrom(io.LimitReader(s.r, int64(size))); err != nil {
		return "", nil, err
	} else if n < int64(size) {
		return "", nil, io.ErrUnexpectedEOF
	}
	data, err := s.inflate(s.buf.Bytes())
	if err != nil {
		return "", nil, fmt.Errorf("block %d: %w", s.block, err)
	}
	return string(typ), data, nil
}

// inflate returns the data of the Blob b: raw, or zlib data inflated to
// exactly raw_size bytes (at most maxBlob, and maxRatio times its size
// or 1 MiB).
func (s *pbfScanner) inflate(b []byte) ([]byte, error) {
	var raw, zdata []byte
	rawSize := uint64(1 << 63) // missing: refused
	other := false
	err := fields(b, func(num int, v uint64, d []byte) {
		switch num {
		case 1:
			raw = d
		case 2:
			rawSize = v
		case 3:
			zdata = d
		case 4, 5, 6, 7:
			other = true
		}
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("bad Blob: %w", err)
	case raw != nil:
		return raw, nil
	case zdata == nil && other:
		return nil, errors.New("Blob compressed other than with zlib (not supported)")
	case zdata == nil:
		return nil, errors.New("Blob without data")
	case rawSize == 1<<63:
		return nil, errors.New("zlib data without raw_size")
	case rawSize >= maxBlob:
		return nil, fmt.Errorf("raw_size %d, over the PBF limit of %d bytes (32 MiB)", int64(rawSize), maxBlob)
	case rawSize > max(1<<20, maxRatio*uint64(len(zdata))):
		return nil, fmt.Errorf("raw_size %d from %d bytes of zlib data, over the limit of %d times (or 1 MiB)", rawSize, len(zdata), maxRatio)
	}
	if s.zr == nil {
		zr, err := zlib.NewReader(bytes.NewReader(zdata))
		if err != nil {
			return nil, fmt.Errorf("zlib: %w", err)
		}
		s.zr = zr
	} else if err := s.zr.(zlib.Resetter).Reset(bytes.NewReader(zdata), nil); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	s.raw.Reset()
	n, err := s.raw.ReadFrom(io.LimitReader(s.zr, int64(rawSize)+1))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", noEOF(err))
	}
	if n != int64(rawSize) {
		if n > int64(rawSize) {
			return nil, fmt.Errorf("zlib data inflates to more than its raw_size of %d bytes", rawSize)
		}
		return nil, fmt.Errorf("zlib data inflates to %d bytes, raw_size says %d", n, rawSize)
	}
	return s.raw.Bytes(), nil
}

// checkHeader refuses a file that requires a feature the scanner lacks.
func checkHeader(b []byte) error {
	var missing string
	err := fields(b, func(num int, _ uint64, d []byte) {
		if num == 4 && missing == "" { // required_features
			switch f := string(d); f {
			case "OsmSchema-V0.6", "DenseNodes":
			default:
				missing = f
			}
		}
	})
	if err != nil {
		return fmt.Errorf("bad HeaderBlock: %w", err)
	}
	if missing != "" {
		return fmt.Errorf("the file requires %q, which greenreach does not read", missing)
	}
	return nil
}

// errStopped: the scan stopped taking objects.
var errStopped = errors.New("stopped")

// block is what decoding a PrimitiveBlock needs besides its groups.
type block struct {
	st             []string
	gran           int64
	latOff, lonOff int64
}

func (b *block) str(i uint64) (string, error) {
	if i >= uint64(len(b.st)) {
		return "", fmt.Errorf("string index %d outside the table of %d", int64(i), len(b.st))
	}
	return b.st[i], nil
}

func (b *block) lat(v int64) float64 { return 1e-9 * float64(b.latOff+b.gran*v) }
func (b *block) lon(v int64) float64 { return 1e-9 * float64(b.lonOff+b.gran*v) }

// decodeBlock decodes a PrimitiveBlock, handing each object to yield.
func decodeBlock(data []byte, yield func(posm.Object) bool) error {
	b := block{gran: 100}
	var groups [][]byte
	var stErr error
	err := fields(data, func(num int, v uint64, d []byte) {
		switch num {
		case 1:
			stErr = errors.Join(stErr, fields(d, func(num int, _ uint64, s []byte) {
				if num == 1 {
					b.st = append(b.st, string(s))
				}
			}))
		case 2:
			groups = append(groups, d)
		case 17:
			b.gran = int64(int32(v))
		case 19:
			b.latOff = int64(v)
		case 20:
			b.lonOff = int64(v)
		}
	})
	if err = errors.Join(err, stErr); err != nil {
		return fmt.Errorf("bad PrimitiveBlock: %w", err)
	}
	for _, g := range groups {
		var objs [][]byte
		var kinds []int
		if err := fields(g, func(num int, _ uint64, d []byte) {
			objs, kinds = append(objs, d), append(kinds, num)
		}); err != nil {
			return fmt.Errorf("bad PrimitiveGroup: %w", err)
		}
		for i, d := range objs {
			var err error
			switch kinds[i] {
			case 1:
				err = b.node(d, yield)
			case 2:
				err = b.dense(d, yield)
			case 3:
				err = b.way(d, yield)
			case 4:
				err = b.relation(d, yield)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// packed is a cursor over a packed repeated varint field.
type packed struct {
	b   []byte
	n   int // values read
	bad bool
}

func (p *packed) next() (uint64, bool) {
	if len(p.b) == 0 {
		return 0, false
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.bad, p.b = true, nil
		return 0, false
	}
	p.b = p.b[n:]
	p.n++
	return v, true
}

// count is the number of values left.
func (p *packed) count() int {
	n := 0
	for _, c := range p.b {
		if c < 0x80 {
			n++
		}
	}
	return n
}

func zigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// fieldsOf collects the fields of a Way or Relation message: the id and
// its packed fields up to 10 (nil when absent); a packed field given
// unpacked is an error.
type fieldsOf struct {
	id     int64
	packed [11]*packed
	store  [11]packed
}

func (e *fieldsOf) read(d []byte, what string) error {
	var err error
	ferr := fields(d, func(num int, v uint64, b []byte) {
		switch {
		case num == 1:
			e.id = int64(v)
		case num >= 2 && num <= 10:
			if b == nil {
				err = fmt.Errorf("field %d not packed", num)
			}
			e.store[num] = packed{b: b}
			e.packed[num] = &e.store[num]
		}
	})
	if err = errors.Join(ferr, err); err != nil {
		return fmt.Errorf("bad %s: %w", what, err)
	}
	return nil
}

// tags reads parallel keys and values.
func (b *block) tags(keys, vals *packed, what string, id int64) (posm.Tags, error) {
	if keys == nil && vals == nil {
		return nil, nil
	}
	if keys == nil || vals == nil || keys.count() != vals.count() {
		return nil, fmt.Errorf("%s %d: keys and values do not pair", what, id)
	}
	tags := make(posm.Tags, 0, keys.count())
	for {
		k, ok := keys.next()
		if !ok {
			break
		}
		v, _ := vals.next()
		ks, err := b.str(k)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, id, err)
		}
		vs, err := b.str(v)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, id, err)
		}
		tags = append(tags, posm.Tag{Key: ks, Value: vs})
	}
	if keys.bad || vals.bad {
		return nil, fmt.Errorf("%s %d: bad tags", what, id)
	}
	return tags, nil
}

// node decodes a Node (not dense): lat and lon are required.
func (b *block) node(d []byte, yield func(posm.Object) bool) error {
	var id, lat, lon int64
	var hasLat, hasLon bool
	var keys, vals *packed
	err := fields(d, func(num int, v uint64, p []byte) {
		switch num {
		case 1:
			id = zigzag(v)
		case 2:
			keys = &packed{b: p}
		case 3:
			vals = &packed{b: p}
		case 8:
			lat, hasLat = zigzag(v), true
		case 9:
			lon, hasLon = zigzag(v), true
		}
	})
	if err != nil {
		return fmt.Errorf("bad Node: %w", err)
	}
	if !hasLat || !hasLon {
		return fmt.Errorf("node %d without lat or lon", id)
	}
	tags, err := b.tags(keys, vals, "node", id)
	if err != nil {
		return err
	}
	if !yield(&posm.Node{ID: posm.NodeID(id), Lat: b.lat(lat), Lon: b.lon(lon), Tags: tags, Visible: true}) {
		return errStopped
	}
	return nil
}

// dense decodes DenseNodes: delta-coded ids, lats and lons, and tags as
// key, value, …, 0 for each node.
func (b *block) dense(d []byte, yield func(posm.Object) bool) error {
	var ids, lats, lons, kv packed
	err := fields(d, func(num int, _ uint64, p []byte) {
		switch num {
		case 1:
			ids.b = p
		case 8:
			lats.b = p
		case 9:
			lons.b = p
		case 10:
			kv.b = p
		}
	})
	if err != nil {
		return fmt.Errorf("bad DenseNodes: %w", err)
	}
	hasTags := len(kv.b) > 0
	var id, lat, lon int64
	for {
		v, ok := ids.next()
		if !ok {
			break
		}
		dlat, ok1 := lats.next()
		dlon, ok2 := lons.next()
		if !ok1 || !ok2 {
			return errors.New("dense nodes: fewer lats or lons than ids")
		}
		id, lat, lon = id+zigzag(v), lat+zigzag(dlat), lon+zigzag(dlon)
		var tags posm.Tags
		for hasTags {
			k, ok := kv.next()
			if !ok {
				return fmt.Errorf("node %d: tags end early", id)
			}
			if k == 0 {
				break
			}
			v, ok := kv.next()
			ks, err1 := b.str(k)
			vs, err2 := b.str(v)
			if err := errors.Join(err1, err2); err != nil || !ok {
				return fmt.Errorf("node %d: bad tag: %v", id, err)
			}
			tags = append(tags, posm.Tag{Key: ks, Value: vs})
		}
		if !yield(&posm.Node{ID: posm.NodeID(id), Lat: b.lat(lat), Lon: b.lon(lon), Tags: tags, Visible: true}) {
			return errStopped
		}
	}
	if ids.bad || lats.bad || lons.bad || kv.bad {
		return errors.New("bad DenseNodes: bad varint")
	}
	return nil
}

// way decodes a Way: its tags and delta-coded node refs.
func (b *block) way(d []byte, yield func(posm.Object) bool) error {
	var e fieldsOf
	if err := e.read(d, "Way"); err != nil {
		return err
	}
	id, p := e.id, e.packed
	tags, err := b.tags(p[2], p[3], "way", id)
	if err != nil {
		return err
	}
	w := &posm.Way{ID: posm.WayID(id), Tags: tags, Visible: true}
	if refs := p[8]; refs != nil {
		n := refs.count()
		if n > maxWayNodes {
			return fmt.Errorf("way %d of %d nodes, over the limit of %d", id, n, maxWayNodes)
		}
		w.Nodes = make(posm.WayNodes, 0, n)
		var ref int64
		for {
			v, ok := refs.next()
			if !ok {
				break
			}
			ref += zigzag(v)
			w.Nodes = append(w.Nodes, posm.WayNode{ID: posm.NodeID(ref)})
		}
		if refs.bad {
			return fmt.Errorf("way %d: bad node refs", id)
		}
	}
	if !yield(w) {
		return errStopped
	}
	return nil
}

// memberTypes are the Relation.MemberType values.
var memberTypes = [...]posm.Type{posm.TypeNode, posm.TypeWay, posm.TypeRelation}

// relation decodes a Relation: its tags and members (roles, delta-coded
// ids, types).
func (b *block) relation(d []byte, yield func(posm.Object) bool) error {
	var e fieldsOf
	if err := e.read(d, "Relation"); err != nil {
		return err
	}
	id, p := e.id, e.packed
	tags, err := b.tags(p[2], p[3], "relation", id)
	if err != nil {
		return err
	}
	r := &posm.Relation{ID: posm.RelationID(id), Tags: tags, Visible: true}
	roles, ids, types := p[8], p[9], p[10]
	if roles != nil || ids != nil || types != nil {
		if roles == nil || ids == nil || types == nil || roles.count() != ids.count() || ids.count() != types.count() {
			return fmt.Errorf("relation %d: member roles, ids and types do not match", id)
		}
		n := ids.count()
		if n > maxMembers {
			return fmt.Errorf("relation %d of %d members, over the limit of %d", id, n, maxMembers)
		}
		r.Members = make(posm.Members, 0, n)
		var ref int64
		for {
			role, ok := roles.next()
			if !ok {
				break
			}
			v, _ := ids.next()
			t, _ := types.next()
			ref += zigzag(v)
			rs, err := b.str(role)
			if err != nil {
				return fmt.Errorf("relation %d: %w", id, err)
			}
			m := posm.Member{Ref: ref, Role: rs}
			if t < uint64(len(memberTypes)) {
				m.Type = memberTypes[t]
			}
			r.Members = append(r.Members, m)
		}
		if roles.bad || ids.bad || types.bad {
			return fmt.Errorf("relation %d: bad members", id)
		}
	}
	if !yield(r) {
		return errStopped
	}
	return nil
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
// number and its varint value (d nil) or its bytes (length-delimited);
// fixed-size fields are skipped. Lengths are checked against what is left
// of b.
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
