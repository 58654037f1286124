package osm

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store/storetest"
)

// FuzzReadXML and FuzzReadPBF: any bytes are read without a panic, and
// every feature returned passes geo.Prepare.
func FuzzReadXML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><osm version="0.6"><node id="1" lat="30.6" lon="104.0"/><node id="2" lat="30.6" lon="104.01"/><node id="3" lat="30.61" lon="104.01"/><way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="leisure" v="park"/><tag k="name" v="公园"/></way><way id="11"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>`))
	f.Add([]byte(`<osm><relation id="1"><member type="way" ref="9" role="outer"/><tag k="type" v="multipolygon"/><tag k="landuse" v="residential"/></relation></osm>`))
	f.Add([]byte(`<osm><node id="1" lon="104.0"><tag k="amenity" v="waste_basket"/></node><node id="2" lat="NaN" lon="104"/></osm>`))
	f.Fuzz(func(t *testing.T, data []byte) { readFuzz(t, data, "fuzz.osm") })
}

func FuzzReadPBF(f *testing.F) {
	data, err := os.ReadFile(storetest.SharedData(f, "monaco.osm.pbf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:4096]) // the header and the start of the first block
	f.Add([]byte("\x00\x00\x00\x0d\x0a\x09OSMHeader"))
	// Huge claimed sizes: a Blob of 2³¹−1 and of −1 bytes, a raw_size of
	// 2³¹−1, zlib data inflating to more than its raw_size.
	f.Add(pbfClaim("OSMHeader", 1<<31-1, []byte("\x0a\x00")))
	f.Add(append(osmHeader(), pbfClaim("OSMData", 1<<64-1, nil)...))
	f.Add(append(osmHeader(), pbfBlock("OSMData", zlibBlob([]byte("x"), 1<<31-1))...))
	f.Add(append(osmHeader(), pbfBlock("OSMData", zlibBlob(make([]byte, 1<<20), 100))...))
	f.Fuzz(func(t *testing.T, data []byte) { readFuzz(t, data, "fuzz.osm.pbf") })
}

func readFuzz(t *testing.T, data []byte, name string) {
	feats, _, err := Read(context.Background(), bytes.NewReader(data), name, Options{})
	if err != nil {
		return
	}
	for _, ft := range feats {
		if err := geo.Prepare(ft); err != nil {
			t.Fatalf("a feature read fails Prepare: %v", err)
		}
	}
}
