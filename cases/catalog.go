package cases

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Catalog is the case categories with the labels of groups, states and
// actions, as read from YAML (categories.yaml is the shipped one).
type Catalog struct {
	Name string `yaml:"-"` // the file, or "default"
	// DuplicateRadius (m): a case registered this close to an open case
	// of its category is merged into it.
	DuplicateRadius float64    `yaml:"duplicate_radius_m"`
	Groups          []Label    `yaml:"groups"`
	States          []Label    `yaml:"states"`
	Actions         []Label    `yaml:"actions"`
	Categories      []Category `yaml:"categories"`

	byCode map[string]*Category
}

// Label names a code in Chinese and English.
type Label struct {
	Code string `yaml:"code"`
	Zh   string `yaml:"zh"`
	En   string `yaml:"en"`
}

// Category is a kind of case with its handling deadline and its weight in
// the monthly assessment.
type Category struct {
	Code          string  `yaml:"code"`
	Zh            string  `yaml:"zh"`
	En            string  `yaml:"en"`
	Group         string  `yaml:"group"`
	DeadlineHours int     `yaml:"deadline_hours"`
	Weight        float64 `yaml:"weight"`
}

// Limits of a catalog's values.
const (
	maxDeadlineHours   = 24 * 366
	maxWeight          = 100
	maxDuplicateRadius = 1000
	maxCatalogBytes    = 1 << 20
)

//go:embed categories.yaml
var defaultCatalog []byte

// Default returns the shipped catalog (categories.yaml).
func Default() *Catalog {
	c, err := Parse("default", defaultCatalog)
	if err != nil {
		panic(err) // tested
	}
	return c
}

// DefaultYAML is the shipped catalog's text, for printing.
func DefaultYAML() []byte { return bytes.Clone(defaultCatalog) }

// Load reads a catalog from a YAML file.
func Load(path string) (*Catalog, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxCatalogBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the %d a catalog may have", ErrCatalog, path, fi.Size(), maxCatalogBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return Parse(path, data)
}

// ErrCatalog is wrapped by every error about a catalog's content.
var ErrCatalog = errors.New("bad case categories")

// Category returns the category of a code, or nil.
func (c *Catalog) Category(code string) *Category { return c.byCode[code] }

// Parse reads a catalog; unknown fields, codes used twice, unknown groups,
// states or actions that differ from the workflow's, and deadlines or
// weights out of range are errors naming the file and the line.
func Parse(name string, data []byte) (*Catalog, error) {
	bad := func(line int, format string, a ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrCatalog, name, line, fmt.Sprintf(format, a...))
	}
	if len(data) > maxCatalogBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the %d a catalog may have", ErrCatalog, name, len(data), maxCatalogBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := &Catalog{Name: name}
	if err := dec.Decode(c); err != nil {
		msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n  ", " ")
		return nil, fmt.Errorf("%w: %s: %s", ErrCatalog, name, msg)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCatalog, name, err)
	}
	lines := func(key string) []int { return itemLines(&root, key) }
	if c.DuplicateRadius <= 0 || c.DuplicateRadius > maxDuplicateRadius || math.IsNaN(c.DuplicateRadius) {
		return nil, bad(keyLine(&root, "duplicate_radius_m"), "duplicate_radius_m %g: want a distance in (0, %d] m", c.DuplicateRadius, maxDuplicateRadius)
	}
	groups, err := checkLabels(c.Groups, lines("groups"), keyLine(&root, "groups"), "group", nil, bad)
	if err != nil {
		return nil, err
	}
	if _, err := checkLabels(c.States, lines("states"), keyLine(&root, "states"), "state", states, bad); err != nil {
		return nil, err
	}
	if _, err := checkLabels(c.Actions, lines("actions"), keyLine(&root, "actions"), "action", actions, bad); err != nil {
		return nil, err
	}
	if len(c.Categories) == 0 {
		return nil, bad(keyLine(&root, "categories"), "no categories")
	}
	cl := lines("categories")
	c.byCode = map[string]*Category{}
	for i := range c.Categories {
		k := &c.Categories[i]
		line := at(cl, i)
		if err := checkLabel(Label{k.Code, k.Zh, k.En}, "category", line, bad); err != nil {
			return nil, err
		}
		if c.byCode[k.Code] != nil {
			return nil, bad(line, "category %q: the code is used twice", k.Code)
		}
		c.byCode[k.Code] = k
		if !groups[k.Group] {
			return nil, bad(line, "category %q: group %q is not one of the groups", k.Code, k.Group)
		}
		if k.DeadlineHours <= 0 || k.DeadlineHours > maxDeadlineHours {
			return nil, bad(line, "category %q: deadline_hours %d: want 1–%d", k.Code, k.DeadlineHours, maxDeadlineHours)
		}
		if !(k.Weight > 0 && k.Weight <= maxWeight) {
			return nil, bad(line, "category %q: weight %g: want (0, %d]", k.Code, k.Weight, maxWeight)
		}
	}
	return c, nil
}

// checkLabels checks a list of labels (each code once, named in both
// languages) and, when want is given, that it labels exactly those codes.
// It returns the set of codes. key is the line of the list.
func checkLabels(ls []Label, lines []int, key int, what string, want []string, bad func(int, string, ...any) error) (map[string]bool, error) {
	seen := map[string]bool{}
	for i, l := range ls {
		if err := checkLabel(l, what, at(lines, i), bad); err != nil {
			return nil, err
		}
		if seen[l.Code] {
			return nil, bad(at(lines, i), "%s %q: the code is used twice", what, l.Code)
		}
		if want != nil && !contains(want, l.Code) {
			return nil, bad(at(lines, i), "%s %q: the workflow has no such %s (it has %s)", what, l.Code, what, strings.Join(want, ", "))
		}
		seen[l.Code] = true
	}
	for _, w := range want {
		if !seen[w] {
			return nil, bad(key, "%s %q of the workflow has no label", what, w)
		}
	}
	if len(ls) == 0 {
		return nil, bad(key, "no %ss", what)
	}
	return seen, nil
}

// checkLabel: a code of lowercase ASCII letters, digits and _, with both
// names.
func checkLabel(l Label, what string, line int, bad func(int, string, ...any) error) error {
	if l.Code == "" || strings.TrimLeft(l.Code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" || len(l.Code) > 40 {
		return bad(line, "%s code %q: want 1–40 of a–z, 0–9 and _", what, l.Code)
	}
	if strings.TrimSpace(l.Zh) == "" || strings.TrimSpace(l.En) == "" {
		return bad(line, "%s %q: both zh and en names are required", what, l.Code)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// at returns the line of item i, 1 if unknown.
func at(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 1
}

// keyLine returns the line of a top-level key, 1 when it is absent.
func keyLine(root *yaml.Node, key string) int {
	if k, _ := topValue(root, key); k != nil {
		return k.Line
	}
	return 1
}

// itemLines returns the line of each item of a top-level sequence.
func itemLines(root *yaml.Node, key string) []int {
	_, v := topValue(root, key)
	var out []int
	if v != nil {
		for _, it := range v.Content {
			out = append(out, it.Line)
		}
	}
	return out
}

func topValue(root *yaml.Node, key string) (k, v *yaml.Node) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}
