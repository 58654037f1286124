package tiles

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/i18n"
	"github.com/paulmach/orb"
)

// VectorLayer describes a tile layer as TileJSON 3.0.0 and PMTiles
// metadata do: its fields with their types (String, Number, Boolean).
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

// VectorLayerOf describes the tile layer id written with schema sc, at
// every zoom served; callers that know the data narrow MaxZoom to its
// DetailZoom.
func VectorLayerOf(id string, sc *geo.Schema) VectorLayer {
	fields := make(map[string]string, len(sc.Fields))
	for _, f := range sc.Fields {
		fields[f.Name] = fieldTypes[f.Type]
	}
	return VectorLayer{ID: id, Description: sc.Title, Fields: fields, MaxZoom: MaxZoom}
}

// fieldTypes names the schema's field types as TileJSON does.
var fieldTypes = map[geo.FieldType]string{geo.Text: "String", geo.Int: "Number", geo.Real: "Number", geo.Bool: "Boolean"}

// Attribution is "© OpenStreetMap contributors" when any of the layers holds
// OpenStreetMap features (their first thousand are looked at: imports put a
// source's features together), else "".
func Attribution(snap *index.Snapshot, layers []string) string {
	for _, l := range layers {
		ly := snap.Layer(l)
		if ly == nil {
			continue
		}
		osm, n := false, 0
		ly.Scan(func(f *geo.Feature) bool {
			osm = osm || strings.HasPrefix(f.Source, "osm")
			n++
			return !osm && n < 1000
		})
		if osm {
			return "© OpenStreetMap contributors"
		}
	}
	return ""
}

// setWords name the tile sets that are not one layer's: the public map
// (Public) and the coverage layer the API cuts from an audit.
var setWords = i18n.Catalog{
	"public.name":          {ZH: "公开地图", EN: "public map"},
	"public.description":   {ZH: "公开地图的图层：%s", EN: "the public map's layers: %s"},
	"coverage.name":        {ZH: "公园绿地步行覆盖", EN: "park coverage"},
	"coverage.description": {ZH: "居住地块到最近达标绿地的步行距离", EN: "Parcels by walking distance to the nearest qualifying green space"},
}

// Titles are a tile set's TileJSON name and description in l: a layer's
// title and description, or those of the public map or the coverage set.
func Titles(set string, l i18n.Lang) (name, description string) {
	if sc := geo.SchemaOf(set); sc != nil {
		return "greenreach " + sc.TitleIn(l), sc.Description.In(l)
	}
	if !setWords.Has(set + ".name") {
		return "greenreach " + set, ""
	}
	name = "greenreach " + setWords.T(l, set+".name")
	if set != "public" {
		return name, setWords.T(l, set+".description")
	}
	titles := make([]string, 0, len(Public))
	for _, id := range Public {
		if sc := geo.SchemaOf(id); sc != nil {
			titles = append(titles, sc.TitleIn(l))
		}
	}
	sep := ", "
	if l != i18n.EN {
		sep = "、"
	}
	return name, setWords.T(l, "public.description", strings.Join(titles, sep))
}

// VectorLayerIn is VectorLayerOf with its description, the layer's title,
// in l.
func VectorLayerIn(id string, sc *geo.Schema, l i18n.Lang) VectorLayer {
	v := VectorLayerOf(id, sc)
	v.Description = sc.TitleIn(l)
	if sc.TitleZH == "" && setWords.Has(id+".description") {
		v.Description = setWords.T(l, id+".description")
	}
	return v
}

// Semver is a TileJSON version (semver) of the named layers' tiles: 1.N.0,
// N the sum of the layers' versions, which grows with every edit of any of
// them (TileJSON 3.0.0: a change across tiles changes the minor version).
func Semver(snap *index.Snapshot, layers []string) string {
	var n int64
	for _, l := range layers {
		if ly := snap.Layer(l); ly != nil {
			n += ly.Version
		}
	}
	return "1." + strconv.FormatInt(n, 10) + ".0"
}

// Detail zooms: features looked at per layer, the share of them whose
// detail the zoom must show, and the ground size of a tile unit at which
// tiles are deep enough whatever the detail.
const (
	detailSample   = 4096
	detailQuantile = 0.95
	detailGround   = 1.0 // metres
)

// earthCircumference is the equator's length on the Web Mercator sphere, in
// metres.
const earthCircumference = 2 * math.Pi * 6378137

// DetailZoom is the layer's real maximum zoom: the deepest at which its
// tiles still gain detail, above which a client overzooms (TileJSON
// maxzoom). It is the least zoom at which one tile unit (1/Extent of a
// tile) is no longer than the shortest segment — for points, the distance
// to the nearest other point — of 95% of the features looked at (at most
// 4,096, spread over the layer), or than a metre on the ground at the
// layer's middle latitude if that is less deep: there, snapping to the grid
// moves no vertex by more than half a metre. An empty layer's is 0.
func DetailZoom(l *index.Layer) int {
	b, ok := l.Bound()
	if !ok {
		return 0
	}
	// One metre on the ground at the layer's middle, in world units.
	lat := b.Center()[1] * math.Pi / 180
	floor := zoomFor(detailGround / (earthCircumference * math.Cos(lat)))
	step := l.Len()/detailSample + 1
	var zs []int
	i := 0
	l.Scan(func(f *geo.Feature) bool {
		if i++; (i-1)%step != 0 {
			return true
		}
		d := shortestSegment(f.Geom)
		if _, ok := f.Geom.(orb.Point); ok {
			d = math.Inf(1)
			for _, h := range l.Nearest(f.Geom.(orb.Point), 2, 0) {
				if h.Feature != f && h.Distance > 0 {
					d = h.Distance / (earthCircumference * math.Cos(f.Geom.(orb.Point)[1]*math.Pi/180))
				}
			}
		}
		if d > 0 && !math.IsInf(d, 1) {
			zs = append(zs, zoomFor(d))
		}
		return true
	})
	z := floor
	if len(zs) > 0 {
		slices.Sort(zs)
		z = max(z, zs[int(math.Ceil(detailQuantile*float64(len(zs))))-1])
	}
	return min(max(z, 0), MaxZoom)
}

// zoomFor is the least zoom at which a tile unit is no longer than d
// world units (the world is 1 wide).
func zoomFor(d float64) int {
	z := int(math.Ceil(math.Log2(1 / (Extent * d))))
	for z > 0 && 1/(Extent*math.Exp2(float64(z-1))) <= d { // log2's rounding
		z--
	}
	for 1/(Extent*math.Exp2(float64(z))) > d {
		z++
	}
	return max(z, 0)
}

// shortestSegment is the shortest non-zero segment of g's lines and rings
// in Web Mercator world units (the world is 1 wide); +Inf when it has none.
func shortestSegment(g orb.Geometry) float64 {
	d := math.Inf(1)
	line := func(ps []orb.Point) {
		for i := 1; i < len(ps); i++ {
			a, b := worldXY(ps[i-1]), worldXY(ps[i])
			if s := math.Hypot(b[0]-a[0], b[1]-a[1]); s > 0 && s < d {
				d = s
			}
		}
	}
	switch t := g.(type) {
	case orb.LineString:
		line(t)
	case orb.MultiLineString:
		for _, l := range t {
			line(l)
		}
	case orb.Polygon:
		for _, r := range t {
			line(r)
		}
	case orb.MultiPolygon:
		for _, p := range t {
			for _, r := range p {
				line(r)
			}
		}
	case orb.MultiPoint:
		line(t)
	}
	return d
}

// worldXY is p in Web Mercator world units: x and y in 0–1, y down.
func worldXY(p orb.Point) orb.Point {
	lat := math.Max(-85.0511287798, math.Min(85.0511287798, p[1])) * math.Pi / 180
	return orb.Point{(p[0] + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2}
}

// DetailZooms remembers each layer's DetailZoom for its latest version, so
// that TileJSON and tileset requests do not walk the layer every time. It
// holds a few numbers per layer id; safe for concurrent use.
type DetailZooms struct {
	mu sync.Mutex
	m  map[string]detailZoom
}

// detailZoom is a layer's DetailZoom with what identifies the layer's
// contents: its version, size and bound.
type detailZoom struct {
	version int64
	n       int
	bound   orb.Bound
	zoom    int
}

// Of is DetailZoom(l), computed once per version of the layer.
func (d *DetailZooms) Of(l *index.Layer) int {
	b, _ := l.Bound()
	key := detailZoom{version: l.Version, n: l.Len(), bound: b}
	d.mu.Lock()
	got, ok := d.m[l.Schema.ID]
	d.mu.Unlock()
	if ok && got.version == key.version && got.n == key.n && got.bound == key.bound {
		return got.zoom
	}
	key.zoom = DetailZoom(l)
	d.mu.Lock()
	if d.m == nil {
		d.m = map[string]detailZoom{}
	}
	d.m[l.Schema.ID] = key
	d.mu.Unlock()
	return key.zoom
}
