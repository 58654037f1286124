package features

import (
	"strings"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Coordinate systems by reference (OGC API – Features Part 2): the data is
// stored in CRS84; crs asks for the answer in another system, bbox-crs and
// filter-crs say which system a bbox or a filter's geometries are in. Each
// is converted through PROJ (geo/crs), in the system's own axis order.

// CRSList is every system served, CRS84 (the storage system) first.
func CRSList() []string { return crs.OGCURIs() }

// parseCRS reads a crs, bbox-crs or filter-crs parameter: "" is CRS84.
func parseCRS(name, v string) (uri string, code int, e *web.Error) {
	if v == "" {
		return CRS84, 0, nil
	}
	uri, code, ok := crs.ParseOGC(v)
	if !ok {
		return "", 0, web.BadRequest("%s=%q: not a served coordinate system (served: %s)", name, v, strings.Join(CRSList(), ", "))
	}
	return uri, code, nil
}

// projector opens PROJ for code (nil for CRS84, which needs none).
func projector(code int) (*crs.Projector, *web.Error) {
	if code == 0 {
		return nil, nil
	}
	p, err := crs.NewProjector(code)
	if err != nil {
		return nil, web.Internal(err)
	}
	return p, nil
}

// parseBBoxIn reads a bbox given in the system code (its axis order) and
// returns the CRS84 box around it.
func parseBBoxIn(v string, code int) ([]orb.Bound, *web.Error) {
	if code == 0 {
		return parseBBox(v)
	}
	n, e := bboxNumbers(v, "4 numbers (or 6 with heights) in the axis order of bbox-crs")
	if e != nil {
		return nil, e
	}
	if n[0] > n[2] || n[1] > n[3] {
		return nil, web.BadRequest("bbox=%q: its lower corner exceeds its upper corner", v)
	}
	p, e := projector(code)
	if e != nil {
		return nil, e
	}
	defer p.Close()
	b, err := p.InverseBound(orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}})
	if err != nil {
		return nil, web.BadRequest("bbox=%q in EPSG:%d: %v", v, code, err)
	}
	return []orb.Bound{b}, nil
}

// featureIn is the feature as GeoJSON with its geometry and bbox in the
// projector's system (CRS84 when p is nil).
func featureIn(layer string, f *geo.Feature, p *crs.Projector) (*geojson.Feature, error) {
	gf := web.FeatureJSON(layer, f)
	if p == nil {
		return gf, nil
	}
	g, err := p.ForwardGeometry(f.Geom)
	if err != nil {
		return nil, err
	}
	gf.Geometry = g
	b := g.Bound()
	gf.BBox = geojson.BBox{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	return gf, nil
}

// contentCRS is the Content-Crs header's value for a system's URI.
func contentCRS(uri string) string { return "<" + uri + ">" }
