package crs

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-proj/v10"
)

// The coordinate systems served by reference (OGC API – Features Part 2),
// each named by its OGC URI. Coordinates are in the axis order the
// authority defines: CRS84 and EPSG:3857 east first; EPSG:4326 and
// EPSG:4490 latitude first; the CGCS2000 3° Gauss-Krüger zones
// (EPSG:4513–4533 with the zone number prefixed to the easting,
// EPSG:4534–4554 by central meridian only) northing first, as PROJ's
// database gives them (coordinate system EPSG:4530).
const (
	CRS84URI  = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsgURI   = "http://www.opengis.net/def/crs/EPSG/0/"
	firstGK3  = 4513 // CGCS2000 / 3-degree Gauss-Kruger zone 25
	lastGKZ   = 4533 // … zone 45
	lastGK3   = 4554 // CGCS2000 / 3-degree Gauss-Kruger CM 135E
	epsgWGS84 = 4326
	epsgWM    = 3857
	epsgCGCS  = 4490
)

// OGCCodes are the EPSG codes served besides CRS84, in the order listed.
func OGCCodes() []int {
	codes := []int{epsgWGS84, epsgWM, epsgCGCS}
	for c := firstGK3; c <= lastGK3; c++ {
		codes = append(codes, c)
	}
	return codes
}

// OGCURIs lists the URIs of every served system, CRS84 first.
func OGCURIs() []string {
	uris := []string{CRS84URI}
	for _, c := range OGCCodes() {
		uris = append(uris, epsgURI+strconv.Itoa(c))
	}
	return uris
}

// ParseOGC reads a served system's URI (or its safe CURIE, [EPSG:4490], or
// EPSG:4490) and returns the canonical URI and the EPSG code, 0 for CRS84.
// ok is false for anything else.
func ParseOGC(s string) (uri string, code int, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	switch strings.ToUpper(s) {
	case strings.ToUpper(CRS84URI), "OGC:CRS84", "CRS84":
		return CRS84URI, 0, true
	}
	var num string
	switch {
	case strings.HasPrefix(s, epsgURI):
		num = strings.TrimPrefix(s, epsgURI)
	case strings.HasPrefix(strings.ToUpper(s), "EPSG:"):
		num = s[len("EPSG:"):]
	default:
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return "", 0, false
	}
	for _, c := range OGCCodes() {
		if c == n {
			return epsgURI + num, n, true
		}
	}
	return "", 0, false
}

// Projector converts between CRS84 longitude/latitude and one served system,
// in that system's authority axis order, through PROJ. It is not safe for
// concurrent use.
type Projector struct {
	code int
	ctx  *proj.Context
	pj   *proj.PJ // CRS84 → the system; nil for CRS84 itself
	// swap: pj takes latitude first (its source is CGCS2000 itself).
	swap bool
	cm   float64 // a Gauss-Krüger zone's central meridian; NaN otherwise
}

// zoneMeridian is the central meridian of a CGCS2000 3° Gauss-Krüger zone,
// NaN for other codes.
func zoneMeridian(code int) float64 {
	switch {
	case code >= firstGK3 && code <= lastGKZ:
		return 75 + 3*float64(code-firstGK3)
	case code > lastGKZ && code <= lastGK3:
		return 75 + 3*float64(code-lastGKZ-1)
	}
	return math.NaN()
}

// offZone refuses longitudes more than 6° from a zone's central meridian:
// Transverse Mercator gives numbers there, but no surveyor's.
func (p *Projector) offZone(lon float64) error {
	if !math.IsNaN(p.cm) && math.Abs(lon-p.cm) > 6 {
		return fmt.Errorf("%w: longitude %.4f°E is %.1f° from the central meridian %g°E of EPSG:%d (more than 6°: use the zone of the data)", ErrImplausible, lon, math.Abs(lon-p.cm), p.cm, p.code)
	}
	return nil
}

// NewProjector returns the projector for an EPSG code from OGCCodes, or 0
// for CRS84 (which leaves coordinates as they are).
func NewProjector(code int) (*Projector, error) {
	p := &Projector{code: code, cm: zoneMeridian(code)}
	if code == 0 {
		return p, nil
	}
	if _, _, ok := ParseOGC("EPSG:" + strconv.Itoa(code)); !ok {
		return nil, fmt.Errorf("EPSG:%d is not served (served: %s)", code, strings.Join(OGCURIs(), ", "))
	}
	// CGCS2000 and WGS84 agree to centimetres (as New assumes for
	// imports); from CGCS2000 itself PROJ needs no search among datum
	// transformations, which takes it half a second per system.
	src := "OGC:CRS84"
	if code == epsgCGCS || code >= firstGK3 {
		src, p.swap = "EPSG:4490", true
	}
	p.ctx = proj.NewContext()
	pj, err := p.ctx.NewCRSToCRS(src, "EPSG:"+strconv.Itoa(code), nil)
	if err != nil {
		p.ctx.Destroy()
		return nil, fmt.Errorf("EPSG:%d: %w", code, err)
	}
	p.pj = pj
	return p, nil
}

// Code is the EPSG code, 0 for CRS84.
func (p *Projector) Code() int { return p.code }

// Identity reports whether coordinates stay as they are (CRS84).
func (p *Projector) Identity() bool { return p.pj == nil }

// Close frees PROJ's resources.
func (p *Projector) Close() {
	if p.ctx != nil {
		p.ctx.Destroy()
		p.ctx = nil
	}
}

// Forward converts a CRS84 point to the system.
func (p *Projector) Forward(q orb.Point) (orb.Point, error) {
	if p.pj == nil {
		return q, nil
	}
	if err := p.offZone(q[0]); err != nil {
		return q, err
	}
	in := proj.NewCoord(q[0], q[1], 0, 0)
	if p.swap {
		in = proj.NewCoord(q[1], q[0], 0, 0)
	}
	c, err := p.pj.Forward(in)
	if err != nil || !finite(c.X(), c.Y()) {
		return q, fmt.Errorf("%w: %v has no coordinates in EPSG:%d", ErrImplausible, q, p.code)
	}
	return orb.Point{c.X(), c.Y()}, nil
}

// Inverse converts a point of the system to CRS84; results off the earth,
// or that do not come back to the input, are errors.
func (p *Projector) Inverse(q orb.Point) (orb.Point, error) {
	if !finite(q[0], q[1]) {
		return q, fmt.Errorf("%w: %v", ErrImplausible, q)
	}
	if p.pj == nil {
		if q[0] < -180 || q[0] > 180 || q[1] < -90 || q[1] > 90 {
			return q, fmt.Errorf("%w: %v is not longitude, latitude", ErrImplausible, q)
		}
		return q, nil
	}
	c, err := p.pj.Inverse(proj.NewCoord(q[0], q[1], 0, 0))
	if err != nil {
		return q, fmt.Errorf("%w: %v lies outside EPSG:%d", ErrImplausible, q, p.code)
	}
	ll := orb.Point{c.X(), c.Y()}
	if p.swap {
		ll = orb.Point{c.Y(), c.X()}
	}
	if !finite(ll[0], ll[1]) || ll[0] < -180 || ll[0] > 180 || ll[1] < -90 || ll[1] > 90 {
		return q, fmt.Errorf("%w: %v lies outside EPSG:%d", ErrImplausible, q, p.code)
	}
	if err := p.offZone(ll[0]); err != nil {
		return q, err
	}
	back, err := p.pj.Forward(c)
	if err != nil || math.Hypot(back.X()-q[0], back.Y()-q[1]) > 0.01*math.Max(1, 1e-6*math.Hypot(q[0], q[1])) {
		return q, fmt.Errorf("%w: %v lies outside the domain of EPSG:%d", ErrImplausible, q, p.code)
	}
	return ll, nil
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// ForwardGeometry returns g converted to the system; g is not changed.
func (p *Projector) ForwardGeometry(g orb.Geometry) (orb.Geometry, error) {
	if p.pj == nil {
		return g, nil
	}
	return mapPoints(orb.Clone(g), p.Forward)
}

// InverseGeometry returns g converted from the system to CRS84; g is not
// changed.
func (p *Projector) InverseGeometry(g orb.Geometry) (orb.Geometry, error) {
	return mapPoints(orb.Clone(g), p.Inverse)
}

// InverseBound returns the CRS84 box around a box of the system, its edges
// densified so that curved images of straight edges are inside. Corner
// order follows the system's axes (for EPSG:4326, minLat, minLon, …).
func (p *Projector) InverseBound(b orb.Bound) (orb.Bound, error) {
	const steps = 20
	out := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for i := 0; i <= steps; i++ {
		f := float64(i) / steps
		x := b.Min[0] + f*(b.Max[0]-b.Min[0])
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		for _, q := range []orb.Point{{x, b.Min[1]}, {x, b.Max[1]}, {b.Min[0], y}, {b.Max[0], y}} {
			c, err := p.Inverse(q)
			if err != nil {
				return b, err
			}
			out = out.Extend(c)
		}
	}
	return out, nil
}

// mapPoints replaces every point of g (changed in place) by f of it.
func mapPoints(g orb.Geometry, f func(orb.Point) (orb.Point, error)) (orb.Geometry, error) {
	var err error
	conv := func(ps []orb.Point) {
		for i := range ps {
			if err != nil {
				return
			}
			ps[i], err = f(ps[i])
		}
	}
	var walk func(orb.Geometry) orb.Geometry
	walk = func(g orb.Geometry) orb.Geometry {
		switch x := g.(type) {
		case orb.Point:
			p := []orb.Point{x}
			conv(p)
			return p[0]
		case orb.MultiPoint:
			conv(x)
		case orb.LineString:
			conv(x)
		case orb.Ring:
			conv(x)
		case orb.MultiLineString:
			for _, l := range x {
				conv(l)
			}
		case orb.Polygon:
			for _, r := range x {
				conv(r)
			}
		case orb.MultiPolygon:
			for _, p := range x {
				for _, r := range p {
					conv(r)
				}
			}
		case orb.Bound:
			x.Min = walk(x.Min).(orb.Point)
			x.Max = walk(x.Max).(orb.Point)
			return x
		case orb.Collection:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return g
	}
	g = walk(g)
	return g, err
}
