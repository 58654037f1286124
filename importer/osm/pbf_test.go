package osm

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store/storetest"
	posm "github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
)

// pbfBlock encodes one PBF block: the header length, a BlobHeader of type
// typ, and the blob.
func pbfBlock(typ string, blob []byte) []byte { return pbfClaim(typ, uint64(len(blob)), blob) }

// pbfClaim is pbfBlock with a BlobHeader claiming datasize.
func pbfClaim(typ string, datasize uint64, blob []byte) []byte {
	h := appendBytes(nil, 1, []byte(typ))
	h = binary.AppendUvarint(append(h, 3<<3), datasize)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(h)))
	out = append(out, h...)
	return append(out, blob...)
}

// zlibBlob is a Blob of zlib data inflating to data, claiming rawSize.
func zlibBlob(data []byte, rawSize uint64) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	b := binary.AppendUvarint([]byte{2 << 3}, rawSize)
	return appendBytes(b, 3, z.Bytes())
}

// osmHeader is a valid OSMHeader block (raw, requiring only the schema).
func osmHeader() []byte {
	hb := appendBytes(nil, 4, []byte("OsmSchema-V0.6"))
	return pbfBlock("OSMHeader", appendBytes(nil, 1, hb))
}

// TestPBFClaimedSizes: a PBF file claiming a huge BlobHeader, Blob or
// raw_size, or zlib data inflating to more than its raw_size (a zlib bomb:
// 256 MiB of zeros in 256 KB), fails fast with an error naming the file and
// the limit, and allocates far less than it claims: the decoder's own
// buffers (32 MiB) and the inflated data it may hold.
func TestPBFClaimedSizes(t *testing.T) {
	bomb := zlibBlob(make([]byte, 256<<20), 100)
	neg := uint64(1<<64 - 1) // int32 -1, sign-extended as protobuf does
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"BlobHeader of 1 MiB", append([]byte{0, 0x10, 0, 0}, "\x0a\x09OSMHeader"...), "64 KiB"},
		{"BlobHeader length 2³²−1", append([]byte{0xff, 0xff, 0xff, 0xff}, osmHeader()[4:]...), "64 KiB"},
		{"Blob of 2³¹−1 bytes", pbfClaim("OSMHeader", 1<<31-1, []byte("\x0a\x00")), "32 MiB"},
		{"Blob of −1 bytes", pbfClaim("OSMHeader", neg, []byte("\x0a\x00")), "32 MiB"},
		{"second Blob of −1 bytes", append(osmHeader(), pbfClaim("OSMData", neg, nil)...), "32 MiB"},
		{"header raw_size 2³¹−1", pbfBlock("OSMHeader", zlibBlob([]byte("x"), 1<<31-1)), "raw_size 2147483647, over the PBF limit of 33554432 bytes (32 MiB)"},
		{"data raw_size 2³¹−1", append(osmHeader(), pbfBlock("OSMData", zlibBlob([]byte("x"), 1<<31-1))...), "raw_size 2147483647, over the PBF limit of 33554432 bytes (32 MiB)"},
		{"header zlib bomb", pbfBlock("OSMHeader", bomb), "more than its raw_size of 100 bytes"},
		{"data zlib bomb", append(osmHeader(), pbfBlock("OSMData", bomb)...), "more than its raw_size of 100 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Read(context.Background(), bytes.NewReader(tc.data), "bomb.osm.pbf", Options{})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 40<<20 {
				t.Errorf("allocated %d MiB reading a file of %d bytes", alloc>>20, len(tc.data))
			}
			if err == nil || !strings.HasPrefix(err.Error(), "bomb.osm.pbf: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

// denseBlock is a PrimitiveBlock of n dense nodes with ids 1…n at 0,0:
// three bytes a node.
func denseBlock(n int) []byte {
	ids := bytes.Repeat([]byte{2}, n) // zigzag deltas of 1
	zeros := make([]byte, n)
	dense := appendBytes(nil, 1, ids)
	dense = appendBytes(dense, 8, zeros)
	dense = appendBytes(dense, 9, zeros)
	block := appendBytes(nil, 1, appendBytes(nil, 1, nil)) // a string table of ""
	return appendBytes(block, 2, appendBytes(nil, 2, dense))
}

// TestPBFBlockBombs: blocks that fit the PBF limits but would decode to
// far more than their size are refused before anything is built for them:
// one way of 5 million nodes in 5 MB raw (osmpbf built 5 million way
// nodes of 40 bytes) and 2 million dense nodes in 5 KB of zlib data
// (700 MiB). Both name the limit.
func TestPBFBlockBombs(t *testing.T) {
	refs := bytes.Repeat([]byte{2}, 5_000_000)
	way := binary.AppendUvarint([]byte{1 << 3}, 1)
	way = appendBytes(way, 8, refs)
	wayBlock := appendBytes(appendBytes(nil, 1, appendBytes(nil, 1, nil)), 2, appendBytes(nil, 3, way))

	block := denseBlock(2_000_000)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(block)
	zw.Close()
	zblob := binary.AppendUvarint([]byte{2 << 3}, uint64(len(block)))
	zblob = appendBytes(zblob, 3, z.Bytes())
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"way of 5 million nodes", append(osmHeader(), pbfBlock("OSMData", appendBytes(nil, 1, wayBlock))...), "way 1 of 5000000 nodes, over the limit of 262144"},
		{"zlib", append(osmHeader(), pbfBlock("OSMData", zblob)...), "over the limit of 32 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Read(context.Background(), bytes.NewReader(tc.data), "bomb.osm.pbf", Options{})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*uint64(len(tc.data))+(40<<20) {
				t.Errorf("allocated %d MiB reading %d KiB", alloc>>20, len(tc.data)>>10)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "bomb.osm.pbf: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

// TestPBFBadIndexes: blocks that osmpbf decoded by panicking in a goroutine
// of its own, which no recover reaches (the process died): a non-dense
// node, string indexes outside the table, relation members whose roles
// outnumber their types. Each is an error naming the file.
func TestPBFBadIndexes(t *testing.T) {
	strs := appendBytes(appendBytes(nil, 1, nil), 1, []byte("amenity"))
	blockOf := func(kind int, msg []byte) []byte {
		b := appendBytes(appendBytes(nil, 1, strs), 2, appendBytes(nil, kind, msg))
		return append(osmHeader(), pbfBlock("OSMData", appendBytes(nil, 1, b))...)
	}
	dense := appendBytes(nil, 1, []byte{2})
	dense = appendBytes(dense, 8, []byte{0})
	dense = appendBytes(dense, 9, []byte{0})
	dense = appendBytes(dense, 10, []byte{1, 99, 0}) // amenity=<string 99>
	way := binary.AppendUvarint([]byte{1 << 3}, 7)
	way = appendBytes(way, 2, []byte{1})
	way = appendBytes(way, 3, []byte{0x80, 0x80, 0x80, 0x80, 0x08}) // 2³¹
	rel := binary.AppendUvarint([]byte{1 << 3}, 9)
	rel = appendBytes(rel, 8, []byte{0, 0, 0})
	rel = appendBytes(rel, 9, []byte{2, 2, 2})
	rel = appendBytes(rel, 10, []byte{1})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"dense tag value 99", blockOf(2, dense), "node 1: bad tag: string index 99 outside the table of 2"},
		{"way tag value 2³¹", blockOf(3, way), "way 7: string index 2147483648 outside the table of 2"},
		{"relation of 3 roles and 1 type", blockOf(4, rel), "relation 9: member roles, ids and types do not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(context.Background(), bytes.NewReader(tc.data), "bad.osm.pbf", Options{})
			if err == nil || !strings.HasPrefix(err.Error(), "bad.osm.pbf: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

// TestPBFMatchesOsmpbf: greenreach's PBF scanner reads the same nodes
// (ids, positions, tags), ways (ids, nodes, tags) and relations (ids,
// members, tags) from the shared files as osmpbf, in the same order.
func TestPBFMatchesOsmpbf(t *testing.T) {
	for _, name := range []string{"monaco.osm.pbf", "chengdu.osm.pbf"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(storetest.SharedData(t, name))
			if err != nil {
				t.Fatal(err)
			}
			digest := func(sc scanner) (string, int) {
				defer sc.Close()
				h := fnv.New128a()
				n := 0
				for sc.Scan() {
					switch o := sc.Object().(type) {
					case *posm.Node:
						fmt.Fprintf(h, "n%d %v %v %v\n", o.ID, o.Lat, o.Lon, o.Tags)
					case *posm.Way:
						fmt.Fprintf(h, "w%d %v %v\n", o.ID, o.Nodes.NodeIDs(), o.Tags)
					case *posm.Relation:
						fmt.Fprintf(h, "r%d %v\n", o.ID, o.Tags)
						for _, m := range o.Members {
							fmt.Fprintf(h, " %s %d %s\n", m.Type, m.Ref, m.Role)
						}
					default:
						continue
					}
					n++
				}
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
				return fmt.Sprintf("%x", h.Sum(nil)), n
			}
			ours, n := digest(newPBFScanner(context.Background(), bytes.NewReader(data)))
			theirs, m := digest(osmpbf.New(context.Background(), bytes.NewReader(data), 1))
			if ours != theirs || n != m || n < 10000 {
				t.Errorf("%d objects (digest %s), osmpbf %d (%s)", n, ours, m, theirs)
			}
		})
	}
}

// appendBytes appends a length-delimited protobuf field.
func appendBytes(b []byte, num int, d []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(d)))
	return append(b, d...)
}
