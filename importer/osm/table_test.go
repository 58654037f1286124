package osm_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer/osm"
)

var update = flag.Bool("update", false, "rewrite the mapping table in osm.go from DefaultMapping")

// tableHead is the first line of the mapping table in the package
// documentation; the table runs from it to the next line that is not part
// of the indented block.
const tableHead = "//\tlayer    tag                          kind / class / level          public (no access tag)"

// mappingTable renders the rules of m as the package documentation shows
// them: layer, tag, what the feature gets as kind (class for roads, level
// for areas) and, for green, the public default.
func mappingTable(m *osm.Mapping) []string {
	out := []string{tableHead}
	cell := func(s string, w int) string { return s + strings.Repeat(" ", max(2, w-len(s))) }
	unknown := "unknown (NULL)" // the first says what unknown means
	for _, r := range m.Rules {
		kind := r.Kind
		switch {
		case kind != "":
		case r.Layer == geo.Roads:
			kind = "class = the " + r.Key + " value"
		case r.Layer == geo.Areas:
			kind = "level from admin_level"
		case r.Layer == geo.Parcels && r.Key == "building":
			kind = "building"
		case r.Layer == geo.Parcels:
			kind = "block"
		case r.Value == "*":
			kind = "the " + r.Key + " value"
		default:
			kind = r.Value
		}
		if r.Walkable != nil {
			kind += "; walkable " + map[bool]string{true: "true", false: "false"}[*r.Walkable]
		}
		public := ""
		if r.Layer == geo.Green {
			switch {
			case r.Public == nil:
				public, unknown = unknown, "unknown"
			case *r.Public:
				public = "true"
			default:
				public = "false"
			}
		}
		line := "//\t" + cell(r.Layer, 9) + cell(r.Tag(), 29) + cell(kind, 30) + public
		out = append(out, strings.TrimRight(line, " "))
	}
	return out
}

// TestMappingTable: the table of the default mapping in the package
// documentation is the default mapping, rule for rule, so that neither can
// change without the other. `go generate ./importer/osm` rewrites it.
func TestMappingTable(t *testing.T) {
	b, err := os.ReadFile("osm.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	start := -1
	for i, l := range lines {
		if l == tableHead {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("osm.go: no mapping table (a line %q)", tableHead)
	}
	end := start + 1
	for end < len(lines) && strings.HasPrefix(lines[end], "//\t") {
		end++
	}
	want := mappingTable(osm.DefaultMapping())
	got := lines[start:end]
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	if *update {
		out := append(append(append([]string{}, lines[:start]...), want...), lines[end:]...)
		if err := os.WriteFile("osm.go", []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("osm.go: mapping table rewritten (%d rules)", len(want)-1)
		return
	}
	t.Errorf("osm.go's mapping table is not DefaultMapping (run go generate ./importer/osm):\n--- osm.go\n%s\n--- DefaultMapping\n%s",
		strings.Join(got, "\n"), strings.Join(want, "\n"))
}
