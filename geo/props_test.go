package geo

import (
	"maps"
	"math"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// TestPack: a packed feature answers every accessor as its map did, for
// every field type, NULLs, empty texts and edge values; a map that does
// not fit its schema stays a map; Props set again wins; Prepare keeps the
// attributes of a packed feature.
func TestPack(t *testing.T) {
	cases := []struct {
		layer string
		props map[string]any
		packs bool
	}{
		{Green, map[string]any{"name": "人民公园", "kind": "park", "public": true, "area_m2": 1234.5, "grade": int64(1),
			"unit": "", "trees": int64(-7), "shrub_m2": math.Inf(1), "lawn_m2": -0.0}, true},
		{Green, map[string]any{"public": false, "trees": int64(math.MaxInt64)}, true},
		{Parcels, map[string]any{"name": "北辰新村1期", "kind": "compound", "population": int64(math.MinInt64), "pop_source": "given", "area_m2": 1644.12871024013}, true},
		{Parcels, map[string]any{}, true},
		{Parcels, map[string]any{"population": 5}, false},            // int, not int64
		{Parcels, map[string]any{"colour": "red"}, false},            // not a field
		{Parcels, map[string]any{"name": nil}, false},                // NULL held as a value
		{Green, map[string]any{"public": "yes", "name": "x"}, false}, // wrong type
	}
	for i, c := range cases {
		f := &Feature{Layer: c.layer, Props: maps.Clone(c.props)}
		if got := f.Pack(); got != c.packs {
			t.Fatalf("case %d: Pack = %v, want %v", i, got, c.packs)
		}
		if c.packs != (f.Props == nil) {
			t.Fatalf("case %d: Props %v after Pack %v", i, f.Props, c.packs)
		}
		if got := f.AttrMap(); !reflect.DeepEqual(got, c.props) {
			t.Errorf("case %d: AttrMap\n got %#v\nwant %#v", i, got, c.props)
		}
		if f.AttrCount() != len(c.props) {
			t.Errorf("case %d: AttrCount %d, want %d", i, f.AttrCount(), len(c.props))
		}
		for _, fd := range SchemaOf(c.layer).Fields {
			want := c.props[fd.Name]
			if got := f.Value(fd.Name); !reflect.DeepEqual(got, want) {
				t.Errorf("case %d: Value(%s) = %#v, want %#v", i, fd.Name, got, want)
			}
			s, _ := want.(string)
			n, _ := want.(int64)
			x, _ := want.(float64)
			b, _ := want.(bool)
			if f.Text(fd.Name) != s || f.Int(fd.Name) != n || math.Float64bits(f.Float(fd.Name)) != math.Float64bits(x) || f.Bool(fd.Name) != b {
				t.Errorf("case %d: %s: Text %q Int %d Float %v Bool %v, want %#v", i, fd.Name, f.Text(fd.Name), f.Int(fd.Name), f.Float(fd.Name), f.Bool(fd.Name), want)
			}
		}
		if f.Value("no_such_field") != nil || f.Text("no_such_field") != "" {
			t.Errorf("case %d: an unknown name has a value", i)
		}
	}

	// Props set on a copy of a packed feature are what it holds.
	f := &Feature{Layer: Green, Props: map[string]any{"name": "旧名", "kind": "park"}}
	f.Pack()
	c := *f
	c.Props = f.AttrMap()
	c.Props["name"] = "新名"
	if c.Text("name") != "新名" || f.Text("name") != "旧名" || c.Text("kind") != "park" {
		t.Errorf("edit of a copy: copy %q, original %q", c.Text("name"), f.Text("name"))
	}

	// Prepare reads a packed feature's attributes and leaves a map.
	p := &Feature{Layer: Green, Source: "t", SourceID: "1", Props: map[string]any{"name": "园", "grade": int64(2)},
		Geom: orb.Polygon{{{104, 30}, {104.001, 30}, {104.001, 30.001}, {104, 30}}}}
	p.Pack()
	if err := Prepare(p); err != nil {
		t.Fatal(err)
	}
	if p.Props["name"] != "园" || p.Props["grade"] != int64(2) || p.Props["area_m2"] == nil || p.AttrCount() != 3 {
		t.Errorf("Prepare of a packed feature: %#v", p.Props)
	}
}
