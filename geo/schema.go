// Package geo holds greenreach's feature model: the six layers, their typed
// attribute schemas, and the geodesic measures (area, length) computed on WGS84.
package geo

import (
	"fmt"

	"github.com/greenreach/greenreach/i18n"
)

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
	Doc  string // what it holds, in English
	// Alias is the field's name for people, as GIS tools show it beside
	// the column name (GeoPackage gpkg_data_columns, PostGIS comments).
	Alias i18n.Text
	DocZH string // Doc in Chinese
}

// Docs is what the field holds, in both languages.
func (f Field) Docs() i18n.Text { return i18n.Text{ZH: f.DocZH, EN: f.Doc} }

// Schema describes one layer.
type Schema struct {
	ID      string
	Title   string // in English; TitleIn gives either language
	TitleZH string
	// Description says what the layer holds, for GIS tools' layer
	// properties (GeoPackage gpkg_contents, PostGIS table comments).
	Description i18n.Text
	Geom        GeomKind
	Fields      []Field
	// Measure names the computed geodesic measure field ("area_m2" or
	// "length_m"), filled by Prepare from the geometry; empty for points.
	Measure string
}

// TitleIn returns the layer's title in l.
func (s *Schema) TitleIn(l i18n.Lang) string {
	return i18n.Text{ZH: s.TitleZH, EN: s.Title}.In(l)
}

// Column is a column of a layer's table named for people: Alias and Doc
// as a Field's.
type Column struct {
	Name       string
	Alias, Doc i18n.Text
}

// StoreColumns are the columns every layer's table has before its fields:
// the store's id, the geometry and the Feature's bookkeeping.
var StoreColumns = []Column{
	{"fid", both("要素编号", "Feature id"), both("存储分配的要素编号，不变", "stable id assigned by the store")},
	{"geom", both("几何", "Geometry"), both("WGS84 经纬度（EPSG:4326）", "WGS84 longitude/latitude (EPSG:4326)")},
	{"source", both("数据来源", "Source"), both("要素导入自哪个数据源，如 osm:chengdu.osm.pbf", "where the feature was imported from, e.g. osm:chengdu.osm.pbf")},
	{"source_id", both("来源编号", "Source id"), both("要素在数据源中的编号", "the feature's id within its source")},
	{"version", both("版本", "Version"), both("新增时为 1，每次修改加 1", "1 on insert, +1 on every change")},
	{"updated", both("更新时间", "Updated"), both("最后写入时间（UTC）", "when the feature was last written (UTC)")},
}

// Columns lists the columns of the layer's table named for people: the
// StoreColumns, then the layer's fields.
func (s *Schema) Columns() []Column {
	cols := append([]Column(nil), StoreColumns...)
	for _, f := range s.Fields {
		cols = append(cols, Column{f.Name, f.Alias, f.Docs()})
	}
	return cols
}

// Comment is the layer's title and description in one line, Chinese
// first, for a store's one comment field ("绿地：… / Green spaces: …").
func (s *Schema) Comment() string {
	return comment(i18n.Text{ZH: s.TitleZH, EN: s.Title}, s.Description)
}

// Comment is the column's alias and what it holds in one line, Chinese
// first ("面积（平方米）：… / Area (m²): …").
func (c Column) Comment() string { return comment(c.Alias, c.Doc) }

func comment(name, doc i18n.Text) string {
	return name.ZH + "：" + doc.ZH + " / " + name.EN + ": " + doc.EN
}

func both(zh, en string) i18n.Text { return i18n.Text{ZH: zh, EN: en} }

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
	Zones   = "zones"
)

// Schemas lists every layer in a fixed order (the order of /api/layers).
var Schemas = []*Schema{
	{
		ID: Green, Title: "Green spaces", TitleZH: "绿地", Geom: MultiPolygon, Measure: "area_m2",
		Description: both("公园绿地及其他各类绿地（面），含养护等级和责任单位", "parks and other green spaces (polygons), with maintenance grade and responsible unit"),
		Fields: []Field{
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"kind", Text, "park, garden, playground, belt, forest, lawn, wood, scrub, recreation_ground", both("类型", "Kind"),
				"park 公园、garden 游园、playground 儿童游乐场、belt 带状绿地、forest 林地、lawn 草坪、wood 树林、scrub 灌木丛、recreation_ground 休闲场地"},
			{"public", Bool, "open to the public", both("对公众开放", "Public"), "是否对公众开放"},
			{"area_m2", Real, "geodesic area on WGS84, computed", both("面积（平方米）", "Area (m²)"), "WGS84 椭球面积，自动计算"},
			{"grade", Int, "maintenance grade 1, 2 or 3", both("养护等级", "Maintenance grade"), "养护等级：1、2 或 3 级"},
			{"unit", Text, "responsible unit", both("责任单位", "Responsible unit"), "负责养护管理的单位"},
			{"trees", Int, "tree count", both("乔木株数", "Trees"), "乔木数量（株）"},
			{"shrub_m2", Real, "shrub area", both("灌木面积（平方米）", "Shrub area (m²)"), "灌木面积"},
			{"lawn_m2", Real, "lawn area", both("草坪面积（平方米）", "Lawn area (m²)"), "草坪面积"},
		},
	},
	{
		ID: Parcels, Title: "Residential parcels", TitleZH: "居住地块", Geom: MultiPolygon, Measure: "area_m2",
		Description: both("居住小区、街坊和住宅建筑（面）及其居住人口", "residential compounds, blocks and buildings (polygons) with their residents"),
		Fields: []Field{
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"kind", Text, "compound, block or building", both("类型", "Kind"), "compound 小区、block 街坊 或 building 建筑"},
			{"population", Int, "residents", both("居住人口", "Residents"), "居住人口（人）"},
			{"households", Int, "households", both("户数", "Households"), "户数"},
			{"pop_source", Text, "given or estimated (see README: Population estimates)", both("人口来源", "Population source"), "given 实有数据 或 estimated 估算（见 README：Population estimates）"},
			{"levels", Int, "building levels where known", both("层数", "Levels"), "已知的建筑层数"},
			{"area_m2", Real, "geodesic area on WGS84, computed", both("面积（平方米）", "Area (m²)"), "WGS84 椭球面积，自动计算"},
		},
	},
	{
		ID: Roads, Title: "Roads and paths", TitleZH: "道路与步道", Geom: MultiLineString, Measure: "length_m",
		Description: both("道路和步行道（线），标明可步行路段和环路", "roads and paths (lines), walkable ones and ring roads marked"),
		Fields: []Field{
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"class", Text, "motorway, trunk, primary, secondary, tertiary, residential, service, footway, path, steps, ...", both("道路等级", "Class"),
				"motorway 高速公路、trunk 快速路、primary 主干路、secondary 次干路、tertiary 支路、residential 小区道路、service 服务道路、footway 人行道、path 小径、steps 台阶等"},
			{"walkable", Bool, "pedestrians may use it", both("可步行", "Walkable"), "行人可通行"},
			{"ring", Bool, "part of a ring road", both("环路", "Ring road"), "是否属于环路"},
			{"length_m", Real, "geodesic length on WGS84, computed", both("长度（米）", "Length (m)"), "WGS84 椭球长度，自动计算"},
		},
	},
	{
		ID: Waste, Title: "Waste and sanitation points", TitleZH: "环卫设施", Geom: Point,
		Description: both("生活垃圾收集点、转运站、公共厕所等环卫设施（点）", "garbage collection points, transfer stations, toilets and other sanitation points"),
		Fields: []Field{
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"kind", Text, "collection_point, transfer_station, recycling, toilet, litter_bin", both("类型", "Kind"),
				"collection_point 生活垃圾收集点、transfer_station 转运站、recycling 可回收物回收点、toilet 公共厕所、litter_bin 废物箱"},
			{"capacity", Real, "capacity where known (t/day for stations, litres for bins)", both("容量", "Capacity"), "已知的容量（转运站：吨/日；废物箱：升）"},
		},
	},
	{
		ID: Areas, Title: "Administrative areas", TitleZH: "行政区划", Geom: MultiPolygon, Measure: "area_m2",
		Description: both("区、街道和社区的边界（面）", "boundaries of districts, subdistricts and communities (polygons)"),
		Fields: []Field{
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"level", Text, "district, subdistrict or community", both("层级", "Level"), "district 区、subdistrict 街道 或 community 社区"},
			{"code", Text, "unit code, unique within the city", both("区划代码", "Code"), "单元代码，全市唯一"},
			{"parent", Text, "code of the enclosing unit", both("上级代码", "Parent code"), "上级单元的代码"},
			{"area_m2", Real, "geodesic area on WGS84, computed", both("面积（平方米）", "Area (m²)"), "WGS84 椭球面积，自动计算"},
		},
	},
	{
		ID: Zones, Title: "Responsibility zones", TitleZH: "责任区", Geom: MultiPolygon, Measure: "area_m2",
		Description: both("分片承包的责任区（面），每片一个责任单位，案件按所在责任区派遣",
			"responsibility zones (polygons), each with the unit responsible for it; cases are dispatched to the unit of their zone"),
		Fields: []Field{
			{"code", Text, "zone code, unique within the city", both("责任区编号", "Zone code"), "责任区编号，全市唯一"},
			{"name", Text, "name", both("名称", "Name"), "名称"},
			{"unit", Text, "id of the responsible unit (a units record, e.g. U01)", both("责任单位", "Responsible unit"), "责任单位编号（责任单位名录中的编号，如 U01）"},
			{"street", Text, "street office (subdistrict) the zone belongs to", both("街道", "Street office"), "所属街道办事处"},
			{"community", Text, "community the zone belongs to", both("社区", "Community"), "所属社区"},
			{"area_m2", Real, "geodesic area on WGS84, computed", both("面积（平方米）", "Area (m²)"), "WGS84 椭球面积，自动计算"},
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
