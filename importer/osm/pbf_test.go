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
	"time"

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

// TestPBFBlockBombs: blocks that fit the PBF limits but decode to far
// more than their size — 2 million dense nodes in 6 MB raw, or in 20 KB of
// zlib data — are refused before the decoder builds their nodes (about
// 200 bytes each), naming the limit.
func TestPBFBlockBombs(t *testing.T) {
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
		{"raw", append(osmHeader(), pbfBlock("OSMData", appendBytes(nil, 1, block))...), "over the limit of 128 MiB"},
		{"zlib", append(osmHeader(), pbfBlock("OSMData", zblob)...), "over the limit of 32 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Read(context.Background(), bytes.NewReader(tc.data), "bomb.osm.pbf", Options{})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
				t.Errorf("allocated %d MiB reading %d KiB", alloc>>20, len(tc.data)>>10)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "bomb.osm.pbf: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
	// The same nodes in blocks of 8,000 read.
	data := osmHeader()
	for range 3 {
		data = append(data, pbfBlock("OSMData", appendBytes(nil, 1, denseBlock(8000)))...)
	}
	if _, _, err := Read(context.Background(), bytes.NewReader(data), "ok.osm.pbf", Options{}); err != nil {
		t.Errorf("blocks of 8,000 nodes: %v", err)
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
	raw, err := readReleasing(newPBFGuard(context.Background(), bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	again, err := readReleasing(newPBFGuard(context.Background(), bytes.NewReader(raw)))
	if err != nil || !bytes.Equal(raw, again) {
		t.Fatalf("guard output changes when read again (err %v)", err)
	}
	if len(raw) <= len(data) {
		t.Errorf("guard output %d bytes, file %d: not inflated", len(raw), len(data))
	}
}

// readReleasing reads all of g, as a scan that keeps up would.
func readReleasing(g *pbfGuard) ([]byte, error) {
	var out bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		g.release(1 << 62)
		n, err := g.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// TestPBFGuardWaitsForScan: the guard hands on blocks only while those the
// scan has not finished are estimated within maxInFlight: of four blocks
// of 300,000 nodes (about 73 MiB each decoded) it hands on three, then
// waits for the scan; close ends the wait. Read through the decoder, five
// such blocks read completely.
func TestPBFGuardWaitsForScan(t *testing.T) {
	data := osmHeader()
	block := pbfBlock("OSMData", appendBytes(nil, 1, denseBlock(300_000)))
	for range 4 {
		data = append(data, block...)
	}
	g := newPBFGuard(context.Background(), bytes.NewReader(data))
	read := make(chan int, 1)
	go func() {
		n, _ := io.Copy(io.Discard, g)
		read <- int(n)
	}()
	select {
	case n := <-read:
		t.Fatalf("read all %d bytes without a scan", n)
	case <-time.After(300 * time.Millisecond):
	}
	g.mu.Lock()
	handed := len(g.inFlight)
	g.mu.Unlock()
	if handed != 4 {
		t.Errorf("%d blocks handed on, want 4 (the header and three)", handed)
	}
	g.close()
	select {
	case <-read:
	case <-time.After(2 * time.Second):
		t.Fatal("close did not end the wait")
	}

	data = append(data, block...)
	d, err := scan(context.Background(), FormatPBF, bytes.NewReader(data), DefaultMapping(), nil)
	if err != nil || d.objects != 5*300_000 {
		t.Fatalf("read through the decoder: err %v, objects %v", err, d)
	}
}
