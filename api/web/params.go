package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// OnlyParams rejects query parameters the route does not know, so a typo
// (lng=, radius=) is an error rather than silently ignored.
func OnlyParams(q url.Values, known ...string) *Error {
	for k := range q {
		ok := false
		for _, n := range known {
			ok = ok || k == n
		}
		if !ok {
			return BadRequest("unknown parameter %q (this route takes %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// JSONOnly rejects ?f= other than json (HTML is the map at /, not these
// pages) and any parameter not in known.
func JSONOnly(r *http.Request, known ...string) *Error {
	q := Query(r)
	if f := q.Get("f"); f != "" && f != "json" {
		return NotAcceptable("f=" + f + ": this resource is served as JSON only (f=json)")
	}
	return OnlyParams(q, append(known, "f")...)
}

// LonLat parses ?lon=&lat= as WGS84 degrees.
func LonLat(q url.Values) (orb.Point, *Error) {
	if q.Get("lon") == "" || q.Get("lat") == "" {
		return orb.Point{}, BadRequest("lon and lat are required (WGS84 degrees)")
	}
	lon, e := FloatParam(q, "lon", 0, -180, 180)
	if e != nil {
		return orb.Point{}, e
	}
	lat, e := FloatParam(q, "lat", 0, -90, 90)
	if e != nil {
		return orb.Point{}, e
	}
	return orb.Point{lon, lat}, nil
}

// FloatParam reads a finite number within [lo, hi] (def when absent).
func FloatParam(q url.Values, name string, def, lo, hi float64) (float64, *Error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, BadRequest("%s=%q is not a number", name, v)
	}
	if f < lo || f > hi {
		return 0, BadRequest("%s=%s is outside %g–%g", name, v, lo, hi)
	}
	return f, nil
}

// IntParam reads a whole number within [lo, hi] (def when absent).
func IntParam(q url.Values, name string, def, lo, hi int) (int, *Error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, BadRequest("%s=%q is not a whole number", name, v)
	}
	if n < lo || n > hi {
		return 0, BadRequest("%s=%d is outside %d–%d", name, n, lo, hi)
	}
	return n, nil
}

// LayerIDs are the ids of the layers, as errors list them.
func LayerIDs() []string {
	out := make([]string, len(geo.Schemas))
	for i, sc := range geo.Schemas {
		out[i] = sc.ID
	}
	return out
}
