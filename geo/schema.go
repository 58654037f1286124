// Package geo holds greenreach's feature model: the five layers, their typed
// attribute schemas, and the geodesic measures (area, length) computed on WGS84.
package geo

import "fmt"

// FieldType is the type of a layer attribute. Stores map it to a column type.
type FieldType int

const (
	Text FieldType = iota
	Int
	Real
	Bool
)

func (t FieldType) String() string {
	switch t {
	case Text:
		return "text"
	case Int:
		return "integer"
	case Real:
		return "real"
	case Bool:
		return "boolean"
	}
	return fmt.Sprintf("FieldType(%d)", int(t))
}

// GeomKind is the geometry type a layer stores. Polygons are always stored as
// MultiPolygon and lines as MultiLineString, so one column type fits every
// source.
type GeomKind string

const (
	MultiPolygon    GeomKind = "MULTIPOLYGON"
	MultiLineString GeomKind = "MULTILINESTRING"
	Point           GeomKind = "POINT"
)

// Field is one typed attribute of a layer.
type Field struct {
	Name string
	Type FieldType
	Doc  string
}

// Schema describes one layer.
type Schema struct {
	ID     string
	Title  string
	Geom   GeomKind
	Fields []Field
	// Measure names the computed geodesic measure field ("area_m2" or
	// "length_m"), filled by Prepare from the geometry; empty for points.
	Measure string
}

// Field returns the named field and whether it exists.
func (s *Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Layer ids.
const (
	Green   = "green"
	Parcels = "parcels"
	Roads   = "roads"
	Waste   = "waste"
	Areas   = "areas"
)

// Schemas lists every layer in a fixed order (the order of /api/layers).
var Schemas = []*Schema{
	{
		ID: Green, Title: "Green spaces", Geom: MultiPolygon, Measure: "area_m2",
		Fields: []Field{
			{"name", Text, "name"},
			{"kind", Text, "park, garden, playground, belt, forest, lawn, wood, scrub, recreation_ground"},
			{"public", Bool, "open to the public"},
			{"area_m2", Real, "geodesic area on WGS84, computed"},
			{"grade", Int, "maintenance grade 1, 2 or 3"},
			{"unit", Text, "responsible unit"},
			{"trees", Int, "tree count"},
			{"shrub_m2", Real, "shrub area"},
			{"lawn_m2", Real, "lawn area"},
		},
	},
	{
		ID: Parcels, Title: "Residential parcels", Geom: MultiPolygon, Measure: "area_m2",
		Fields: []Field{
			{"name", Text, "name"},
			{"kind", Text, "compound, block or building"},
			{"population", Int, "residents"},
			{"households", Int, "households"},
			{"pop_source", Text, "given or estimated (see README: Population estimates)"},
			{"levels", Int, "building levels where known"},
			{"area_m2", Real, "geodesic area on WGS84, computed"},
		},
	},
	{
		ID: Roads, Title: "Roads and paths", Geom: MultiLineString, Measure: "length_m",
		Fields: []Field{
			{"name", Text, "name"},
			{"class", Text, "motorway, trunk, primary, secondary, tertiary, residential, service, footway, path, steps, ..."},
			{"walkable", Bool, "pedestrians may use it"},
			{"ring", Bool, "part of a ring road"},
			{"length_m", Real, "geodesic length on WGS84, computed"},
		},
	},
	{
		ID: Waste, Title: "Waste and sanitation points", Geom: Point,
		Fields: []Field{
			{"name", Text, "name"},
			{"kind", Text, "collection_point, transfer_station, recycling, toilet, litter_bin"},
			{"capacity", Real, "capacity where known (t/day for stations, litres for bins)"},
		},
	},
	{
		ID: Areas, Title: "Administrative areas", Geom: MultiPolygon, Measure: "area_m2",
		Fields: []Field{
			{"name", Text, "name"},
			{"level", Text, "district, subdistrict or community"},
			{"code", Text, "unit code, unique within the city"},
			{"parent", Text, "code of the enclosing unit"},
			{"area_m2", Real, "geodesic area on WGS84, computed"},
		},
	},
}

// SchemaOf returns the schema of a layer id, or nil.
func SchemaOf(layer string) *Schema {
	for _, s := range Schemas {
		if s.ID == layer {
			return s
		}
	}
	return nil
}
