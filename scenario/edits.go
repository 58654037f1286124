// Package scenario is the domain of planning scenarios: their edits (a
// GeoJSON FeatureCollection) read and checked, the baseline snapshot with
// a scenario's edits applied, what a scenario changes in an audit, and
// its commit into the baseline. The HTTP routes that keep scenarios are in
// package api.
package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Scenario edits are a GeoJSON FeatureCollection; each feature's
// properties carry "op" (add, change or delete), "layer", and for change
// and delete "fid", the baseline feature's id. Added and changed features
// carry their geometry and attributes.

// Limits of a scenario's edits.
const (
	MaxEdits    = 10000 // features of the collection
	MaxVertices = 20000 // vertices of one edit's geometry
)

// Edits are a scenario's edits: features to put (a zero id adds one) and
// ids to delete by layer.
type Edits struct {
	Puts []*geo.Feature
	Dels map[string][]int64
}

// Deleted is the number of features the edits delete.
func (e *Edits) Deleted() int {
	n := 0
	for _, ids := range e.Dels {
		n += len(ids)
	}
	return n
}

// Fixer checks and repairs a feature as an import would; reason says why
// it could not (importer.Validator).
type Fixer interface {
	Fix(f *geo.Feature) (repaired bool, reason string)
}

// InvalidError is edits a scenario cannot hold: Detail says why, for the
// caller.
type InvalidError struct{ Detail string }

func (e *InvalidError) Error() string { return e.Detail }

func invalid(format string, a ...any) error {
	return &InvalidError{Detail: fmt.Sprintf(format, a...)}
}

// RefusedError is an edit whose geometry the Fixer refused: Which names
// the edit ("edit 3"), Reason is the Fixer's (it names any limit).
type RefusedError struct{ Which, Reason string }

func (e *RefusedError) Error() string { return e.Which + ": " + e.Reason }

// Parse reads a scenario's edits, each checked and repaired by fix. Bad
// edits give an *InvalidError, a refused repair a *RefusedError.
func Parse(raw []byte, fix Fixer) (*Edits, error) {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil || fc.Type != "FeatureCollection" {
		return nil, invalid("edits must be a GeoJSON FeatureCollection")
	}
	if len(fc.Features) > MaxEdits {
		return nil, invalid("%d edits: at most %d", len(fc.Features), MaxEdits)
	}
	e := &Edits{Dels: map[string][]int64{}}
	for i, gf := range fc.Features {
		f, err := edit(i+1, gf)
		if err != nil {
			return nil, err
		}
		if f.Geom == nil { // a delete
			e.Dels[f.Layer] = append(e.Dels[f.Layer], f.ID)
			continue
		}
		if _, reason := fix.Fix(f); reason != "" {
			return nil, &RefusedError{Which: fmt.Sprintf("edit %d", i+1), Reason: reason}
		}
		e.Puts = append(e.Puts, f)
	}
	return e, nil
}

// edit reads edit n: a feature to put, or for a delete one without a
// geometry.
func edit(n int, gf *geojson.Feature) (*geo.Feature, error) {
	op, _ := gf.Properties["op"].(string)
	layer, _ := gf.Properties["layer"].(string)
	if geo.SchemaOf(layer) == nil {
		return nil, invalid("edit %d: layer %q is not one of %s", n, layer, strings.Join(layerIDs(), ", "))
	}
	fid := int64(0)
	if f, ok := gf.Properties["fid"].(float64); ok {
		fid = int64(f)
	}
	switch op {
	case "delete":
		if fid < 1 {
			return nil, invalid("edit %d: delete needs fid", n)
		}
		return &geo.Feature{ID: fid, Layer: layer}, nil
	case "change":
		if fid < 1 {
			return nil, invalid("edit %d: change needs fid", n)
		}
	case "add":
	default:
		return nil, invalid("edit %d: op %q: want add, change or delete", n, op)
	}
	if gf.Geometry == nil {
		return nil, invalid("edit %d: %s needs a geometry", n, op)
	}
	if v := Vertices(gf.Geometry); v > MaxVertices {
		return nil, invalid("edit %d has %d vertices: at most %d", n, v, MaxVertices)
	}
	props := map[string]any{}
	for k, val := range gf.Properties {
		if k != "op" && k != "layer" && k != "fid" {
			props[k] = val
		}
	}
	return &geo.Feature{ID: fid, Layer: layer, Geom: gf.Geometry, Props: props, Source: "scenario", SourceID: strconv.Itoa(n)}, nil
}

func layerIDs() []string {
	out := make([]string, len(geo.Schemas))
	for i, sc := range geo.Schemas {
		out[i] = sc.ID
	}
	return out
}

// Vertices counts the vertices of a geometry.
func Vertices(g orb.Geometry) int {
	n := 0
	switch t := g.(type) {
	case orb.Point:
		n = 1
	case orb.MultiPoint:
		n = len(t)
	case orb.LineString:
		n = len(t)
	case orb.MultiLineString:
		for _, l := range t {
			n += len(l)
		}
	case orb.Polygon:
		for _, r := range t {
			n += len(r)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			n += Vertices(p)
		}
	case orb.Collection:
		for _, c := range t {
			n += Vertices(c)
		}
	}
	return n
}
