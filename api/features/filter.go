package features

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/cql2"
	"github.com/paulmach/orb"
)

// itemFilter is what /collections/{id}/items selects: features meeting
// any of the boxes (two when the bbox crosses the antimeridian), every
// property filter, the datetime interval and the CQL2 filter.
type itemFilter struct {
	boxes    []orb.Bound
	props    []propFilter
	from, to *time.Time // on the feature's last update; nil: open
	cql      *cql2.Filter
}

// itemOutput is how the selected features are answered: in which
// coordinate system, in which order, with which attributes.
type itemOutput struct {
	crs     string // URI
	crsCode int    // EPSG code, 0 for CRS84
	sort    []sortKey
	props   []string // nil: all
}

type propFilter struct {
	field geo.Field
	text  string
	num   float64
	flag  bool
}

func (p propFilter) match(f *geo.Feature) bool {
	v := f.Value(p.field.Name)
	if v == nil {
		return false
	}
	switch p.field.Type {
	case geo.Int, geo.Real:
		return f.Float(p.field.Name) == p.num
	case geo.Bool:
		return f.Bool(p.field.Name) == p.flag
	}
	return f.Text(p.field.Name) == p.text
}

func (fl *itemFilter) match(f *geo.Feature) bool {
	if fl.boxes != nil {
		hit := false
		for _, b := range fl.boxes {
			hit = hit || geo.IntersectsBound(f.Geom, b)
		}
		if !hit {
			return false
		}
	}
	for _, p := range fl.props {
		if !p.match(f) {
			return false
		}
	}
	if fl.from != nil && f.Updated.Before(*fl.from) {
		return false
	}
	if fl.to != nil && f.Updated.After(*fl.to) {
		return false
	}
	return fl.cql == nil || fl.cql.Match(f)
}

// parseItemQuery reads limit, offset, bbox, bbox-crs, datetime, the
// property filters (one per attribute of the layer, equality), crs,
// filter, filter-lang, filter-crs, sortby and properties.
func parseItemQuery(q url.Values, sc *geo.Schema) (fl itemFilter, out itemOutput, limit, offset int, e *web.Error) {
	known := []string{"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs", "sortby", "properties"}
	for _, f := range sc.Fields {
		known = append(known, f.Name)
	}
	if e = web.OnlyParams(q, known...); e != nil {
		return
	}
	// The same value twice is one (GDAL's OAPIF driver adds the query it
	// opened a collection with to our next links, which hold it already);
	// more, or two values, are refused.
	for _, k := range known {
		if vs := q[k]; len(vs) > 2 || len(vs) == 2 && vs[0] != vs[1] {
			e = web.BadRequest("%s is given %d times; give each parameter once", k, len(vs))
			return
		}
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		e = web.NotAcceptable("f=" + f + ": items are served as GeoJSON only (f=json)")
		return
	}
	if limit, e = web.IntParam(q, "limit", LimitDefault, 1, LimitMax); e != nil {
		return
	}
	if offset, e = web.IntParam(q, "offset", 0, 0, 1<<31-1); e != nil {
		return
	}
	if out.crs, out.crsCode, e = parseCRS("crs", q.Get("crs")); e != nil {
		return
	}
	_, bboxCode, e := parseCRS("bbox-crs", q.Get("bbox-crs"))
	if e != nil {
		return
	}
	if v := q.Get("bbox"); v != "" {
		if fl.boxes, e = parseBBoxIn(v, bboxCode); e != nil {
			return
		}
	}
	if fl.cql, e = parseFilter(q.Get("filter"), q.Get("filter-lang"), q.Get("filter-crs"), sc); e != nil {
		return
	}
	if out.sort, e = parseSortBy(q.Get("sortby"), sc); e != nil {
		return
	}
	if out.props, e = parseProperties(q.Get("properties"), sc); e != nil {
		return
	}
	if v := q.Get("datetime"); v != "" {
		if fl.from, fl.to, e = parseDatetime(v); e != nil {
			return
		}
	}
	for _, f := range sc.Fields {
		v, ok := q[f.Name]
		if !ok {
			continue
		}
		p := propFilter{field: f, text: v[0]}
		var err error
		switch f.Type {
		case geo.Int, geo.Real:
			p.num, err = strconv.ParseFloat(v[0], 64)
		case geo.Bool:
			p.flag, err = strconv.ParseBool(v[0])
		}
		if err != nil {
			e = web.BadRequest("%s=%q: %s is %s", f.Name, v[0], f.Name, f.Type)
			return
		}
		fl.props = append(fl.props, p)
	}
	return
}

// bboxNumbers reads a bbox's 4 numbers, or 6 with heights, which are
// dropped; want says what the 4 numbers are.
func bboxNumbers(v, want string) ([]float64, *web.Error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, web.BadRequest("bbox=%q: want %s", v, want)
	}
	n := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f != f || f > 1e300 || f < -1e300 {
			return nil, web.BadRequest("bbox=%q: %q is not a number", v, p)
		}
		n[i] = f
	}
	if len(n) == 6 {
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	return n, nil
}

// parseBBox reads minLon,minLat,maxLon,maxLat (or the six-number form with
// heights, which are ignored). A box with minLon > maxLon crosses the
// antimeridian and becomes two.
func parseBBox(v string) ([]orb.Bound, *web.Error) {
	n, e := bboxNumbers(v, "minLon,minLat,maxLon,maxLat")
	if e != nil {
		return nil, e
	}
	for i, c := range n {
		lim := 180.0
		if i%2 == 1 {
			lim = 90
		}
		if c < -lim || c > lim {
			return nil, web.BadRequest("bbox=%q: %g is outside ±%g (bbox is in longitude, latitude degrees)", v, c, lim)
		}
	}
	if n[1] > n[3] {
		return nil, web.BadRequest("bbox=%q: its south edge %g is north of its north edge %g", v, n[1], n[3])
	}
	if n[0] > n[2] {
		return []orb.Bound{
			{Min: orb.Point{n[0], n[1]}, Max: orb.Point{180, n[3]}},
			{Min: orb.Point{-180, n[1]}, Max: orb.Point{n[2], n[3]}},
		}, nil
	}
	return []orb.Bound{{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}}, nil
}

// parseDatetime reads an RFC 3339 instant or interval (start/end, either
// open as ".." or empty).
func parseDatetime(v string) (from, to *time.Time, e *web.Error) {
	one := func(s string) (*time.Time, *web.Error) {
		if s == "" || s == ".." {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, web.BadRequest("datetime=%q: %q is not an RFC 3339 date-time", v, s)
		}
		return &t, nil
	}
	a, b, interval := strings.Cut(v, "/")
	if !interval {
		if a == ".." || a == "" {
			return nil, nil, web.BadRequest("datetime=%q: an instant cannot be open", v)
		}
		t, e := one(a)
		return t, t, e
	}
	if from, e = one(a); e != nil {
		return
	}
	if to, e = one(b); e != nil {
		return
	}
	if from != nil && to != nil && to.Before(*from) {
		e = web.BadRequest("datetime=%q: the interval ends before it starts", v)
	}
	return
}
