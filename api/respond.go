package api

import (
	"math"
	"net/http"

	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb/geojson"
)

// Answers: JSON and GeoJSON writers (web's), and the media types they
// are sent as.

const (
	mediaJSON    = web.MediaJSON
	mediaGeoJSON = web.MediaGeoJSON
	mediaOpenAPI = features.MediaOpenAPI
)

func writeJSON(w http.ResponseWriter, status int, v any) *appError {
	return web.WriteJSON(w, status, v)
}

// writeJSONAs writes v as JSON (200) with another media type.
func writeJSONAs(w http.ResponseWriter, media string, v any) *appError {
	return web.WriteJSONAs(w, media, v)
}

func writeGeoJSON(w http.ResponseWriter, v any) *appError { return web.WriteGeoJSON(w, v) }

// featureJSON is a feature as GeoJSON: its id, bbox, geometry and
// attributes, plus "layer".
func featureJSON(layer string, f *geo.Feature) *geojson.Feature { return web.FeatureJSON(layer, f) }

// writeHits writes query hits as a FeatureCollection, each feature with
// its distance_m, streamed.
func writeHits(w http.ResponseWriter, layer string, hits []index.Hit) *appError {
	return web.WriteFeatures(w, len(hits), func(i int) *geojson.Feature {
		gf := featureJSON(layer, hits[i].Feature)
		gf.Properties["distance_m"] = math.Round(hits[i].Distance*10) / 10
		return gf
	}, nil)
}
