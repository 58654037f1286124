// Package crs brings coordinates from the coordinate systems Chinese bureaus
// use to WGS84 longitude/latitude (EPSG:4326, axis order lon, lat): EPSG
// codes, WKT (a Shapefile's .prj) and PROJ strings through PROJ (go-proj and
// Debian's libproj), and the GCJ-02 offset of Chinese web maps, which no EPSG
// code describes, by its published formula. The other way, Projector
// gives CRS84 data in the systems OGC API clients may ask for (ogc.go).
//
// Coordinates that cannot be in the source system are an error, not a silent
// import: geographic input outside ±180/±90, a transformation PROJ cannot do,
// a result outside WGS84 or one that does not transform back to the input
// (outside the projection's domain), and — for the CGCS2000 3° Gauss-Krüger zones
// (EPSG:4513–4554) and UTM (EPSG:326xx/327xx) — a result more than 6° of
// longitude from the zone's central meridian, or for the CGCS2000 zones
// outside China (the usual signs of swapped easting/northing, lon/lat in a
// projected file, or the wrong zone).
package crs

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-proj/v10"
)

// GCJ02 names the GCJ-02 system ("--crs gcj02").
const GCJ02 = "gcj02"

// ErrImplausible is wrapped by errors about coordinates that cannot be in the
// source system.
var ErrImplausible = errors.New("coordinate not plausible in its coordinate system")

// Transformer converts geometries from one system to WGS84. It is not safe
// for concurrent use (PROJ contexts are per goroutine).
type Transformer struct {
	name       string
	pj         *proj.PJ // nil for WGS84 itself and GCJ-02
	ctx        *proj.Context
	gcj        bool
	geographic bool    // input is lon/lat degrees
	cm         float64 // central meridian to check against, NaN if none
	china      bool    // a CGCS2000 Gauss-Krüger zone: results must lie in China
}

// New returns a transformer from def: "EPSG:n", "gcj02", a WKT string or a
// PROJ string.
func New(def string) (*Transformer, error) {
	def = strings.TrimSpace(def)
	t := &Transformer{name: def, cm: math.NaN()}
	code, isEPSG := epsg(def)
	switch {
	case strings.EqualFold(def, GCJ02):
		t.name, t.gcj, t.geographic = GCJ02, true, true
		return t, nil
	case isEPSG && (code == 4326 || code == 4490 || code == 4258):
		// WGS84, CGCS2000 and ETRS89 geographic agree with WGS84 to within
		// centimetres (PROJ's own CRS-to-CRS answer is a null transformation).
		t.geographic = true
		return t, nil
	case isEPSG && code >= 4513 && code <= 4533: // 3° GK zones 25–45, zone number prefixed
		t.cm, t.china = 75+3*float64(code-4513), true
	case isEPSG && code >= 4534 && code <= 4554: // 3° GK, central meridian 75°E … 135°E
		t.cm, t.china = 75+3*float64(code-4534), true
	case isEPSG && (code > 32600 && code <= 32660 || code > 32700 && code <= 32760):
		t.cm = -183 + 6*float64(code%100)
	}
	t.ctx = proj.NewContext()
	pj, err := t.ctx.NewCRSToCRS(def, "EPSG:4326", nil)
	if err != nil {
		t.ctx.Destroy()
		return nil, fmt.Errorf("coordinate system %s: %w", shortName(def), err)
	}
	if t.pj, err = pj.NormalizeForVisualization(); err != nil {
		t.ctx.Destroy()
		return nil, fmt.Errorf("coordinate system %s: %w", shortName(def), err)
	}
	if isEPSG {
		if src, err := t.ctx.New(def); err == nil {
			t.geographic = strings.Contains(strings.ToLower(src.Info().Description), "geographic") || code == 4490
		}
	}
	return t, nil
}

func epsg(def string) (int, bool) {
	up := strings.ToUpper(def)
	if !strings.HasPrefix(up, "EPSG:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(up, "EPSG:"))
	return n, err == nil
}

func shortName(def string) string {
	if len(def) > 60 {
		return def[:57] + "..."
	}
	return def
}

// Name is the definition the transformer was made from.
func (t *Transformer) Name() string { return shortName(t.name) }

// IsWGS84 reports whether the transformer leaves coordinates as they are.
func (t *Transformer) IsWGS84() bool { return t.pj == nil && !t.gcj }

// Close frees PROJ's resources.
func (t *Transformer) Close() {
	if t.ctx != nil {
		t.ctx.Destroy()
		t.ctx = nil
	}
}

// Point converts one coordinate.
func (t *Transformer) Point(p orb.Point) (orb.Point, error) {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return p, fmt.Errorf("%w: %v", ErrImplausible, p)
	}
	if t.geographic && (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
		return p, fmt.Errorf("%w: %v is not longitude/latitude in %s (swapped latitude and longitude, or projected coordinates?)", ErrImplausible, p, t.Name())
	}
	var q orb.Point
	switch {
	case t.gcj:
		q = GCJ02ToWGS84(p)
	case t.pj == nil:
		q = p
	default:
		c, err := t.pj.Forward(proj.NewCoord(p[0], p[1], 0, 0))
		if err != nil {
			return p, fmt.Errorf("%w: %v in %s: %v", ErrImplausible, p, t.Name(), err)
		}
		q = orb.Point{c.X(), c.Y()}
		// Outside its domain a projection folds (beyond a pole, say): the
		// way back then does not return the input.
		if back, err := t.pj.Inverse(c); err != nil || math.Hypot(back.X()-p[0], back.Y()-p[1]) > 0.01*math.Max(1, 1e-6*math.Hypot(p[0], p[1])) {
			return p, fmt.Errorf("%w: %v lies outside the domain of %s", ErrImplausible, p, t.Name())
		}
	}
	if math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.IsInf(q[0], 0) || math.IsInf(q[1], 0) || q[0] < -180 || q[0] > 180 || q[1] < -90 || q[1] > 90 {
		return p, fmt.Errorf("%w: %v in %s lies outside the earth", ErrImplausible, p, t.Name())
	}
	if t.china && !InChina(q) {
		return p, fmt.Errorf("%w: %v in %s lands at %.4f°E %.4f°N, outside China where CGCS2000 zones apply (swapped easting and northing, or not this system?)", ErrImplausible, p, t.Name(), q[0], q[1])
	}
	if !math.IsNaN(t.cm) && math.Abs(q[0]-t.cm) > 6 {
		return p, fmt.Errorf("%w: %v in %s is %.1f° from the zone's central meridian %g°E (swapped easting and northing, or the wrong zone?)", ErrImplausible, p, t.Name(), math.Abs(q[0]-t.cm), t.cm)
	}
	return q, nil
}

// Geometry returns g converted to WGS84; g itself is not changed.
func (t *Transformer) Geometry(g orb.Geometry) (orb.Geometry, error) {
	if t.IsWGS84() {
		_, err := t.Point(firstBad(g))
		return g, err
	}
	return mapPoints(orb.Clone(g), t.Point)
}

// firstBad returns the first coordinate outside lon/lat ranges, or a valid
// point when there is none (WGS84 input is only checked).
func firstBad(g orb.Geometry) orb.Point {
	bad := orb.Point{0, 0}
	found := false
	var check func(orb.Geometry)
	pts := func(ps []orb.Point) {
		for _, p := range ps {
			if !found && (math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
				bad, found = p, true
			}
		}
	}
	check = func(g orb.Geometry) {
		switch x := g.(type) {
		case orb.Point:
			pts([]orb.Point{x})
		case orb.MultiPoint:
			pts(x)
		case orb.LineString:
			pts(x)
		case orb.Ring:
			pts(x)
		case orb.MultiLineString:
			for _, l := range x {
				pts(l)
			}
		case orb.Polygon:
			for _, r := range x {
				pts(r)
			}
		case orb.MultiPolygon:
			for _, p := range x {
				check(p)
			}
		case orb.Collection:
			for _, y := range x {
				check(y)
			}
		}
	}
	check(g)
	return bad
}
