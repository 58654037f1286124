package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb/geojson"
)

// Media types of the answers.
const (
	MediaJSON    = "application/json"
	MediaGeoJSON = "application/geo+json"
)

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) *Error {
	return WriteJSONStatus(w, status, MediaJSON, v)
}

// WriteJSONAs writes v as JSON (200) with another media type.
func WriteJSONAs(w http.ResponseWriter, media string, v any) *Error {
	return WriteJSONStatus(w, http.StatusOK, media, v)
}

// WriteJSONStatus writes v as JSON with the status and media type; a value
// that does not encode is a 500, before anything is sent.
func WriteJSONStatus(w http.ResponseWriter, status int, media string, v any) *Error {
	b, err := json.Marshal(v)
	if err != nil {
		return Internal(err)
	}
	w.Header().Set("Content-Type", media)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// WriteGeoJSON writes v (a feature, a collection) as GeoJSON (200).
func WriteGeoJSON(w http.ResponseWriter, v any) *Error {
	return WriteJSONStatus(w, http.StatusOK, MediaGeoJSON, v)
}

// FeatureJSON is a feature as GeoJSON: its id, bbox, geometry and
// attributes, plus "layer".
func FeatureJSON(layer string, f *geo.Feature) *geojson.Feature {
	gf := geojson.NewFeature(f.Geom)
	gf.ID = f.ID
	b := f.Geom.Bound()
	gf.BBox = geojson.BBox{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	for k, v := range f.Attrs() {
		gf.Properties[k] = v
	}
	gf.Properties["layer"] = layer
	return gf
}

// WriteFeatures writes a GeoJSON FeatureCollection of n features and the
// extra members, encoding feature by feature through a buffer so that a
// large answer (a whole layer) is never whole in memory. The bytes are
// those json.Marshal gives for the same geojson.FeatureCollection:
// members in key order, "features" first and "type" last.
func WriteFeatures(w http.ResponseWriter, n int, feature func(i int) *geojson.Feature, extra geojson.Properties) *Error {
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
			return Internal(err)
		}
		keys = append(keys, k)
		members[k] = b
	}
	sort.Strings(keys)
	w.Header().Set("Content-Type", MediaGeoJSON)
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

// NotModified answers 304 when If-None-Match names etag (weakly).
func NotModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	m := r.Header.Get("If-None-Match")
	if m == "" {
		return false
	}
	bare := strings.TrimPrefix(etag, "W/")
	for _, c := range strings.Split(m, ",") {
		c = strings.TrimPrefix(strings.TrimSpace(c), "W/")
		if c == "*" || c == bare {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}
