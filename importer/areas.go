package importer

import (
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
)

// Area levels: what the audit reports on.
const (
	District    = "district"    // 区, 县, 县级市
	Subdistrict = "subdistrict" // 街道, 镇, 乡
	Community   = "community"   // 社区, 村
)

// MinAdminArea (m²) is the least area of an administrative area: anything
// smaller (a closed way of 41 m² tagged as a boundary) is surely not a
// district, street or community. Sainte-Dévote, Monaco's smallest
// quarter, has 2 ha.
const MinAdminArea = 10_000

// Skip reasons of areas that are no administrative unit.
const (
	ReasonTinyArea    = "administrative area under 1 ha"
	ReasonUnnamedArea = "administrative area without a name"
	ReasonNoLevel     = "administrative area without a level (district, subdistrict or community)"
	ReasonBadLevel    = "administrative area level not district, subdistrict, community, 区/街道/社区 or admin_level 6/8/9/10"
)

// ChinaAdminLevels maps OpenStreetMap admin_level values to area levels
// following the OSM wiki's conventions for China: 2 country, 4 province,
// 5 prefecture-level city (地级市, the city itself), 6 county level (区, 县,
// 县级市) → district, 8 township level (街道, 镇, 乡) → subdistrict, 9 and 10
// (社区, 村; 10 is the wiki's level, 9 occurs) → community. Levels not in
// the table are skipped. osm.Mapping.AdminLevels can change it.
func ChinaAdminLevels() map[int]string {
	return map[int]string{6: District, 8: Subdistrict, 9: Community, 10: Community}
}

// levelNames are the values a level field may hold besides the three
// level names: the Chinese unit types.
var levelNames = map[string]string{
	"区": District, "县": District, "县级市": District, "旗": District, "市辖区": District,
	"街道": Subdistrict, "街道办事处": Subdistrict, "镇": Subdistrict, "乡": Subdistrict, "苏木": Subdistrict,
	"社区": Community, "村": Community, "居委会": Community, "村委会": Community, "社区居委会": Community, "嘎查": Community,
}

// AreaLevel reads a level field: district, subdistrict or community (any
// case), a Chinese unit type (区, 街道, 社区, ...), or an OSM admin_level
// number read with ChinaAdminLevels.
func AreaLevel(v string) (string, bool) {
	v = strings.TrimSpace(v)
	switch l := strings.ToLower(v); l {
	case District, Subdistrict, Community:
		return l, true
	}
	if l, ok := levelNames[v]; ok {
		return l, true
	}
	if n, err := strconv.Atoi(v); err == nil {
		l, ok := ChinaAdminLevels()[n]
		return l, ok
	}
	return "", false
}

// CheckArea says why an imported feature of the areas layer is no
// administrative unit — under MinAdminArea, unnamed, without a known
// level — or "" when it is one; its level becomes the level name. Run it
// after geo.Prepare (it reads area_m2).
func CheckArea(f *geo.Feature) string {
	if f.Layer != geo.Areas {
		return ""
	}
	if f.Float("area_m2") < MinAdminArea {
		return ReasonTinyArea
	}
	if strings.TrimSpace(f.Text("name")) == "" {
		return ReasonUnnamedArea
	}
	raw := f.Text("level")
	if strings.TrimSpace(raw) == "" {
		return ReasonNoLevel
	}
	l, ok := AreaLevel(raw)
	if !ok {
		return ReasonBadLevel // one reason for all values: a file cannot grow the summary
	}
	f.Props["level"] = l
	return ""
}
