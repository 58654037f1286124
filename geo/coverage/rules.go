// Package coverage evaluates the bureaus' coverage rules — walking access,
// straight-line service radii, green ratios, per-capita provision and green
// corridors — for every district and community and the whole city.
package coverage

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/grid"
	"github.com/greenreach/greenreach/i18n"
	"gopkg.in/yaml.v3"
)

// Rule types.
const (
	WalkAccess         = "walk_access"
	RadiusCoverage     = "radius_coverage"
	AreaRatio          = "area_ratio"
	PerCapita          = "per_capita"
	ResidentsPerTarget = "residents_per_target"
	Corridor           = "corridor"
)

// RuleSet is a list of rules, as read from YAML.
type RuleSet struct {
	Name  string `yaml:"-"` // the file, or "default"
	Rules []Rule `yaml:"rules"`
	// GridSize is the side (m) of the management cells an audit reports
	// on where the city has no areas; 0: 1000 (1 km² cells).
	GridSize int `yaml:"grid_size_m,omitempty"`
}

// Rule is one coverage rule. Which fields apply depends on Type.
type Rule struct {
	ID string `yaml:"id"`
	// Title and Description are in Chinese and English: r.Title.In(lang).
	Title       i18n.Text `yaml:"title"`
	Description i18n.Text `yaml:"description,omitempty"`
	Type        string    `yaml:"type"`
	Level       string    `yaml:"level,omitempty"` // evaluate for this level only (and the city)
	Target      Filter    `yaml:"target"`
	Meters      float64   `yaml:"meters,omitempty"`
	Tiers       []Tier    `yaml:"tiers,omitempty"`
	Pass        float64   `yaml:"pass,omitempty"` // share that passes (walk_access, radius_coverage, corridor)
	Min         float64   `yaml:"min,omitempty"`  // area_ratio: ratio; per_capita: m² per resident
	Max         float64   `yaml:"max,omitempty"`  // residents_per_target
	Roads       Filter    `yaml:"roads,omitempty"`
	MaxGap      float64   `yaml:"max_gap_m,omitempty"`
	Source      i18n.Text `yaml:"source,omitempty"` // the standard or plan it comes from
}

// Tier is a service radius for targets of at least MinArea m².
type Tier struct {
	MinArea float64 `yaml:"min_area_m2"`
	Meters  float64 `yaml:"meters"`
}

// Filter selects features: of a layer, of some kinds (or road classes), at
// least/most so large, public or not, ring roads.
type Filter struct {
	Layer   string   `yaml:"layer,omitempty"`
	Kinds   []string `yaml:"kinds,omitempty"`
	Classes []string `yaml:"classes,omitempty"`
	MinArea float64  `yaml:"min_area_m2,omitempty"`
	MaxArea float64  `yaml:"max_area_m2,omitempty"`
	Public  *bool    `yaml:"public,omitempty"`
	Ring    *bool    `yaml:"ring,omitempty"`
}

// Match reports whether f passes the filter (its layer is checked by the
// caller). For roads, Ring and Classes are alternatives: a road that is a
// ring road or of one of the classes matches.
func (fl *Filter) Match(f *geo.Feature) bool {
	if len(fl.Kinds) > 0 && !slices.Contains(fl.Kinds, f.Text("kind")) {
		return false
	}
	if fl.MinArea > 0 && f.Float("area_m2") < fl.MinArea {
		return false
	}
	if fl.MaxArea > 0 && f.Float("area_m2") >= fl.MaxArea {
		return false
	}
	if fl.Public != nil && f.Bool("public") != *fl.Public {
		return false
	}
	if fl.Ring != nil || len(fl.Classes) > 0 {
		ring := fl.Ring != nil && f.Bool("ring") == *fl.Ring
		class := slices.Contains(fl.Classes, f.Text("class"))
		if !ring && !class {
			return false
		}
	}
	return true
}

//go:embed rules.yaml
var defaultRules []byte

// Default returns the shipped rule set (rules.yaml, with its sources).
func Default() *RuleSet {
	rs, err := Parse("default", defaultRules)
	if err != nil {
		panic(err) // tested
	}
	return rs
}

// DefaultYAML is the shipped rule set's text.
func DefaultYAML() []byte { return bytes.Clone(defaultRules) }

// Load reads a rule set from a YAML file.
func Load(path string) (*RuleSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Parse(path, data)
}

// ErrRules is wrapped by every error about a rule file's content.
var ErrRules = errors.New("bad rules")

// Parse reads a rule set; unknown fields and impossible values are errors
// naming the file and the rule.
func Parse(name string, data []byte) (*RuleSet, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	rs := &RuleSet{Name: name}
	if err := dec.Decode(rs); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRules, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(rs.Rules) == 0 {
		return nil, fmt.Errorf("%w: %s: no rules", ErrRules, name)
	}
	if rs.GridSize != 0 {
		if _, err := grid.New(rs.GridSize); err != nil {
			return nil, fmt.Errorf("%w: %s: grid_size_m: %v", ErrRules, name, err)
		}
	}
	seen := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%w: %s: rule %d (%s): %s", ErrRules, name, i+1, r.ID, fmt.Sprintf(format, a...))
		}
		if r.ID == "" {
			return nil, bad("id is required")
		}
		if seen[r.ID] {
			return nil, bad("id is used twice")
		}
		seen[r.ID] = true
		if r.Title == (i18n.Text{}) {
			r.Title = i18n.Text{ZH: r.ID, EN: r.ID}
		}
		if r.Level != "" && r.Level != "district" && r.Level != "subdistrict" && r.Level != "community" {
			return nil, bad("level %q: want district, subdistrict or community", r.Level)
		}
		layer := r.Target.Layer
		if geo.SchemaOf(layer) == nil {
			return nil, bad("target layer %q: want green, waste, parcels, roads or areas", layer)
		}
		share := func() error {
			if r.Pass <= 0 || r.Pass > 1 {
				return bad("pass %g: want a share in (0, 1]", r.Pass)
			}
			return nil
		}
		switch r.Type {
		case WalkAccess:
			if r.Meters <= 0 || r.Meters > 5000 {
				return nil, bad("meters %g: want 0–5000", r.Meters)
			}
			if layer != geo.Green && layer != geo.Waste {
				return nil, bad("walk_access targets green or waste, not %s", layer)
			}
			if err := share(); err != nil {
				return nil, err
			}
		case RadiusCoverage:
			if len(r.Tiers) == 0 && r.Meters <= 0 {
				return nil, bad("radius_coverage needs tiers or meters")
			}
			if len(r.Tiers) == 0 {
				r.Tiers = []Tier{{MinArea: r.Target.MinArea, Meters: r.Meters}}
			}
			for _, t := range r.Tiers {
				if t.Meters <= 0 || t.Meters > 5000 {
					return nil, bad("tier meters %g: want 0–5000", t.Meters)
				}
			}
			slices.SortFunc(r.Tiers, func(a, b Tier) int { return cmp.Compare(b.MinArea, a.MinArea) })
			if err := share(); err != nil {
				return nil, err
			}
		case AreaRatio:
			if r.Min <= 0 || r.Min > 1 {
				return nil, bad("min %g: want a ratio in (0, 1]", r.Min)
			}
		case PerCapita:
			if r.Min <= 0 {
				return nil, bad("min %g: want m² per resident > 0", r.Min)
			}
		case ResidentsPerTarget:
			if r.Max <= 0 {
				return nil, bad("max %g: want residents per target > 0", r.Max)
			}
		case Corridor:
			if r.Meters <= 0 || r.Meters > 500 {
				return nil, bad("meters %g: want 0–500 (the belt's width each side)", r.Meters)
			}
			if r.Roads.Ring == nil && len(r.Roads.Classes) == 0 {
				return nil, bad("roads needs ring or classes")
			}
			if err := share(); err != nil {
				return nil, err
			}
		default:
			return nil, bad("type %q: want walk_access, radius_coverage, area_ratio, per_capita, residents_per_target or corridor", r.Type)
		}
	}
	return rs, nil
}
