package osm

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

// TestNodesWithoutPosition: an XML node without lat or lon (osmxml reads
// the missing one as 0: a litter bin on the equator) or with one that is
// not on Earth fails the file, naming the file and the node.
func TestNodesWithoutPosition(t *testing.T) {
	for _, tc := range []struct{ name, attrs, want string }{
		{"no lat", `lon="104.06"`, "node 5 has no lat"},
		{"no lon", `lat="30.66"`, "node 5 has no lon"},
		{"neither", ``, "node 5 has no lat and lon"},
		{"NaN", `lat="NaN" lon="104.06"`, "node 5: lat NaN lon 104.06 is not a position on Earth"},
		{"lat 95", `lat="95" lon="104.06"`, "node 5: lat 95 lon 104.06 is not a position on Earth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<osm version="0.6"><node id="4" lat="30.66" lon="104.06"><tag k="amenity" v="waste_basket"/></node>` +
				`<node id="5" ` + tc.attrs + `><tag k="amenity" v="waste_basket"/></node></osm>`
			feats, _, err := Read(context.Background(), strings.NewReader(doc), "bins.osm", Options{})
			if err == nil || !strings.HasPrefix(err.Error(), "bins.osm: ") || !strings.Contains(err.Error(), tc.want) {
				var pts []any
				for _, f := range feats {
					pts = append(pts, f.Geom)
				}
				t.Errorf("err = %v (features at %v), want one naming the file and %q", err, pts, tc.want)
			}
		})
	}
}

// TestPBFNodeWithoutPosition: a PBF Node message (not dense) without lat
// or lon, which osmpbf reads as 0, fails the file naming the node.
func TestPBFNodeWithoutPosition(t *testing.T) {
	zigzag := func(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }
	strs := appendBytes(nil, 1, nil)
	strs = appendBytes(strs, 1, []byte("amenity"))
	strs = appendBytes(strs, 1, []byte("waste_basket"))
	node := func(id int64, lat, lon bool) []byte {
		n := binary.AppendUvarint([]byte{1 << 3}, zigzag(id))
		n = appendBytes(n, 2, []byte{1})
		n = appendBytes(n, 3, []byte{2})
		if lat {
			n = binary.AppendUvarint(append(n, 8<<3), zigzag(306_600_000)) // 30.66° in units of 100 nanodegrees
		}
		if lon {
			n = binary.AppendUvarint(append(n, 9<<3), zigzag(1_040_600_000))
		}
		return n
	}
	group := appendBytes(nil, 1, node(4, true, true))
	group = appendBytes(group, 1, node(5, false, true))
	block := appendBytes(appendBytes(nil, 1, strs), 2, group)
	data := append(osmHeader(), pbfBlock("OSMData", appendBytes(nil, 1, block))...)
	feats, _, err := Read(context.Background(), bytes.NewReader(data), "bins.osm.pbf", Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "bins.osm.pbf: ") || !strings.Contains(err.Error(), "node 5 without lat or lon") {
		var pts []any
		for _, f := range feats {
			pts = append(pts, f.Geom)
		}
		t.Errorf("err = %v (features at %v), want one naming the file and node 5", err, pts)
	}
}
