package hotline

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/greenreach/greenreach/cases"
	"gopkg.in/yaml.v3"
)

// Mapping maps a hotline's 问题分类 to case category codes.
type Mapping struct {
	Name    string
	byText  map[string]string
	catalog *cases.Catalog
}

//go:embed categories.yaml
var defaultMapping []byte

// maxMappingBytes bounds a mapping file.
const maxMappingBytes = 1 << 20

// ErrMapping is wrapped by every error about a mapping file's content.
var ErrMapping = errors.New("bad 12345 category mapping")

// DefaultMapping is the shipped mapping (categories.yaml) on cat.
func DefaultMapping(cat *cases.Catalog) *Mapping {
	m, err := ParseMapping("default", defaultMapping, cat)
	if err != nil {
		panic(err) // tested
	}
	return m
}

// LoadMapping reads a mapping file, checked against the catalog.
func LoadMapping(path string, cat *cases.Catalog) (*Mapping, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxMappingBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the %d a mapping may have", ErrMapping, path, fi.Size(), maxMappingBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("12345 category mapping: %w", err)
	}
	return ParseMapping(path, data, cat)
}

// ParseMapping reads a mapping (YAML: categories: {问题分类: code}); a
// code that is not the catalog's is an error naming it.
func ParseMapping(name string, data []byte, cat *cases.Catalog) (*Mapping, error) {
	if len(data) > maxMappingBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than the %d a mapping may have", ErrMapping, name, len(data), maxMappingBytes)
	}
	var doc struct {
		Categories map[string]string `yaml:"categories"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrMapping, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	m := &Mapping{Name: name, byText: map[string]string{}, catalog: cat}
	keys := make([]string, 0, len(doc.Categories))
	for k := range doc.Categories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		code := doc.Categories[k]
		if cat.Category(code) == nil {
			return nil, fmt.Errorf("%w: %s: %q maps to %q, which is not a case category", ErrMapping, name, k, code)
		}
		m.byText[normalize(k)] = code
	}
	return m, nil
}

// Code returns the category code of a 问题分类: the whole text, then its
// last part (split at / > -), each from the table, else a category's own
// Chinese label or code.
func (m *Mapping) Code(text string) (string, bool) {
	t := normalize(text)
	if t == "" {
		return "", false
	}
	cands := []string{t}
	if i := strings.LastIndexAny(t, "/>-|\\"); i >= 0 && i+1 < len(t) {
		cands = append(cands, t[i+1:])
	}
	for _, c := range cands {
		if code, ok := m.byText[c]; ok {
			return code, true
		}
		for _, cat := range m.catalog.Categories {
			if c == normalize(cat.Zh) || c == cat.Code {
				return cat.Code, true
			}
		}
	}
	return "", false
}
