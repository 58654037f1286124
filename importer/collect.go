package importer

import (
	"errors"
	"fmt"
	"math"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/paulmach/orb"
)

// Collector gathers the records of a file bound for one layer (GeoJSON,
// Shapefile, GeoPackage): it converts each geometry to WGS84, maps the
// attributes, and counts what it skips. Done repairs and returns the
// features to Load.
type Collector struct {
	Summary *Summary
	schema  *geo.Schema
	source  string
	fields  map[string]string
	tr      *crs.Transformer
	seen    map[string]bool
	feats   []*geo.Feature
}

// NewCollector starts collecting a file's records for layer under source,
// converting from the coordinate system tr and mapping attributes by fields
// (see Attributes).
func NewCollector(file, format, layer, source string, fields map[string]string, tr *crs.Transformer) (*Collector, error) {
	sc := geo.SchemaOf(layer)
	if sc == nil {
		return nil, fmt.Errorf("unknown layer %q (one of green, parcels, roads, waste, areas)", layer)
	}
	return &Collector{Summary: NewSummary(file, format, source), schema: sc, source: source, fields: fields, tr: tr, seen: map[string]bool{}}, nil
}

// Add takes one record. A nil geometry, a repeated id or an attribute that
// does not convert is skipped and counted; a coordinate that is not a
// number (an empty point) or cannot be in the file's system is an error
// (the whole file fails).
func (c *Collector) Add(sourceID string, g orb.Geometry, props map[string]any) error {
	if g == nil {
		c.Summary.Skip(c.schema.ID, repair.ReasonEmpty)
		return nil
	}
	if err := finite(g); err != nil {
		return err
	}
	g, err := c.tr.Geometry(g)
	if err != nil {
		return err
	}
	if c.seen[sourceID] {
		c.Summary.Skip(c.schema.ID, "duplicate id")
		return nil
	}
	c.seen[sourceID] = true
	attrs, bad := Attributes(c.schema, props, c.fields)
	if bad != "" {
		c.Summary.Skip(c.schema.ID, "bad attribute "+bad)
		return nil
	}
	c.feats = append(c.feats, &geo.Feature{Layer: c.schema.ID, Source: c.source, SourceID: sourceID, Geom: g, Props: attrs})
	return nil
}

// Done repairs and validates what was collected (Clean) and returns the
// features to write with the summary.
func (c *Collector) Done() ([]*geo.Feature, *Summary) {
	return Clean(c.feats, c.Summary), c.Summary
}

// finite checks that every coordinate of g is a finite number: readers
// decode an empty point (WKB POINT EMPTY) as NaN, NaN.
func finite(g orb.Geometry) error {
	check := func(ps ...orb.Point) error {
		for _, p := range ps {
			if math.IsNaN(p[0]) && math.IsNaN(p[1]) {
				return errors.New("empty point: no coordinates")
			}
			if math.IsNaN(p[0]+p[1]) || math.IsInf(p[0]+p[1], 0) {
				return fmt.Errorf("coordinate %v is not a number", p)
			}
		}
		return nil
	}
	switch g := g.(type) {
	case orb.Point:
		return check(g)
	case orb.MultiPoint:
		return check(g...)
	case orb.LineString:
		return check(g...)
	case orb.Ring:
		return check(g...)
	case orb.Polygon:
		for _, r := range g {
			if err := check(r...); err != nil {
				return err
			}
		}
	case orb.MultiLineString:
		for _, l := range g {
			if err := check(l...); err != nil {
				return err
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if err := finite(p); err != nil {
				return err
			}
		}
	case orb.Collection:
		for _, x := range g {
			if err := finite(x); err != nil {
				return err
			}
		}
	case orb.Bound:
		return check(g.Min, g.Max)
	}
	return nil
}
