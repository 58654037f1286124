package osm

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/greenreach/greenreach/importer"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	posm "github.com/paulmach/osm"
)

// Skip reasons of the OSM importer (besides repair.Reason* and
// importer.Reason*); "%s as point" and "%s as line" name the rule's value
// ("park as point").
const (
	ReasonIncompleteRelation = "incomplete relation"
	ReasonIncompleteWay      = "incomplete way"
	ReasonNoOuter            = "relation without outer ring"
	ReasonHighwayArea        = "highway as area"
	ReasonNotBuilt           = "highway not built (proposed, construction, abandoned)"
	ReasonNoAdminLevel       = "no admin_level 1–12"
)

// geomKind is what an element's geometry turned out to be.
type geomKind int

const (
	gPoint geomKind = iota
	gLine
	gPolygon
	gBroken // reason says why
)

// element is one OSM node, way or relation with its geometry built once.
type element struct {
	sid    string // n123, w123, r123
	tags   posm.Tags
	kind   geomKind
	reason string // for gBroken
	pt     orb.Point
	line   orb.LineString
	poly   orb.MultiPolygon
	relTyp string // relations: the type tag
	area   bool   // ways: area=yes
}

// cand is a feature built from an element, with the classes (rule tags)
// the element counts in.
type cand struct {
	f       *geo.Feature
	classes []string
	rule    Rule
	tags    posm.Tags
}

type builder struct {
	m     *Mapping
	d     *data
	sum   *importer.Summary
	cands []*cand
}

func (b *builder) build() {
	rels := slices.Clone(b.d.rels)
	slices.SortStableFunc(rels, func(x, y relRec) int { return cmp.Compare(int64(x.id), int64(y.id)) })
	for i, r := range rels {
		if i+1 < len(rels) && rels[i+1].id == r.id {
			continue // duplicate in the file: the last one wins
		}
		b.element(b.relation(r))
	}
	wayIDs := slices.Clone(b.d.wayIDs)
	slices.Sort(wayIDs)
	wayIDs = slices.Compact(wayIDs)
	for _, id := range wayIDs {
		b.element(b.way(id, b.d.ways[id]))
	}
	nodes := slices.Clone(b.d.nodes)
	slices.SortStableFunc(nodes, func(x, y nodeRec) int { return cmp.Compare(int64(x.id), int64(y.id)) })
	for i, n := range nodes {
		if i+1 < len(nodes) && nodes[i+1].id == n.id {
			continue
		}
		b.element(&element{sid: fmt.Sprintf("n%d", n.id), tags: n.tags, kind: gPoint, pt: n.pt})
	}
}

func (b *builder) way(id posm.WayID, w *wayRec) *element {
	e := &element{sid: fmt.Sprintf("w%d", id), tags: w.tags, area: w.tags.Find("area") == "yes"}
	ls := make(orb.LineString, 0, len(w.nodes))
	for _, n := range w.nodes {
		p, ok := b.d.coords[n]
		if !ok {
			e.kind, e.reason = gBroken, ReasonIncompleteWay
			return e
		}
		ls = append(ls, p)
	}
	e.line = ls
	closed := len(w.nodes) >= 4 && w.nodes[0] == w.nodes[len(w.nodes)-1]
	if closed && w.tags.Find("area") != "no" {
		r := orb.Ring(slices.Clone(ls))
		p := orb.Polygon{r}
		repair.Orient(p)
		e.kind, e.poly = gPolygon, orb.MultiPolygon{p}
	} else {
		e.kind = gLine
	}
	return e
}

// element turns one element into candidate features, one per layer it
// matches, or counts why it cannot be one.
func (b *builder) element(e *element) {
	idx := b.m.match(e.tags)
	if len(idx) == 0 {
		return
	}
	for _, sc := range geo.Schemas {
		var rules []Rule
		for _, i := range idx {
			if b.m.Rules[i].Layer == sc.ID {
				rules = append(rules, b.m.Rules[i])
			}
		}
		if len(rules) == 0 {
			continue
		}
		classes := make([]string, len(rules))
		for i, r := range rules {
			classes[i] = r.Tag()
		}
		// an exact value beats key=*, else table order
		rule := rules[0]
		for _, r := range rules {
			if r.Value != "*" {
				rule = r
				break
			}
		}
		g, reason := b.geometry(sc, rule, e)
		var f *geo.Feature
		if reason == "" {
			f, reason = b.feature(sc.ID, rule, e, g)
		}
		if reason != "" {
			b.sum.Skip(sc.ID, reason)
			for _, c := range classes {
				b.sum.Class(c, sc.ID).Skipped[reason]++
			}
			continue
		}
		b.cands = append(b.cands, &cand{f: f, classes: classes, rule: rule, tags: e.tags})
	}
}

// geometry picks the element's geometry for a layer.
func (b *builder) geometry(sc *geo.Schema, r Rule, e *element) (orb.Geometry, string) {
	if e.kind == gBroken {
		return nil, e.reason
	}
	switch sc.Geom {
	case geo.MultiPolygon:
		switch e.kind {
		case gPolygon:
			return e.poly, ""
		case gPoint:
			return nil, r.label() + " as point"
		default:
			if e.relTyp != "" {
				return nil, "relation type=" + e.relTyp
			}
			return nil, r.label() + " as line"
		}
	case geo.MultiLineString:
		switch {
		case e.kind == gPoint:
			return nil, r.label() + " as point"
		case e.relTyp == "multipolygon":
			return nil, ReasonHighwayArea
		case e.relTyp != "":
			return nil, "relation type=" + e.relTyp
		case e.area:
			return nil, ReasonHighwayArea
		}
		return e.line, ""
	case geo.Point:
		switch e.kind {
		case gPoint:
			return e.pt, ""
		case gPolygon:
			c, _ := planar.CentroidArea(e.poly)
			return orb.Point{round7(c[0]), round7(c[1])}, ""
		default:
			if e.relTyp != "" {
				return nil, "relation type=" + e.relTyp
			}
			return nil, r.label() + " as line"
		}
	}
	return nil, repair.ReasonWrongGeometry
}

// feature builds the feature of a layer with its attributes.
func (b *builder) feature(layer string, r Rule, e *element, g orb.Geometry) (*geo.Feature, string) {
	tags := e.tags
	props := map[string]any{}
	if n := name(tags); n != "" {
		props["name"] = n
	}
	val := tags.Find(r.Key)
	kind := r.Kind
	if kind == "" {
		kind = val
	}
	switch layer {
	case geo.Green:
		props["kind"] = kind
		if pub, ok := public(tags, r.Public); ok {
			props["public"] = pub
		}
	case geo.Parcels:
		if r.Kind == "" {
			kind = "block"
			if r.Key == "building" {
				kind = "building"
			}
		}
		props["kind"] = kind
		if lv, ok := levels(tags); ok && kind == "building" {
			props["levels"] = int64(lv)
		}
	case geo.Roads:
		if isNotBuilt(val) {
			return nil, ReasonNotBuilt
		}
		props["class"] = kind
		walk := walkable(val, tags)
		if r.Walkable != nil {
			walk = *r.Walkable
		}
		props["walkable"] = walk
		props["ring"] = isRing(tags)
	case geo.Waste:
		props["kind"] = kind
	case geo.Areas:
		level := r.Kind
		if level == "" {
			s := tags.Find("admin_level")
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if s == "" || err != nil || n < 1 || n > MaxAdminLevel {
				return nil, ReasonNoAdminLevel
			}
			var ok bool
			if level, ok = b.m.adminLevel(n); !ok {
				return nil, fmt.Sprintf("admin_level %d not mapped", n) // at most 12 reasons
			}
		}
		props["level"] = level
		code := strings.TrimSpace(tags.Find("ref"))
		if code == "" {
			code = "osm:" + e.sid
		}
		props["code"] = code
		props["parent"] = ""
	}
	return &geo.Feature{Layer: layer, Source: Source, SourceID: e.sid, Geom: g, Props: props}, ""
}

func name(tags posm.Tags) string {
	for _, k := range []string{"name", "name:zh", "name:en"} {
		if v := strings.TrimSpace(tags.Find(k)); v != "" {
			return v
		}
	}
	return ""
}

// public: the access tag decides when present; else the rule's default.
func public(tags posm.Tags, def *bool) (bool, bool) {
	switch tags.Find("access") {
	case "private", "no", "customers", "permit", "delivery":
		return false, true
	case "yes", "public", "permissive", "destination":
		return true, true
	}
	if def == nil {
		return false, false
	}
	return *def, true
}

// levels parses building:levels ("6", "5.5", "6;8": the first number).
func levels(tags posm.Tags) (int, bool) {
	s := strings.TrimSpace(tags.Find("building:levels"))
	if i := strings.IndexAny(s, ";,-"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0.5 || v > 300 {
		return 0, false
	}
	return int(math.Round(v)), true
}

func isNotBuilt(class string) bool {
	switch class {
	case "proposed", "construction", "abandoned", "disused", "razed", "planned":
		return true
	}
	return false
}

// walkable: false for motorways and their links, for foot=no or
// foot=use_sidepath, and for access=no unless foot allows it.
func walkable(class string, tags posm.Tags) bool {
	foot := tags.Find("foot")
	switch foot {
	case "no", "use_sidepath":
		return false
	case "yes", "designated", "permissive", "destination":
		return true
	}
	switch class {
	case "motorway", "motorway_link":
		return false
	}
	return tags.Find("access") != "no"
}

var ringRE = regexp.MustCompile(`环路|环线|环城|[一二三四五六七八九十内中外]环|(?i)ring\s*road|périphérique`)

// isRing: the name (or name:zh, name:en, official_name) names a ring road.
func isRing(tags posm.Tags) bool {
	for _, k := range []string{"name", "name:zh", "name:en", "official_name"} {
		if v := tags.Find(k); v != "" && ringRE.MatchString(v) {
			return true
		}
	}
	return false
}
