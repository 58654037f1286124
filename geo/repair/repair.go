// Package repair checks and repairs feature geometries before they are
// stored: a Validator cleans rings and lines, repairs invalid polygons
// with GEOS MakeValid within limits set by their input (a cgo call cannot
// be cancelled), and checks the attributes with geo.Prepare. Importers and
// the API's editing requests both use it.
package repair

import (
	"cmp"
	"errors"
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geos"
)

// Validator checks and repairs feature geometries with GEOS. It is not safe
// for concurrent use (it owns one GEOS context, which serialises its calls):
// use one per goroutine.
type Validator struct {
	gc *geos.Context
	// MaxCrossings and MaxVertices bound a GEOS repair by its input, which
	// its time grows with (a cgo call cannot be cancelled): an invalid
	// polygonal geometry whose rings meet at more points (geo.Crossings),
	// or with more vertices, is refused with a reason naming the limit
	// before GEOS is asked. 0: DefaultMaxCrossings, DefaultMaxVertices.
	MaxCrossings, MaxVertices int
	// Shared makes the limits a budget for all the features v repairs
	// together (one request's): each repair spends its crossings and
	// vertices.
	Shared bool
	// Gate, when set, is called before each GEOS repair: it returns the
	// function to call when the repair is done, or an error when none may
	// start (Fix then gives ReasonBusy).
	Gate func() (done func(), err error)

	spentCrossings, spentVertices int
}

// Default repair limits of a feature.
const (
	DefaultMaxCrossings = 256
	DefaultMaxVertices  = 250_000
)

// NewValidator returns a Validator with its own GEOS context.
func NewValidator() *Validator { return &Validator{gc: geos.NewContext()} }

// Skip reasons given by Fix.
const (
	ReasonEmpty             = "empty geometry"
	ReasonDegeneratePolygon = "degenerate polygon"
	ReasonDegenerateLine    = "degenerate line"
	ReasonNotRepairable     = "invalid polygon GEOS cannot repair"
	ReasonWrongGeometry     = "geometry does not fit the layer"
	ReasonSchema            = "rejected by the layer schema"
	// ReasonBusy: the Gate let no repair start (a pool full, a deadline).
	ReasonBusy = "no GEOS repair could start"
)

// refusal is a repair refused before GEOS was asked; its text is the
// reason Fix gives.
type refusal string

func (r refusal) Error() string { return string(r) }

// Fix makes f fit to be written, or says why it cannot be. Polygonal
// geometries become a MultiPolygon whose rings have at least four points
// (consecutive duplicate points removed) and which GEOS finds valid: an
// invalid one is replaced by the polygonal part of GEOS MakeValid (repaired
// is then true). Lines lose consecutive duplicate points and must keep two.
// Finally geo.Prepare checks the attributes and computes the measures. On a
// non-empty reason f must be skipped.
func (v *Validator) Fix(f *geo.Feature) (repaired bool, reason string) {
	sc := geo.SchemaOf(f.Layer)
	if sc == nil {
		return false, ReasonSchema
	}
	if f.Geom == nil || isEmpty(f.Geom) {
		return false, ReasonEmpty
	}
	switch sc.Geom {
	case geo.MultiPolygon:
		mp, ok := polygons(f.Geom)
		if !ok {
			return false, ReasonWrongGeometry
		}
		mp = cleanPolygons(mp)
		if len(mp) == 0 {
			return false, ReasonDegeneratePolygon
		}
		fixed, changed, err := v.makeValid(mp)
		var ref refusal
		if errors.As(err, &ref) {
			return false, string(ref)
		}
		if err != nil {
			return false, ReasonNotRepairable
		}
		if len(fixed) == 0 || planar.Area(fixed) == 0 {
			return false, ReasonDegeneratePolygon // no area, before or after repair
		}
		f.Geom, repaired = fixed, changed
	case geo.MultiLineString:
		var ml orb.MultiLineString
		switch t := f.Geom.(type) {
		case orb.LineString:
			ml = orb.MultiLineString{t}
		case orb.MultiLineString:
			ml = t
		default:
			return false, ReasonWrongGeometry
		}
		out := make(orb.MultiLineString, 0, len(ml))
		for _, l := range ml {
			l = dedupe(l)
			if len(l) >= 2 {
				out = append(out, l)
			}
		}
		if len(out) == 0 {
			return false, ReasonDegenerateLine
		}
		f.Geom = out
	case geo.Point:
		if _, ok := f.Geom.(orb.Point); !ok {
			return false, ReasonWrongGeometry
		}
	}
	src := f.Source
	if src == "" {
		f.Source = "-" // stamped by Load; Prepare wants one
	}
	err := geo.Prepare(f)
	f.Source = src
	if err != nil {
		return false, ReasonSchema
	}
	return repaired, ""
}

// makeValid returns mp unchanged when GEOS finds it valid, else the
// polygonal part of MakeValid, if the repair is within v's limits (else a
// refusal) and its Gate lets it start.
func (v *Validator) makeValid(mp orb.MultiPolygon) (orb.MultiPolygon, bool, error) {
	b, err := wkb.Marshal(mp)
	if err != nil {
		return nil, false, err
	}
	g, err := v.gc.NewGeomFromWKB(b)
	if err != nil {
		return nil, false, err
	}
	if g.IsValid() {
		return mp, false, nil
	}
	if err := v.spend(mp); err != nil {
		return nil, true, err
	}
	if v.Gate != nil {
		done, err := v.Gate()
		if err != nil {
			return nil, true, refusal(ReasonBusy)
		}
		defer done()
	}
	mv := g.MakeValid()
	if mv == nil {
		return nil, true, errors.New("MakeValid failed")
	}
	og, err := wkb.Unmarshal(mv.ToWKB())
	if err != nil {
		return nil, true, err
	}
	out := cleanPolygons(geo.Polygons(og))
	for _, p := range out {
		Orient(p)
	}
	return out, true, nil
}

// spend checks the repair of mp against v's limits, and with Shared
// counts it against them. A refusal speaks of this polygon when it alone
// passes a limit, of the request's polygons in all when earlier repairs
// spent part of it.
func (v *Validator) spend(mp orb.MultiPolygon) error {
	maxX, maxV := cmp.Or(v.MaxCrossings, DefaultMaxCrossings), cmp.Or(v.MaxVertices, DefaultMaxVertices)
	leftX, leftV := maxX, maxV
	if v.Shared {
		leftX, leftV = maxX-v.spentCrossings, maxV-v.spentVertices
	}
	nv := 0
	for _, p := range mp {
		for _, r := range p {
			nv += len(r)
		}
	}
	if nv > leftV {
		if nv > maxV {
			return refusal(fmt.Sprintf("the polygon has more than %d vertices; repairing it is refused: simplify it", maxV))
		}
		return refusal(fmt.Sprintf("the polygons to repair have more than %d vertices in all; repairing them is refused: simplify them", maxV))
	}
	nx, ok := geo.Crossings(mp, leftX)
	switch {
	case !ok && nx > leftX && leftX == maxX:
		return refusal(fmt.Sprintf("the polygon crosses itself at more than %d points; repairing it is refused: simplify it", maxX))
	case !ok && nx > leftX:
		return refusal(fmt.Sprintf("the polygons to repair cross themselves at more than %d points in all; repairing them is refused: simplify them", maxX))
	case !ok:
		return refusal("the polygon's edges are too tangled (many meeting at one vertex, or lying close together) to count where they cross; repairing it is refused: simplify it")
	}
	if v.Shared {
		v.spentCrossings += nx
		v.spentVertices += nv
	}
	return nil
}

func polygons(g orb.Geometry) (orb.MultiPolygon, bool) {
	switch t := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}, true
	case orb.MultiPolygon:
		return t, true
	case orb.Ring:
		return orb.MultiPolygon{{t}}, true
	}
	return nil, false
}

// cleanPolygons removes consecutive duplicate points, drops rings of fewer
// than four points (or not closed) and polygons whose outer ring was
// dropped.
func cleanPolygons(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		if len(p) == 0 {
			continue
		}
		outer := orb.Ring(dedupe(orb.LineString(p[0])))
		if len(outer) < 4 || !outer.Closed() {
			continue
		}
		np := orb.Polygon{outer}
		for _, r := range p[1:] {
			r = orb.Ring(dedupe(orb.LineString(r)))
			if len(r) >= 4 && r.Closed() {
				np = append(np, r)
			}
		}
		out = append(out, np)
	}
	return out
}

func dedupe(l orb.LineString) orb.LineString {
	if len(l) < 2 {
		return l
	}
	out := make(orb.LineString, 1, len(l))
	out[0] = l[0]
	for _, p := range l[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

func isEmpty(g orb.Geometry) bool {
	switch t := g.(type) {
	case orb.Point:
		return math.IsNaN(t[0]) || math.IsNaN(t[1])
	case orb.LineString:
		return len(t) == 0
	case orb.Ring:
		return len(t) == 0
	case orb.MultiLineString:
		for _, l := range t {
			if len(l) > 0 {
				return false
			}
		}
		return true
	case orb.Polygon:
		return len(t) == 0 || len(t[0]) == 0
	case orb.MultiPolygon:
		for _, p := range t {
			if !isEmpty(p) {
				return false
			}
		}
		return true
	case orb.MultiPoint:
		return len(t) == 0
	case orb.Collection:
		for _, x := range t {
			if !isEmpty(x) {
				return false
			}
		}
		return true
	}
	return false
}

// Orient puts a polygon's outer ring counter-clockwise and its holes
// clockwise (the GeoJSON right-hand rule), in place.
func Orient(p orb.Polygon) {
	for i, r := range p {
		want := orb.CCW
		if i > 0 {
			want = orb.CW
		}
		if o := r.Orientation(); o != want && o != 0 {
			r.Reverse()
		}
	}
}
