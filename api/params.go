package api

import (
	"net/http"
	"net/url"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/paulmach/orb"
)

// Query parameters: the request's parsed query (checked once by observe)
// and the readers of its values, each refusing a bad value with a 400
// that names it.

// Limits of the spatial queries' parameters.
const (
	maxK          = 100
	maxMeters     = 50000
	maxSearch     = 100
	maxWalk       = 5000
	defaultSearch = 10
)

func queryOf(r *http.Request) url.Values { return web.Query(r) }

// onlyParams rejects query parameters the route does not know, so a typo
// (lng=, radius=) is an error rather than silently ignored.
func onlyParams(q url.Values, known ...string) *appError { return web.OnlyParams(q, known...) }

// jsonOnly rejects ?f= other than json and any parameter not in known.
func jsonOnly(r *http.Request, known ...string) *appError { return web.JSONOnly(r, known...) }

// lonLat parses ?lon=&lat= as WGS84 degrees.
func lonLat(q url.Values) (orb.Point, *appError) { return web.LonLat(q) }

func floatParam(q url.Values, name string, def, lo, hi float64) (float64, *appError) {
	return web.FloatParam(q, name, def, lo, hi)
}

func intParam(q url.Values, name string, def, lo, hi int) (int, *appError) {
	return web.IntParam(q, name, def, lo, hi)
}

// modeParam reads ?mode=walk|straight (default walk): how walk rules
// measure distance.
func modeParam(q url.Values) (string, *appError) {
	switch mode := q.Get("mode"); mode {
	case "":
		return coverage.Walk, nil
	case coverage.Walk, coverage.Straight:
		return mode, nil
	default:
		return "", errBadRequest("mode=%q: want walk or straight", mode)
	}
}

// layerIDs are the layers' ids, as errors and the API definition list them.
func layerIDs() []string { return web.LayerIDs() }
