package osm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	posm "github.com/paulmach/osm"
	"gopkg.in/yaml.v3"
)

// Rule maps OSM elements carrying one tag to a layer.
type Rule struct {
	Layer string
	Key   string
	// Value is the tag value, or "*" for any value but "no".
	Value string
	// Kind overrides what the rule gives the feature: the kind (green,
	// parcels, waste), the class (roads) or the level (areas). Empty: the
	// defaults of the package documentation (mostly the tag value).
	Kind string
	// Walkable (roads only), when set, replaces the computed walkable.
	Walkable *bool
	// Public (green only) is the public flag of an element without an
	// access tag; nil leaves it unknown (NULL). An access tag always wins.
	Public *bool
}

// Tag returns the rule's tag as "key=value".
func (r Rule) Tag() string { return r.Key + "=" + r.Value }

func (r Rule) matches(v string) bool {
	if r.Value == "*" {
		return v != "no"
	}
	return v == r.Value
}

// label names what the rule maps in skip reasons ("park as point").
func (r Rule) label() string {
	if r.Value == "*" || r.Key == "boundary" {
		return r.Key
	}
	return r.Value
}

// Mapping is an ordered list of rules. Within a layer the first rule with
// an exact value an element matches decides its feature, else its first
// key=* rule; an element may go to several layers.
type Mapping struct {
	Rules []Rule
	// AdminLevels maps the admin_level of a boundary=administrative
	// element to its area level (district, subdistrict, community); other
	// levels are skipped. Default importer.ChinaAdminLevels.
	AdminLevels map[int]string
	byKey       map[string][]int
}

// MaxAdminLevel is the largest admin_level a mapping may name (OSM uses
// 2–11).
const MaxAdminLevel = 12

func ptr(b bool) *bool { return &b }

// The table of the default mapping in the package documentation (osm.go)
// is rendered from DefaultMapping; TestMappingTable fails when they differ.
//go:generate go test -run ^TestMappingTable$ -update .

// DefaultMapping returns the mapping of the package documentation.
func DefaultMapping() *Mapping {
	rules := []Rule{
		{Layer: geo.Green, Key: "leisure", Value: "park", Public: ptr(true)},
		{Layer: geo.Green, Key: "leisure", Value: "garden", Public: ptr(false)},
		{Layer: geo.Green, Key: "leisure", Value: "playground", Public: ptr(true)},
		{Layer: geo.Green, Key: "landuse", Value: "recreation_ground", Public: ptr(true)},
		{Layer: geo.Green, Key: "landuse", Value: "village_green", Public: ptr(true)},
		{Layer: geo.Green, Key: "landuse", Value: "grass", Kind: "lawn"},
		{Layer: geo.Green, Key: "landuse", Value: "forest"},
		{Layer: geo.Green, Key: "natural", Value: "wood"},
		{Layer: geo.Green, Key: "natural", Value: "scrub"},
		{Layer: geo.Parcels, Key: "landuse", Value: "residential", Kind: "block"},
		{Layer: geo.Parcels, Key: "building", Value: "*", Kind: "building"},
		{Layer: geo.Roads, Key: "highway", Value: "*"},
		{Layer: geo.Waste, Key: "amenity", Value: "waste_basket", Kind: "litter_bin"},
		{Layer: geo.Waste, Key: "amenity", Value: "recycling", Kind: "recycling"},
		{Layer: geo.Waste, Key: "amenity", Value: "waste_disposal", Kind: "collection_point"},
		{Layer: geo.Waste, Key: "amenity", Value: "waste_transfer_station", Kind: "transfer_station"},
		{Layer: geo.Waste, Key: "amenity", Value: "toilets", Kind: "toilet"},
		{Layer: geo.Areas, Key: "boundary", Value: "administrative"},
	}
	m := &Mapping{Rules: rules, AdminLevels: importer.ChinaAdminLevels()}
	m.index()
	return m
}

// adminLevel returns the area level of an admin_level; a mapping built by
// hand without AdminLevels uses the default table.
func (m *Mapping) adminLevel(n int) (string, bool) {
	t := m.AdminLevels
	if t == nil {
		t = importer.ChinaAdminLevels()
	}
	l, ok := t[n]
	return l, ok
}

func (m *Mapping) index() {
	m.byKey = map[string][]int{}
	for i, r := range m.Rules {
		m.byKey[r.Key] = append(m.byKey[r.Key], i)
	}
}

// match returns the indices of the rules tags match, in rule order.
func (m *Mapping) match(tags posm.Tags) []int {
	if m.byKey == nil {
		m.index()
	}
	var out []int
	for _, t := range tags {
		for _, i := range m.byKey[t.Key] {
			if m.Rules[i].matches(t.Value) {
				out = append(out, i)
			}
		}
	}
	if len(out) > 1 {
		sortInts(out)
	}
	return out
}

func (m *Mapping) interesting(tags posm.Tags) bool {
	if m.byKey == nil {
		m.index()
	}
	for _, t := range tags {
		for _, i := range m.byKey[t.Key] {
			if m.Rules[i].matches(t.Value) {
				return true
			}
		}
	}
	return false
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// LoadMapping reads a mapping file (see ParseMapping).
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMapping(path, b)
}

// ParseMapping reads a YAML mapping that extends (or, with replace: true,
// replaces) the default one. The top level maps layer ids to lists of
// rules; a rule is either "key=value" or a mapping with the fields tag
// ("key=value", required), kind, walkable, public and off (true removes the
// rule of that tag). A rule with the tag of an existing rule of the layer
// replaces it in place; others are appended. admin_levels maps admin_level
// numbers (1–12) to district, subdistrict, community or skip, changing
// those entries of the default table (importer.ChinaAdminLevels; replace
// does not clear it). Errors name the file and line.
//
//	replace: false
//	green:
//	  - leisure=nature_reserve
//	  - {tag: landuse=meadow, kind: lawn, public: true}
//	roads:
//	  - {tag: highway=cycleway, walkable: false}
//	parcels:
//	  - {tag: building=*, off: true}
//	admin_levels:
//	  7: district   # a city whose 县级市 districts are at 7
//	  9: skip
func ParseMapping(name string, data []byte) (*Mapping, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty mapping file", name)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	mf := mappingFile(name)
	top := &doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		return nil, mf.errAt(top, "want a mapping of layer ids to rule lists")
	}
	replace := false
	var entries []ruleEntry
	levels := importer.ChinaAdminLevels()
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch {
		case k.Value == "replace":
			if err := v.Decode(&replace); err != nil {
				return nil, mf.errAt(v, "replace: want true or false")
			}
		case k.Value == "admin_levels":
			if err := mf.adminLevels(v, levels); err != nil {
				return nil, err
			}
		case geo.SchemaOf(k.Value) == nil:
			return nil, mf.errAt(k, "unknown layer %q (want one of green, parcels, roads, waste, areas, or replace, admin_levels)", k.Value)
		case v.Kind != yaml.SequenceNode:
			return nil, mf.errAt(v, "%s: want a list of rules", k.Value)
		default:
			for _, item := range v.Content {
				e, err := mf.rule(k.Value, item)
				if err != nil {
					return nil, err
				}
				entries = append(entries, e)
			}
		}
	}
	m := &Mapping{AdminLevels: levels}
	if !replace {
		m.Rules = DefaultMapping().Rules
	}
	m.merge(entries)
	m.index()
	return m, nil
}

// mappingFile is the name of a mapping file being parsed.
type mappingFile string

// errAt is an error at node n of the file, naming the file and line.
func (mf mappingFile) errAt(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s: line %d: %s", string(mf), n.Line, fmt.Sprintf(format, args...))
}

// ruleEntry is one rule of a mapping file, or with off the removal of the
// rule of its tag.
type ruleEntry struct {
	rule Rule
	off  bool
}

// adminLevels applies the admin_levels mapping v to levels.
func (mf mappingFile) adminLevels(v *yaml.Node, levels map[int]string) error {
	if v.Kind != yaml.MappingNode {
		return mf.errAt(v, "admin_levels: want a mapping of admin_level numbers to district, subdistrict, community or skip")
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		lk, lv := v.Content[j], v.Content[j+1]
		n, err := strconv.Atoi(lk.Value)
		if err != nil || n < 1 || n > MaxAdminLevel {
			return mf.errAt(lk, "admin_levels: %q: want an admin_level 1–%d", lk.Value, MaxAdminLevel)
		}
		switch lv.Value {
		case importer.District, importer.Subdistrict, importer.Community:
			levels[n] = lv.Value
		case "skip":
			delete(levels, n)
		default:
			return mf.errAt(lv, "admin_levels: %d: %q: want district, subdistrict, community or skip", n, lv.Value)
		}
	}
	return nil
}

// rule reads one rule of layer: "key=value" or a mapping of its fields.
func (mf mappingFile) rule(layer string, item *yaml.Node) (ruleEntry, error) {
	e := ruleEntry{rule: Rule{Layer: layer}}
	var tag string
	switch item.Kind {
	case yaml.ScalarNode:
		tag = item.Value
	case yaml.MappingNode:
		if err := mf.ruleFields(item, &e, &tag); err != nil {
			return e, err
		}
	default:
		return e, mf.errAt(item, "want a rule: \"key=value\" or {tag: key=value, ...}")
	}
	key, val, ok := strings.Cut(tag, "=")
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	if !ok || key == "" || val == "" {
		return e, mf.errAt(item, "rule tag %q: want key=value (value * for any)", tag)
	}
	e.rule.Key, e.rule.Value = key, val
	if e.rule.Walkable != nil && e.rule.Layer != geo.Roads {
		return e, mf.errAt(item, "walkable applies to roads only")
	}
	if e.rule.Public != nil && e.rule.Layer != geo.Green {
		return e, mf.errAt(item, "public applies to green only")
	}
	return e, nil
}

// ruleFields reads the fields of a rule written as a mapping into e and
// its tag.
func (mf mappingFile) ruleFields(item *yaml.Node, e *ruleEntry, tag *string) error {
	for j := 0; j+1 < len(item.Content); j += 2 {
		fk, fv := item.Content[j], item.Content[j+1]
		var err error
		switch fk.Value {
		case "tag":
			err = fv.Decode(tag)
		case "kind":
			err = fv.Decode(&e.rule.Kind)
		case "walkable":
			var b bool
			err = fv.Decode(&b)
			e.rule.Walkable = &b
		case "public":
			var b bool
			err = fv.Decode(&b)
			e.rule.Public = &b
		case "off":
			err = fv.Decode(&e.off)
		default:
			return mf.errAt(fk, "unknown rule field %q (want tag, kind, walkable, public or off)", fk.Value)
		}
		if err != nil {
			return mf.errAt(fv, "%s: %v", fk.Value, err)
		}
	}
	return nil
}

// merge applies the rules of a mapping file in order: a rule replaces the
// rule of the same layer and tag in place, or is appended; off removes it.
func (m *Mapping) merge(entries []ruleEntry) {
	for _, e := range entries {
		at := -1
		for i, r := range m.Rules {
			if r.Layer == e.rule.Layer && r.Key == e.rule.Key && r.Value == e.rule.Value {
				at = i
				break
			}
		}
		switch {
		case e.off && at >= 0:
			m.Rules = append(m.Rules[:at], m.Rules[at+1:]...)
		case e.off:
		case at >= 0:
			m.Rules[at] = e.rule
		default:
			m.Rules = append(m.Rules, e.rule)
		}
	}
}

// WriteYAML writes the mapping in the file format of ParseMapping (with
// replace: true, so reading it back gives exactly this mapping).
func (m *Mapping) WriteYAML(w io.Writer) error {
	var b strings.Builder
	b.WriteString("replace: true\n")
	for _, sc := range geo.Schemas {
		first := true
		for _, r := range m.Rules {
			if r.Layer != sc.ID {
				continue
			}
			if first {
				fmt.Fprintf(&b, "%s:\n", sc.ID)
				first = false
			}
			var fields []string
			if r.Kind != "" {
				fields = append(fields, "kind: "+yamlString(r.Kind))
			}
			if r.Walkable != nil {
				fields = append(fields, fmt.Sprintf("walkable: %v", *r.Walkable))
			}
			if r.Public != nil {
				fields = append(fields, fmt.Sprintf("public: %v", *r.Public))
			}
			if len(fields) == 0 {
				fmt.Fprintf(&b, "  - %s\n", yamlString(r.Tag()))
			} else {
				fmt.Fprintf(&b, "  - {tag: %s, %s}\n", yamlString(r.Tag()), strings.Join(fields, ", "))
			}
		}
	}
	// admin_levels: the whole table, each default level not in it skipped.
	def := importer.ChinaAdminLevels()
	b.WriteString("admin_levels:\n")
	for n := 1; n <= MaxAdminLevel; n++ {
		l, ok := m.adminLevel(n)
		switch {
		case ok:
			fmt.Fprintf(&b, "  %d: %s\n", n, l)
		case def[n] != "":
			fmt.Fprintf(&b, "  %d: skip\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func yamlString(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}
