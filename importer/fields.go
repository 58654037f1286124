package importer

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"gopkg.in/yaml.v3"
)

// LoadFields reads a field map for a layer: YAML lines `field: property`.
func LoadFields(path, layer string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sc := geo.SchemaOf(layer)
	if sc == nil {
		return nil, fmt.Errorf("unknown layer %q", layer)
	}
	for f := range m {
		if _, ok := sc.Field(f); !ok || f == sc.Measure {
			return nil, fmt.Errorf("%s: %q is not a field of layer %s you can set", path, f, layer)
		}
	}
	return m, nil
}

// Attributes converts source properties to the layer's fields: by default
// a property named like a field fills it; a field map (field → property)
// names others, and then only mapped fields are filled. Measures are never
// taken from the source. bad names a field whose value could not be
// converted (the feature should be skipped as "bad attribute FIELD").
func Attributes(sc *geo.Schema, props map[string]any, fields map[string]string) (map[string]any, string) {
	out := map[string]any{}
	for _, fd := range sc.Fields {
		if fd.Name == sc.Measure {
			continue
		}
		name := fd.Name
		if fields != nil {
			p, ok := fields[fd.Name]
			if !ok {
				continue
			}
			name = p
		}
		v, ok := props[name]
		if !ok || v == nil {
			continue
		}
		cv, ok := Convert(fd.Type, v)
		if !ok {
			return nil, fd.Name
		}
		out[fd.Name] = cv
	}
	return out, ""
}

// Convert converts a source value to a field type: numbers from numeric
// strings, booleans from true/false, yes/no, y/n, 1/0, 是/否.
func Convert(t geo.FieldType, v any) (any, bool) {
	switch n := v.(type) { // database drivers hand back integers
	case int64:
		v = float64(n)
	case int:
		v = float64(n)
	}
	switch t {
	case geo.Text:
		switch x := v.(type) {
		case string:
			return x, true
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		case bool:
			return strconv.FormatBool(x), true
		}
	case geo.Int:
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), true
			}
		case string:
			x = strings.TrimSpace(x)
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, true
			}
			// dBase numeric fields come as "1200.000".
			if f, err := strconv.ParseFloat(x, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f), true
			}
		}
	case geo.Real:
		switch x := v.(type) {
		case float64:
			return x, true
		case string:
			if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) {
				return n, true
			}
		}
	case geo.Bool:
		switch x := v.(type) {
		case bool:
			return x, true
		case float64:
			if x == 0 || x == 1 {
				return x == 1, true
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "y", "1", "是":
				return true, true
			case "false", "no", "n", "0", "否":
				return false, true
			}
		}
	}
	return nil, false
}
