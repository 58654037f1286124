package cql2

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostile: expressions past each limit are refused quickly, naming the
// limit, in both encodings; syntax errors name the character.
func TestHostile(t *testing.T) {
	lim := Defaults()
	deepText := strings.Repeat("(", 5000) + "a=1" + strings.Repeat(")", 5000)
	deepNot := strings.Repeat("NOT ", 1000) + "a=1"
	deepJSON := strings.Repeat(`{"op":"not","args":[`, 300) + `true` + strings.Repeat(`]}`, 300)
	arrJSON := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	manyTerms := "a IN (" + strings.Repeat("1,", 400) + "1)"
	manyOr := strings.Repeat("a=1 OR ", 300) + "a=1"
	bigString := "a = '" + strings.Repeat("x", 2000) + "'"
	bigNumber := "a = " + strings.Repeat("9", 100)
	ring := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%d %d,", i, i%7)
		}
		return b.String() + "0 0"
	}
	manyVertices := "S_INTERSECTS(geometry, POLYGON((" + ring(2100) + ")))"
	jsonVertices := `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"LineString","coordinates":[` + strings.Repeat("[1,2],", 2100) + `[1,2]]}]}`
	for _, c := range []struct {
		name, src string
		json      bool
		want      string
	}{
		{"length", strings.Repeat("a=1 AND ", 2000) + "a=1", false, "the limit is 8192"},
		{"depth (parentheses)", deepText[:8000], false, "limit of nesting"},
		{"depth (NOT)", deepNot, false, "limit of nesting"},
		{"depth (JSON)", deepJSON, true, "limit of nesting"},
		{"depth (JSON arrays)", arrJSON, true, "limit of nesting"},
		{"terms (IN)", manyTerms, false, "limit of terms"},
		{"terms (OR)", manyOr, false, "limit of terms"},
		{"literal", bigString, false, "limit of a literal"},
		{"number", bigNumber, false, "limit of a numeric literal"},
		{"vertices (WKT)", manyVertices[:min(len(manyVertices), 8000)] + ")))", false, ""},
		{"string that does not end", "a = 'abc", false, "at character 5"},
		{"junk", "a = 1 )", false, "at character 7"},
		{"JSON ends early", `{"op":"=","args":[`, true, "ends early"},
	} {
		start := time.Now()
		var err error
		if c.json {
			_, err = ParseJSON(c.src, lim)
		} else {
			_, err = ParseText(c.src, lim)
		}
		var e *Error
		if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("%s: refused in %v", c.name, d)
		}
	}
	// With room for the length, the vertex limit itself.
	big := lim
	big.Length = 1 << 20
	if _, err := ParseText(manyVertices, big); err == nil || !strings.Contains(err.Error(), "limit of vertices") {
		t.Errorf("2100 vertices: %v", err)
	}
	if _, err := ParseJSON(jsonVertices, big); err == nil || !strings.Contains(err.Error(), "limit of vertices") {
		t.Errorf("2100 GeoJSON vertices: %v", err)
	}
}
