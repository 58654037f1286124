// Package cql2 reads filter expressions of OGC's Common Query Language
// (CQL2, OGC 21-065) in its text and JSON encodings into a typed tree, and
// evaluates them on features: Basic CQL2 (comparisons, AND, OR, NOT,
// IS NULL), LIKE, BETWEEN and IN, and the spatial predicates S_INTERSECTS,
// S_WITHIN, S_CONTAINS and S_DISJOINT on geometry literals (WKT, GeoJSON,
// BBOX), computed in the plane of the coordinates.
//
// Input is hostile until read: its length, nesting depth, number of terms,
// the size of each literal and the vertices of geometry literals are
// bounded before anything grows with them, and a refusal names the limit.
// Every error names the character (counted from 1) where it was found.
package cql2

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// Limits bound an expression.
type Limits struct {
	Length   int // bytes of the expression
	Depth    int // nesting of parentheses, NOT and JSON arrays and objects
	Terms    int // predicates and operands
	Literal  int // bytes of one string literal
	Vertices int // points of all geometry literals together
}

// Defaults are the limits of a filter on a request.
func Defaults() Limits {
	return Limits{Length: 8192, Depth: 20, Terms: 200, Literal: 1024, Vertices: 2000}
}

// Error is an expression that cannot be read or used. Pos is the character
// (from 1) where it was found, 0 when it concerns the whole expression.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg)
	}
	return e.Msg
}

// errAt makes an Error at byte offset off of src.
func errAt(src string, off int, format string, a ...any) *Error {
	off = max(0, min(off, len(src)))
	return &Error{Pos: utf8.RuneCountInString(src[:off]) + 1, Msg: fmt.Sprintf(format, a...)}
}

// Node is a node of an expression's tree. Off is its byte offset in the
// source.
type Node interface{ offset() int }

type (
	// Logical is AND or OR of two or more predicates.
	Logical struct {
		Off  int
		Op   string // "and" or "or"
		Args []Node
	}
	// Not negates a predicate.
	Not struct {
		Off int
		Arg Node
	}
	// Compare is a binary comparison: =, <>, <, >, <=, >=.
	Compare struct {
		Off  int
		Op   string
		L, R Node
	}
	// Like matches a string against a pattern (% any run, _ one
	// character, \ escapes). NOT LIKE is Not of a Like, as are NOT
	// BETWEEN, NOT IN and IS NOT NULL.
	Like struct {
		Off        int
		X, Pattern Node
	}
	// Between is lo <= x <= hi.
	Between struct {
		Off       int
		X, Lo, Hi Node
	}
	// In is x equal to one of the list.
	In struct {
		Off  int
		X    Node
		List []Node
	}
	// IsNull tests for a missing value.
	IsNull struct {
		Off int
		X   Node
	}
	// Spatial is a spatial predicate: s_intersects, s_within, s_contains,
	// s_disjoint.
	Spatial struct {
		Off  int
		Op   string
		A, B Node
	}
	// Property names a queryable.
	Property struct {
		Off  int
		Name string
	}
	// Literal is a string, float64, bool or time.Time; Date marks a
	// DATE('…') literal.
	Literal struct {
		Off   int
		Value any
		Date  bool
	}
	// Geometry is a geometry literal.
	Geometry struct {
		Off  int
		Geom orb.Geometry
	}
)

func (n *Logical) offset() int  { return n.Off }
func (n *Not) offset() int      { return n.Off }
func (n *Compare) offset() int  { return n.Off }
func (n *Like) offset() int     { return n.Off }
func (n *Between) offset() int  { return n.Off }
func (n *In) offset() int       { return n.Off }
func (n *IsNull) offset() int   { return n.Off }
func (n *Spatial) offset() int  { return n.Off }
func (n *Property) offset() int { return n.Off }
func (n *Literal) offset() int  { return n.Off }
func (n *Geometry) offset() int { return n.Off }

// spatialOps are the spatial predicates served.
var spatialOps = []string{"s_intersects", "s_within", "s_contains", "s_disjoint"}

var compareOps = []string{"=", "<>", "<", ">", "<=", ">="}

// Text writes n back as CQL2 text in a canonical form: every operation
// parenthesized, keywords in capitals, numbers in Go's shortest form.
func Text(n Node) string {
	var b strings.Builder
	write(&b, n)
	return b.String()
}

func write(b *strings.Builder, n Node) {
	switch x := n.(type) {
	case *Logical:
		b.WriteString("(")
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(" " + strings.ToUpper(x.Op) + " ")
			}
			write(b, a)
		}
		b.WriteString(")")
	case *Not:
		b.WriteString("NOT (")
		write(b, x.Arg)
		b.WriteString(")")
	case *Compare:
		b.WriteString("(")
		write(b, x.L)
		b.WriteString(" " + x.Op + " ")
		write(b, x.R)
		b.WriteString(")")
	case *Like:
		b.WriteString("(")
		write(b, x.X)
		b.WriteString(" LIKE ")
		write(b, x.Pattern)
		b.WriteString(")")
	case *Between:
		b.WriteString("(")
		write(b, x.X)
		b.WriteString(" BETWEEN ")
		write(b, x.Lo)
		b.WriteString(" AND ")
		write(b, x.Hi)
		b.WriteString(")")
	case *In:
		b.WriteString("(")
		write(b, x.X)
		b.WriteString(" IN (")
		for i, a := range x.List {
			if i > 0 {
				b.WriteString(", ")
			}
			write(b, a)
		}
		b.WriteString("))")
	case *IsNull:
		b.WriteString("(")
		write(b, x.X)
		b.WriteString(" IS NULL)")
	case *Spatial:
		b.WriteString(strings.ToUpper(x.Op) + "(")
		write(b, x.A)
		b.WriteString(", ")
		write(b, x.B)
		b.WriteString(")")
	case *Property:
		b.WriteString(`"` + x.Name + `"`)
	case *Literal:
		switch v := x.Value.(type) {
		case string:
			b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
		case float64:
			fmt.Fprintf(b, "%v", v)
		case bool:
			fmt.Fprintf(b, "%v", strings.ToUpper(fmt.Sprint(v)))
		case time.Time:
			if x.Date {
				b.WriteString("DATE('" + v.Format(time.DateOnly) + "')")
			} else {
				b.WriteString("TIMESTAMP('" + v.Format(time.RFC3339Nano) + "')")
			}
		}
	case *Geometry:
		b.WriteString(wkt.MarshalString(x.Geom))
	}
}

// newLogical joins args by op, splicing in arguments that are the same
// operation (a AND (b AND c) is a AND b AND c).
func newLogical(off int, op string, args []Node) *Logical {
	l := &Logical{Off: off, Op: op}
	for _, a := range args {
		if x, ok := a.(*Logical); ok && x.Op == op {
			l.Args = append(l.Args, x.Args...)
		} else {
			l.Args = append(l.Args, a)
		}
	}
	return l
}

// negate wraps n in Not when not is set.
func negate(off int, not bool, n Node) Node {
	if not {
		return &Not{Off: off, Arg: n}
	}
	return n
}

// Expr is a parsed expression and its source.
type Expr struct {
	Root Node
	src  string
}

// String is the expression in canonical CQL2 text.
func (e *Expr) String() string { return Text(e.Root) }

// errAt makes an Error at the byte offset off of the expression.
func (e *Expr) errAt(off int, format string, a ...any) *Error {
	return errAt(e.src, off, format, a...)
}

// MapGeometries replaces every geometry literal by f of it (to bring
// literals from the filter's coordinate system to the data's).
func (e *Expr) MapGeometries(f func(orb.Geometry) (orb.Geometry, error)) error {
	var err error
	var walk func(Node)
	walk = func(n Node) {
		if err != nil {
			return
		}
		switch x := n.(type) {
		case *Logical:
			for _, a := range x.Args {
				walk(a)
			}
		case *Not:
			walk(x.Arg)
		case *Spatial:
			walk(x.A)
			walk(x.B)
		case *Geometry:
			var g orb.Geometry
			if g, err = f(x.Geom); err != nil {
				err = e.errAt(x.Off, "geometry literal: %v", err)
				return
			}
			x.Geom = g
		}
	}
	walk(e.Root)
	return err
}
