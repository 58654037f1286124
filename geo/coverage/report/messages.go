package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
)

// messages are the report's own words in Chinese and English: every string
// of the table, the HTML page and the CSV's header that is not data. The
// bureaus' terms follow the pages' catalogues (static/i18n).
var messages = i18n.Catalog{
	// The page and its summary.
	"doc.title":         {ZH: "greenreach 公园绿地服务覆盖考核报告", EN: "greenreach coverage audit"},
	"heading":           {ZH: "公园绿地服务覆盖考核", EN: "Coverage audit"},
	"table.heading":     {ZH: "覆盖考核", EN: "coverage audit"},
	"rules":             {ZH: "规则：%s", EN: "rules %s"},
	"rules.default":     {ZH: "默认规则", EN: "default"},
	"mode.walk":         {ZH: "按步行路网计算距离", EN: "distances by walking"},
	"mode.straight":     {ZH: "按直线计算距离", EN: "distances by straight line"},
	"parcels":           {ZH: "居住地块 %s 个，居民 %s 人", EN: "%s parcels, %s residents"},
	"sources":           {ZH: "居民人数：数据给出 %s 人（%s 个地块），按建筑面积估算 %s 人（%s 个），按用地面积估算 %s 人（%s 个）", EN: "residents given %s (%s parcels), estimated by building %s (%s), by area %s (%s)"},
	"paren":             {ZH: "（%s）", EN: " (%s)"},
	"generated":         {ZH: "生成于 %s", EN: "generated %s"},
	"datetime":          {ZH: "2006年1月2日 15:04（北京时间）", EN: "2006-01-02 15:04 UTC"},
	"network":           {ZH: "步行路网：%s", EN: "walking network: %s"},
	"network.stats":     {ZH: "%s 个节点、%s 条路段、共 %s 公里、%s 个连通片区", EN: "%s nodes, %s edges, %s km, %s components"},
	"units":             {ZH: "统计单元：%s", EN: "units: %s"},
	"units.areas":       {ZH: "区域图层中的行政区划（区、街道、社区）", EN: "administrative areas of the areas layer"},
	"units.grid":        {ZH: "%d × %d 米管理网格（层级 %q，编号 G<边长>-N<行>-E<列>），因区域图层为空而生成；仅列出含居住地块的网格", EN: "grid cells of %d × %d m (level %q, code G<size>-N<row>-E<column>), generated because the areas layer is empty; only cells holding parcels are listed"},
	"footer":            {ZH: "greenreach 公园绿地服务覆盖考核。", EN: "greenreach coverage audit."},
	"footer.data":       {ZH: "数据：%s。", EN: "Data %s."},
	"map.label":         {ZH: "覆盖情况地图", EN: "coverage map"},
	"map.caption":       {ZH: "居住地块按距离着色（%s）：", EN: "Parcels by distance — %s: "},
	"legend.near":       {ZH: "≤ %s 米", EN: "≤ %s m"},
	"legend.mid":        {ZH: "%s–%s 米", EN: "%s–%s m"},
	"legend.far":        {ZH: "> %s 米或不可达", EN: "> %s m or unreachable"},
	"legend.gap":        {ZH: "绿带缺口", EN: "green corridor gap"},
	"legend.units":      {ZH: "虚线：区、街道、社区界线", EN: "dashed: districts and communities"},
	"gap":               {ZH: "绿带缺口 %s 米（道路%s）", EN: "gap %s m (%s side)"},
	"side.left":         {ZH: "左侧", EN: "left"},
	"side.right":        {ZH: "右侧", EN: "right"},
	"rule.line":         {ZH: "%s，达标线 %s", EN: "%s, pass %s"},
	"rule.source":       {ZH: "依据：%s", EN: "source: %s"},
	"col.unit":          {ZH: "统计单元", EN: "unit"},
	"col.level":         {ZH: "层级", EN: "level"},
	"col.value":         {ZH: "指标值", EN: "value"},
	"col.verdict":       {ZH: "结论", EN: "verdict"},
	"col.residents":     {ZH: "居民", EN: "residents"},
	"col.covered":       {ZH: "覆盖居民", EN: "covered"},
	"col.straight":      {ZH: "按直线", EN: "straight line"},
	"col.gaps":          {ZH: "缺口", EN: "gaps"},
	"verdict.pass":      {ZH: "达标", EN: "pass"},
	"verdict.fail":      {ZH: "未达标", EN: "FAIL"},
	"verdict.na":        {ZH: "—", EN: "—"},
	"value.na":          {ZH: "不适用", EN: "n/a"},
	"value.noTarget":    {ZH: "∞（无设施）", EN: "∞ (no target)"},
	"value.percent":     {ZH: "%s%%", EN: "%s%%"},
	"value.perCapita":   {ZH: "%s 平方米/人", EN: "%s m²"},
	"threshold.share":   {ZH: "≥ %s%%", EN: "≥ %s%%"},
	"threshold.min":     {ZH: "> %s 平方米/人", EN: "> %s m²"},
	"threshold.max":     {ZH: "≤ %s 人", EN: "≤ %s"},
	"status.ok":         {ZH: "有效", EN: coverage.StatusOK},
	"status.na":         {ZH: "不适用", EN: coverage.StatusNA},
	"status.noTarget":   {ZH: "无设施", EN: coverage.StatusNoTarget},
	"yes":               {ZH: "是", EN: "true"},
	"no":                {ZH: "否", EN: "false"},
	"level.city":        {ZH: "全市", EN: "city"},
	"level.district":    {ZH: "区", EN: "district"},
	"level.subdistrict": {ZH: "街道", EN: "subdistrict"},
	"level.community":   {ZH: "社区", EN: "community"},
	"level.grid":        {ZH: "网格", EN: coverage.Grid},
	"unit.city":         {ZH: "全市", EN: "city"},

	// What each rule type measures.
	"measure." + coverage.WalkAccess:         {ZH: "覆盖居民比例", EN: "share of residents"},
	"measure." + coverage.RadiusCoverage:     {ZH: "覆盖居住用地比例", EN: "share of residential land"},
	"measure." + coverage.AreaRatio:          {ZH: "绿地面积 ÷ 单元面积（绿地率）", EN: "green ÷ unit area"},
	"measure." + coverage.PerCapita:          {ZH: "人均公园绿地面积（平方米）", EN: "m² per resident"},
	"measure." + coverage.ResidentsPerTarget: {ZH: "每处设施服务居民数", EN: "residents per target"},
	"measure." + coverage.Corridor:           {ZH: "道路两侧绿带连续比例", EN: "share of road sides"},

	// The CSV's header, in column order (English: the columns' names as
	// programs have read them, unchanged).
	"csv.rule":        {ZH: "规则编号", EN: "rule"},
	"csv.type":        {ZH: "规则类型", EN: "type"},
	"csv.unit":        {ZH: "统计单元", EN: "unit"},
	"csv.unit_id":     {ZH: "单元编号", EN: "unit_id"},
	"csv.level":       {ZH: "层级", EN: "level"},
	"csv.value":       {ZH: "指标值", EN: "value"},
	"csv.threshold":   {ZH: "达标线", EN: "threshold"},
	"csv.pass":        {ZH: "是否达标", EN: "pass"},
	"csv.residents":   {ZH: "居民人数", EN: "residents"},
	"csv.covered":     {ZH: "覆盖居民人数", EN: "residents_covered"},
	"csv.land":        {ZH: "居住用地面积（平方米）", EN: "land_m2"},
	"csv.landCovered": {ZH: "覆盖居住用地面积（平方米）", EN: "land_covered_m2"},
	"csv.straight":    {ZH: "按直线覆盖比例", EN: "straight_line_share"},
	"csv.gaps":        {ZH: "绿带缺口数", EN: "gaps"},
	"csv.status":      {ZH: "状态", EN: "status"},
	"csv.given":       {ZH: "数据给出居民", EN: "residents_given"},
	"csv.building":    {ZH: "按建筑面积估算居民", EN: "residents_estimated_building"},
	"csv.area":        {ZH: "按用地面积估算居民", EN: "residents_estimated_area"},
	"csv.title":       {ZH: "规则名称", EN: "rule_title"},
}

// csvColumns are the CSV's columns in order, as keys of messages.
var csvColumns = []string{"csv.rule", "csv.type", "csv.unit", "csv.unit_id", "csv.level", "csv.value", "csv.threshold", "csv.pass",
	"csv.residents", "csv.covered", "csv.land", "csv.landCovered", "csv.straight", "csv.gaps", "csv.status", "csv.given", "csv.building", "csv.area", "csv.title"}

// words speaks the report's language.
type words struct{ lang i18n.Lang }

func (w words) t(key string, args ...any) string { return messages.T(w.lang, key, args...) }

// beijing is China Standard Time, the time Chinese readers read.
var beijing = time.FixedZone("CST", 8*3600)

// date is an instant as the reader expects it: 2026年12月6日 17:15（北京时间）
// in Chinese, 2026-12-06 09:15 UTC in English.
func (w words) date(t time.Time) string {
	if w.lang == i18n.EN {
		return t.UTC().Format(w.t("datetime"))
	}
	return t.In(beijing).Format(w.t("datetime"))
}

// level names an administrative level ("district" → 区); an unknown one
// stays as it is.
func (w words) level(l string) string {
	if messages.Has("level." + l) {
		return w.t("level." + l)
	}
	return l
}

// unit is a unit's name, the whole city's in the reader's words.
func (w words) unit(u *coverage.Unit) string {
	if u.Level == "city" {
		return w.t("unit.city")
	}
	return u.Name
}

// Measure names what a rule type's value is, in l ("" for an unknown type).
func Measure(ruleType string, l i18n.Lang) string {
	if !messages.Has("measure." + ruleType) {
		return ""
	}
	return messages.T(l, "measure."+ruleType)
}

func (w words) status(u *coverage.UnitResult) string {
	switch u.Status() {
	case coverage.StatusNA:
		return w.t("status.na")
	case coverage.StatusNoTarget:
		return w.t("status.noTarget")
	}
	return w.t("status.ok")
}

// sources is a coverage.PopSources for people.
func (w words) sources(s coverage.PopSources) string {
	return w.t("sources", group(s.Given), group(int64(s.GivenParcels)), group(s.Building), group(int64(s.BuildingParcels)), group(s.Area), group(int64(s.AreaParcels)))
}

// unitsNote says what the units reported on are.
func (w words) unitsNote(a *coverage.Audit) string {
	if a.GridSize == 0 {
		return w.t("units.areas")
	}
	return w.t("units.grid", a.GridSize, a.GridSize, coverage.Grid)
}

// graphStats reads the walking network's summary as network.Graph.String
// writes it.
var graphStats = regexp.MustCompile(`^(\d+) nodes, (\d+) edges, ([\d.]+) km, (\d+) components$`)

// network is the walking network's summary in the reader's words (as it is
// when it is not the graph's usual summary).
func (w words) network(s string) string {
	m := graphStats.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	n := make([]any, 4)
	for i, v := range m[1:] {
		if i == 2 {
			n[i] = v
			continue
		}
		k, _ := strconv.ParseInt(v, 10, 64)
		n[i] = group(k)
	}
	return w.t("network.stats", n...)
}

func (w words) rulesName(name string) string {
	if name == "default" {
		return w.t("rules.default")
	}
	return name
}

// group writes n with thousands separators, as both languages read it
// (12,345); never in CSV numbers.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// decimal writes v with prec decimals, the whole part grouped.
func decimal(v float64, prec int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := group(n)
	if v < 0 && s != strconv.FormatFloat(0, 'f', prec, 64) {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// short writes v in the fewest digits that say it (%g), grouped when whole.
func short(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(int64(v))
	}
	return fmt.Sprintf("%g", v)
}
