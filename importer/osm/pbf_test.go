package osm

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"io"
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
		{"header raw_size 2³¹−1", pbfBlock("OSMHeader", zlibBlob([]byte("x"), 1<<31-1)), "raw_size 2147483647, over the limit"},
		{"data raw_size 2³¹−1", append(osmHeader(), pbfBlock("OSMData", zlibBlob([]byte("x"), 1<<31-1))...), "raw_size 2147483647, over the limit"},
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

// TestPBFGuardPassesMonaco: through the guard, a real file reads the same
// objects as through the decoder alone, and the guard's output (the blocks
// inflated) is a PBF file it passes on unchanged.
func TestPBFGuardPassesMonaco(t *testing.T) {
	data, err := os.ReadFile(storetest.SharedData(t, "monaco.osm.pbf"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := scan(context.Background(), FormatPBF, bytes.NewReader(data), DefaultMapping(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := osmpbf.New(context.Background(), bytes.NewReader(data), 1)
	var direct int64
	for sc.Scan() {
		switch sc.Object().(type) {
		case *posm.Node, *posm.Way, *posm.Relation:
			direct++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	if d.objects != direct || direct < 10000 {
		t.Errorf("%d objects through the guard, %d without", d.objects, direct)
	}
	raw, err := io.ReadAll(newPBFGuard(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	again, err := io.ReadAll(newPBFGuard(bytes.NewReader(raw)))
	if err != nil || !bytes.Equal(raw, again) {
		t.Fatalf("guard output changes when read again (err %v)", err)
	}
	if len(raw) <= len(data) {
		t.Errorf("guard output %d bytes, file %d: not inflated", len(raw), len(data))
	}
}
