package osm

import (
	"context"
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
