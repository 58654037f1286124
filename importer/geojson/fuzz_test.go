package geojson

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
)

// FuzzRead: any bytes are read without a panic, and every feature the
// reader returns passes geo.Prepare (the stores' own check).
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"人民公园"},"geometry":{"type":"Polygon","coordinates":[[[104,30],[104.01,30],[104.01,30.01],[104,30]]]}}]}`,
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]},"properties":null}`,
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4547"}},"features":[]}`,
		`{"type":"Polygon","coordinates":[[[1e308,0],[0,0],[0,1],[1e308,0]]]}`,
		`[`, ``,
		// Deep nesting, empty and short positions.
		strings.Repeat("[", 4096),
		string(nestedCollections(40, 2)),
		`{"type":"Feature","properties":{"a":{"b":[[{"c":[[1]]}]]}},"geometry":{"type":"Polygon","coordinates":[[[[[[1,2]]]]]]}}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[]}}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[104,30],[104.1]]}}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[null,{"type":"Point","coordinates":[1,2,3]}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feats, _, err := Read(context.Background(), bytes.NewReader(data), "fuzz.geojson", Options{Layer: geo.Green})
		if err != nil {
			return
		}
		for _, ft := range feats {
			if err := geo.Prepare(ft); err != nil {
				t.Fatalf("a feature read fails Prepare: %v", err)
			}
		}
	})
}
