// Package assess computes the monthly 百分制 assessment of the units
// responsible for cases: each unit's score out of 100 with its deductions
// itemised by case, rankings of units and streets, month-on-month change
// and the year (年终考核). It is pure computation: the caller passes the
// cases, the month and the clock.
package assess

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Street score methods.
const (
	UnitMean     = "unit_mean"
	CaseWeighted = "case_weighted"
)

// MaxRulesSize bounds a rules file, checked before it is parsed.
const MaxRulesSize = 64 << 10

// Rules are the assessment's rules, read from YAML (see rules.yaml). Amounts
// are in Points (tenths of a point). Rules are not changed after Parse, so
// they are safe for concurrent use.
type Rules struct {
	Name          string // the file, or "default"
	Start         Points
	Floor         Points
	OverduePerDay Points
	Reopen        Points
	CaseCap       Points
	MaxWeight     Points
	MaxReopens    int
	StreetScore   string
	states        map[string]bool // state → counted
}

// rulesYAML is the file's shape; pointers tell a missing field from 0.
type rulesYAML struct {
	Start         *float64 `yaml:"start"`
	Floor         *float64 `yaml:"floor"`
	OverduePerDay *float64 `yaml:"overdue_per_day"`
	Reopen        *float64 `yaml:"reopen"`
	CaseCap       *float64 `yaml:"case_cap"`
	StreetScore   string   `yaml:"street_score"`
	Counted       []string `yaml:"counted_states"`
	Ignored       []string `yaml:"ignored_states"`
	MaxWeight     *float64 `yaml:"max_weight"`
	MaxReopens    *int     `yaml:"max_reopens"`
}

//go:embed rules.yaml
var defaultRules []byte

// Default returns the shipped rules (rules.yaml).
func Default() *Rules {
	r, err := Parse("default", defaultRules)
	if err != nil {
		panic(err) // tested
	}
	return r
}

// DefaultYAML is the shipped rules' text, with their reasons.
func DefaultYAML() []byte { return bytes.Clone(defaultRules) }

// Load reads rules from a YAML file of at most MaxRulesSize bytes.
func Load(path string) (*Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("assessment rules: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRulesSize+1))
	if err != nil {
		return nil, fmt.Errorf("assessment rules: %s: %w", path, err)
	}
	return Parse(path, data)
}

// ErrRules is wrapped by every error about a rules file's content.
var ErrRules = errors.New("bad assessment rules")

// Parse reads rules; unknown fields, missing fields and impossible values
// are errors naming the file and the field.
func Parse(name string, data []byte) (*Rules, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrRules, name, fmt.Sprintf(format, a...))
	}
	if len(data) > MaxRulesSize {
		return nil, bad("larger than %d bytes", MaxRulesSize)
	}
	y, err := decodeRules(data, bad)
	if err != nil {
		return nil, err
	}
	r := &Rules{Name: name, StreetScore: y.StreetScore, states: map[string]bool{}}
	if err := r.setPoints(y, bad); err != nil {
		return nil, err
	}
	if err := r.setStates(y, bad); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeRules decodes one YAML document field by field, so that every error
// names its field.
func decodeRules(data []byte, bad func(string, ...any) error) (*rulesYAML, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, bad("empty")
		}
		return nil, bad("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, bad("more than one YAML document")
	}
	var y rulesYAML
	fields := map[string]any{
		"start": &y.Start, "floor": &y.Floor, "overdue_per_day": &y.OverduePerDay,
		"reopen": &y.Reopen, "case_cap": &y.CaseCap, "street_score": &y.StreetScore,
		"counted_states": &y.Counted, "ignored_states": &y.Ignored,
		"max_weight": &y.MaxWeight, "max_reopens": &y.MaxReopens,
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, bad("line %d: want a mapping of fields", root.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		f, ok := fields[k.Value]
		if !ok {
			return nil, bad("line %d: unknown field %q", k.Line, k.Value)
		}
		if seen[k.Value] {
			return nil, bad("line %d: field %s is already defined", k.Line, k.Value)
		}
		seen[k.Value] = true
		if err := v.Decode(f); err != nil {
			return nil, bad("%s (line %d): %s", k.Value, k.Line, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	return &y, nil
}

// setPoints checks and sets the amounts of points and the reopen bound.
func (r *Rules) setPoints(y *rulesYAML, bad func(string, ...any) error) error {
	// points reads a required amount within [lo, hi] with one decimal.
	points := func(field string, v *float64, lo, hi float64) (Points, error) {
		if v == nil {
			return 0, bad("%s is required", field)
		}
		p, ok := toPoints(*v)
		if !ok || *v < lo || *v > hi {
			return 0, bad("%s %g: want %g–%g with at most one decimal", field, *v, lo, hi)
		}
		return p, nil
	}
	var err error
	if r.Start, err = points("start", y.Start, 1, 1000); err != nil {
		return err
	}
	start := float64(r.Start) / 10
	if r.Floor, err = points("floor", y.Floor, 0, start); err != nil {
		return err
	}
	if r.Floor >= r.Start {
		return bad("floor %s: want below start %s", r.Floor, r.Start)
	}
	if r.OverduePerDay, err = points("overdue_per_day", y.OverduePerDay, 0, start); err != nil {
		return err
	}
	if r.Reopen, err = points("reopen", y.Reopen, 0, start); err != nil {
		return err
	}
	if r.CaseCap, err = points("case_cap", y.CaseCap, 0.1, start); err != nil {
		return err
	}
	if r.MaxWeight, err = points("max_weight", y.MaxWeight, 0.1, start); err != nil {
		return err
	}
	if y.MaxReopens == nil {
		return bad("max_reopens is required")
	}
	if *y.MaxReopens < 0 || *y.MaxReopens > 1000 {
		return bad("max_reopens %d: want 0–1000", *y.MaxReopens)
	}
	r.MaxReopens = *y.MaxReopens
	return nil
}

// setStates checks the street score and the counted and ignored states.
func (r *Rules) setStates(y *rulesYAML, bad func(string, ...any) error) error {
	switch r.StreetScore {
	case UnitMean, CaseWeighted:
	case "":
		return bad("street_score is required (%s or %s)", UnitMean, CaseWeighted)
	default:
		return bad("street_score %q: want %s or %s", r.StreetScore, UnitMean, CaseWeighted)
	}
	if len(y.Counted) == 0 {
		return bad("counted_states: want at least one state")
	}
	for _, list := range []struct {
		field   string
		states  []string
		counted bool
	}{{"counted_states", y.Counted, true}, {"ignored_states", y.Ignored, false}} {
		for _, s := range list.states {
			if !validState(s) {
				return bad("%s: state %q: want lowercase ASCII letters and _", list.field, s)
			}
			if _, dup := r.states[s]; dup {
				return bad("%s: state %q is listed twice", list.field, s)
			}
			r.states[s] = list.counted
		}
	}
	return nil
}

// Counted reports whether a case in state counts, and whether the state is
// known at all.
func (r *Rules) Counted(state string) (counted, known bool) {
	counted, known = r.states[state]
	return counted, known
}

// States returns the known state codes, counted first, each list sorted.
func (r *Rules) States() (counted, ignored []string) {
	for s, c := range r.states {
		if c {
			counted = append(counted, s)
		} else {
			ignored = append(ignored, s)
		}
	}
	slices.Sort(counted)
	slices.Sort(ignored)
	return counted, ignored
}

func validState(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// toPoints converts an amount with at most one decimal to Points.
func toPoints(v float64) (Points, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		return 0, false
	}
	t := math.Round(v * 10)
	if math.Abs(v*10-t) > 1e-6 {
		return 0, false
	}
	return Points(t), true
}
