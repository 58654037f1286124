package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/paulmach/orb/geojson"
)

// writeFeatures writes a GeoJSON FeatureCollection of n features and the
// extra members, encoding feature by feature through a buffer so that a
// large answer (a whole layer) is never whole in memory. The bytes are
// those json.Marshal gives for the same geojson.FeatureCollection:
// members in key order, "features" first and "type" last.
func writeFeatures(w http.ResponseWriter, n int, feature func(i int) *geojson.Feature, extra geojson.Properties) *appError {
	// Each member is encoded before the status is sent, so that an
	// unencodable one is still a 500; features are checked as they go.
	keys := make([]string, 0, len(extra))
	members := make(map[string][]byte, len(extra))
	for k, v := range extra {
		if k == "features" || k == "type" || k == "bbox" {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return errInternal(err)
		}
		keys = append(keys, k)
		members[k] = b
	}
	sort.Strings(keys)
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString(`{"features":[`)
	for i := range n {
		b, err := json.Marshal(feature(i))
		if err != nil {
			// The status is sent: end the answer short rather than let it
			// pass for whole.
			panic(http.ErrAbortHandler)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
	}
	bw.WriteString("]")
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		bw.WriteByte(',')
		bw.Write(kb)
		bw.WriteByte(':')
		bw.Write(members[k])
	}
	bw.WriteString(`,"type":"FeatureCollection"}` + "\n")
	bw.Flush()
	return nil
}
