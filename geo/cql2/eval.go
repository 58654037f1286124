package cql2

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// Type is the type of a queryable.
type Type string

// The types of queryables.
const (
	String    Type = "string"
	Number    Type = "number"
	Integer   Type = "integer"
	Boolean   Type = "boolean"
	Timestamp Type = "timestamp"
	Geom      Type = "geometry"
)

// Queryable is a property a filter may name.
type Queryable struct {
	Name  string
	Type  Type
	Title string
	// Geom is the layer's geometry kind, for the geometry queryable.
	Geom geo.GeomKind
}

// Names of the queryables beyond the layer's fields.
const (
	GeometryName = "geometry"
	UpdatedName  = "updated"
)

// QueryablesOf are a layer's queryables: its fields, "geometry" and
// "updated" (when the feature was last written).
func QueryablesOf(sc *geo.Schema) []Queryable {
	qs := []Queryable{{Name: GeometryName, Type: Geom, Title: "geometry", Geom: sc.Geom}}
	for _, f := range sc.Fields {
		t := map[geo.FieldType]Type{geo.Text: String, geo.Int: Integer, geo.Real: Number, geo.Bool: Boolean}[f.Type]
		qs = append(qs, Queryable{Name: f.Name, Type: t, Title: f.Doc})
	}
	return append(qs, Queryable{Name: UpdatedName, Type: Timestamp, Title: "when the feature was last written (UTC)"})
}

// Filter is an expression checked against a layer's queryables, ready to
// be evaluated on its features.
type Filter struct {
	root Node
	qs   []Queryable
}

// Compile checks e against the queryables: every property exists, the
// operands of each predicate have comparable types.
func Compile(e *Expr, qs []Queryable) (*Filter, error) {
	c := &checker{e: e, qs: qs}
	if err := c.predicate(e.Root); err != nil {
		return nil, err
	}
	return &Filter{root: e.Root, qs: qs}, nil
}

type checker struct {
	e  *Expr
	qs []Queryable
}

func (c *checker) names() string {
	var ns []string
	for _, q := range c.qs {
		ns = append(ns, q.Name)
	}
	return strings.Join(ns, ", ")
}

// typeOf is the type of an operand; time literals are Timestamp.
func (c *checker) typeOf(n Node) (Type, error) {
	switch x := n.(type) {
	case *Property:
		for _, q := range c.qs {
			if q.Name == x.Name {
				return q.Type, nil
			}
		}
		return "", c.e.errAt(x.Off, "no queryable %q (queryables: %s)", x.Name, c.names())
	case *Literal:
		switch x.Value.(type) {
		case string:
			return String, nil
		case float64:
			return Number, nil
		case bool:
			return Boolean, nil
		case time.Time:
			return Timestamp, nil
		}
	case *Geometry:
		return Geom, nil
	}
	return "", c.e.errAt(n.offset(), "not an operand")
}

func comparable(a, b Type) bool {
	num := func(t Type) bool { return t == Number || t == Integer }
	return a == b || num(a) && num(b)
}

func (c *checker) scalars(op string, ns ...Node) error {
	var first Type
	for i, n := range ns {
		t, err := c.typeOf(n)
		if err != nil {
			return err
		}
		if t == Geom {
			return c.e.errAt(n.offset(), "%s compares values, not geometries (use S_INTERSECTS, S_WITHIN, S_CONTAINS or S_DISJOINT)", op)
		}
		if i == 0 {
			first = t
		} else if !comparable(first, t) {
			return c.e.errAt(n.offset(), "%s of a %s with a %s", op, first, t)
		}
	}
	return nil
}

func (c *checker) predicate(n Node) error {
	switch x := n.(type) {
	case *Logical:
		for _, a := range x.Args {
			if err := c.predicate(a); err != nil {
				return err
			}
		}
		return nil
	case *Not:
		return c.predicate(x.Arg)
	case *Literal:
		if _, ok := x.Value.(bool); ok {
			return nil
		}
	case *Compare:
		return c.scalars(x.Op, x.L, x.R)
	case *Like:
		for _, o := range []Node{x.X, x.Pattern} {
			if t, err := c.typeOf(o); err != nil {
				return err
			} else if t != String {
				return c.e.errAt(o.offset(), "LIKE matches strings; this is a %s", t)
			}
		}
		return nil
	case *Between:
		for _, o := range []Node{x.X, x.Lo, x.Hi} {
			if t, err := c.typeOf(o); err != nil {
				return err
			} else if t != Number && t != Integer {
				return c.e.errAt(o.offset(), "BETWEEN compares numbers; this is a %s", t)
			}
		}
		return nil
	case *In:
		return c.scalars("IN", append([]Node{x.X}, x.List...)...)
	case *IsNull:
		_, err := c.typeOf(x.X)
		return err
	case *Spatial:
		for _, o := range []Node{x.A, x.B} {
			if t, err := c.typeOf(o); err != nil {
				return err
			} else if t != Geom {
				return c.e.errAt(o.offset(), "%s takes geometries; this is a %s", strings.ToUpper(x.Op), t)
			}
		}
		// Within and contains are computed against polygons only.
		inner := x.B
		if x.Op == "s_contains" {
			inner = x.A
		}
		if x.Op == "s_within" || x.Op == "s_contains" {
			if !c.polygonal(inner) {
				return c.e.errAt(inner.offset(), "%s is computed with a polygon as the containing geometry; this one is not", strings.ToUpper(x.Op))
			}
		}
		return nil
	}
	return c.e.errAt(n.offset(), "expected a predicate")
}

func (c *checker) polygonal(n Node) bool {
	switch x := n.(type) {
	case *Geometry:
		return isPolygonal(x.Geom)
	case *Property:
		for _, q := range c.qs {
			if q.Name == x.Name {
				return q.Geom == geo.MultiPolygon
			}
		}
	}
	return false
}

func isPolygonal(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return true
	}
	return false
}

// Match reports whether f meets the filter. A comparison with a missing
// value is unknown, as in SQL, and only true counts.
func (fl *Filter) Match(f *geo.Feature) bool { return eval(fl.root, f) == yes }

type tri int8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

func value(n Node, f *geo.Feature) any {
	switch x := n.(type) {
	case *Property:
		switch x.Name {
		case GeometryName:
			return f.Geom
		case UpdatedName:
			return f.Updated
		}
		v := f.Value(x.Name)
		if i, ok := v.(int64); ok {
			return float64(i)
		}
		return v
	case *Literal:
		return x.Value
	case *Geometry:
		return x.Geom
	}
	return nil
}

// cmp orders two non-null values of comparable types.
func cmp(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}

func eval(n Node, f *geo.Feature) tri {
	switch x := n.(type) {
	case *Literal:
		return triOf(x.Value.(bool))
	case *Logical:
		out := yes
		if x.Op == "or" {
			out = no
		}
		for _, a := range x.Args {
			r := eval(a, f)
			if x.Op == "and" && r == no || x.Op == "or" && r == yes {
				return r
			}
			if r == unknown {
				out = unknown
			}
		}
		return out
	case *Not:
		switch eval(x.Arg, f) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case *Compare:
		a, b := value(x.L, f), value(x.R, f)
		if a == nil || b == nil {
			return unknown
		}
		c := cmp(a, b)
		switch x.Op {
		case "=":
			return triOf(c == 0)
		case "<>":
			return triOf(c != 0)
		case "<":
			return triOf(c < 0)
		case ">":
			return triOf(c > 0)
		case "<=":
			return triOf(c <= 0)
		}
		return triOf(c >= 0)
	case *IsNull:
		return triOf(value(x.X, f) == nil)
	case *Like:
		s, ok1 := value(x.X, f).(string)
		p, ok2 := value(x.Pattern, f).(string)
		if !ok1 || !ok2 {
			return unknown
		}
		return triOf(like(s, p))
	case *Between:
		v, lo, hi := value(x.X, f), value(x.Lo, f), value(x.Hi, f)
		if v == nil || lo == nil || hi == nil {
			return unknown
		}
		return triOf(cmp(lo, v) <= 0 && cmp(v, hi) <= 0)
	case *In:
		v := value(x.X, f)
		if v == nil {
			return unknown
		}
		out := no
		for _, o := range x.List {
			w := value(o, f)
			if w == nil {
				out = unknown
				continue
			}
			if cmp(v, w) == 0 {
				out = yes
				break
			}
		}
		return out
	case *Spatial:
		a, _ := value(x.A, f).(orb.Geometry)
		b, _ := value(x.B, f).(orb.Geometry)
		if a == nil || b == nil {
			return unknown
		}
		switch x.Op {
		case "s_intersects":
			return triOf(Intersects(a, b))
		case "s_disjoint":
			return triOf(!Intersects(a, b))
		case "s_within":
			return triOf(Within(a, b))
		case "s_contains":
			return triOf(Within(b, a))
		}
	}
	panic(fmt.Sprintf("cql2: eval of %T", n))
}

// like matches s against a LIKE pattern: % any run of characters, _ one
// character, \ escapes the next. It runs in O(len(s)·len(p)).
func like(s, p string) bool {
	type item struct {
		r      rune
		any    bool // %
		single bool // _
	}
	var pat []item
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			pat = append(pat, item{r: rs[i]})
		case rs[i] == '%':
			pat = append(pat, item{any: true})
		case rs[i] == '_':
			pat = append(pat, item{single: true})
		default:
			pat = append(pat, item{r: rs[i]})
		}
	}
	text := []rune(s)
	// at[j]: the pattern's first j items can match the text read so far.
	at := make([]bool, len(pat)+1)
	at[0] = true
	for j := 1; j <= len(pat) && pat[j-1].any; j++ {
		at[j] = true
	}
	next := make([]bool, len(pat)+1)
	for _, r := range text {
		clear(next)
		for j := 1; j <= len(pat); j++ {
			it := pat[j-1]
			switch {
			case it.any:
				next[j] = next[j-1] || at[j]
			case it.single || it.r == r:
				next[j] = at[j-1]
			}
		}
		at, next = next, at
	}
	return at[len(pat)]
}

// Properties lists the queryables a filter names, in order, once each.
func (fl *Filter) Properties() []string {
	var out []string
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case *Property:
			if !slices.Contains(out, x.Name) {
				out = append(out, x.Name)
			}
		case *Logical:
			for _, a := range x.Args {
				walk(a)
			}
		case *Not:
			walk(x.Arg)
		case *Compare:
			walk(x.L)
			walk(x.R)
		case *Like:
			walk(x.X)
		case *Between:
			walk(x.X)
		case *In:
			walk(x.X)
		case *IsNull:
			walk(x.X)
		case *Spatial:
			walk(x.A)
			walk(x.B)
		}
	}
	walk(fl.root)
	return out
}
