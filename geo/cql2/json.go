package cql2

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// jv is a JSON value with its byte offset in the source.
type jv struct {
	off  int
	kind byte // 's' string, 'n' number, 'b' bool, 'z' null, 'a' array, 'o' object
	str  string
	num  float64
	b    bool
	arr  []*jv
	keys []string
	vals []*jv
}

func (v *jv) get(key string) (*jv, bool) {
	for i, k := range v.keys {
		if k == key {
			return v.vals[i], true
		}
	}
	return nil, false
}

// jsonReader decodes JSON token by token, so that depth and size are
// counted before anything nested is built.
type jsonReader struct {
	src    string
	dec    *json.Decoder
	lim    Limits
	depth  int
	values int
	max    int
}

// ParseJSON reads a CQL2 JSON expression.
func ParseJSON(src string, lim Limits) (*Expr, error) {
	if len(src) > lim.Length {
		return nil, &Error{Msg: "the expression is " + strconv.Itoa(len(src)) + " bytes; the limit is " + strconv.Itoa(lim.Length)}
	}
	if !utf8.ValidString(src) {
		return nil, &Error{Msg: "the expression is not UTF-8"}
	}
	r := &jsonReader{src: src, dec: json.NewDecoder(strings.NewReader(src)), lim: lim, max: 4*lim.Terms + 3*lim.Vertices}
	r.dec.UseNumber()
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, errAt(src, int(r.dec.InputOffset()), "more after the expression")
	}
	c := &jsonConv{src: src, lim: lim}
	n, err := c.predicate(v)
	if err != nil {
		return nil, err
	}
	return &Expr{Root: n, src: src}, nil
}

// here is the offset of the next value: past whitespace, commas and colons.
func (r *jsonReader) here() int {
	off := int(r.dec.InputOffset())
	for off < len(r.src) && strings.IndexByte(" \t\r\n,:", r.src[off]) >= 0 {
		off++
	}
	return off
}

func (r *jsonReader) value() (*jv, error) {
	off := r.here()
	r.values++
	if r.values > r.max {
		return nil, errAt(r.src, off, "more than %d JSON values (the limits of terms and vertices)", r.max)
	}
	tok, err := r.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errAt(r.src, int(se.Offset)-1, "not JSON: %v", se)
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errAt(r.src, len(r.src), "the JSON ends early")
		}
		return nil, errAt(r.src, off, "not JSON: %v", err)
	}
	v := &jv{off: off}
	switch t := tok.(type) {
	case json.Delim:
		r.depth++
		if r.depth > r.lim.Depth*2+6 {
			return nil, errAt(r.src, off, "JSON nested deeper than %d (the limit of nesting)", r.lim.Depth*2+6)
		}
		defer func() { r.depth-- }()
		if t == '[' {
			v.kind = 'a'
			for r.dec.More() {
				x, err := r.value()
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, x)
			}
		} else {
			v.kind = 'o'
			for r.dec.More() {
				koff := r.here()
				k, err := r.dec.Token()
				if err != nil {
					return nil, errAt(r.src, koff, "not JSON: %v", err)
				}
				ks, _ := k.(string)
				if len(ks) > r.lim.Literal {
					return nil, errAt(r.src, koff, "a key longer than %d bytes (the limit of a literal)", r.lim.Literal)
				}
				x, err := r.value()
				if err != nil {
					return nil, err
				}
				if slices.Contains(v.keys, ks) {
					return nil, errAt(r.src, koff, "key %q given twice", ks)
				}
				v.keys, v.vals = append(v.keys, ks), append(v.vals, x)
			}
		}
		if _, err := r.dec.Token(); err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errAt(r.src, len(r.src), "the JSON ends early")
			}
			return nil, errAt(r.src, r.here(), "not JSON: %v", err)
		}
	case string:
		if len(t) > r.lim.Literal {
			return nil, errAt(r.src, off, "a string literal longer than %d bytes (the limit of a literal)", r.lim.Literal)
		}
		v.kind, v.str = 's', t
	case json.Number:
		if len(t) > 64 {
			return nil, errAt(r.src, off, "a number longer than 64 characters (the limit of a numeric literal)")
		}
		f, err := t.Float64()
		if err != nil || f > 1e300 || f < -1e300 {
			return nil, errAt(r.src, off, "%s is not a finite number", t)
		}
		v.kind, v.num = 'n', f
	case bool:
		v.kind, v.b = 'b', t
	case nil:
		v.kind = 'z'
	}
	return v, nil
}

// jsonConv turns JSON values into the tree, counting terms, depth and
// vertices as the text parser does.
type jsonConv struct {
	src      string
	lim      Limits
	terms    int
	depth    int
	vertices int
}

func (c *jsonConv) err(v *jv, format string, a ...any) *Error {
	return errAt(c.src, v.off, format, a...)
}

func (c *jsonConv) term(v *jv) error {
	c.terms++
	if c.terms > c.lim.Terms {
		return c.err(v, "more than %d terms (the limit of terms in an expression)", c.lim.Terms)
	}
	return nil
}

func (c *jsonConv) predicate(v *jv) (Node, error) {
	if v.kind == 'b' {
		return &Literal{Off: v.off, Value: v.b}, c.term(v)
	}
	if v.kind != 'o' {
		return nil, c.err(v, "expected a predicate: an object with \"op\" and \"args\", true or false")
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > c.lim.Depth {
		return nil, c.err(v, "nesting deeper than %d (the limit of nesting)", c.lim.Depth)
	}
	opv, ok := v.get("op")
	if !ok || opv.kind != 's' {
		return nil, c.err(v, "expected an object with \"op\" (a string) and \"args\"")
	}
	args, ok := v.get("args")
	if !ok || args.kind != 'a' {
		return nil, c.err(v, "op %q needs \"args\", an array", opv.str)
	}
	for _, k := range v.keys {
		if k != "op" && k != "args" {
			return nil, c.err(v, "unknown member %q beside op and args", k)
		}
	}
	out, err := c.operation(v, opv, args)
	if err != nil {
		return nil, err
	}
	return out, c.term(v)
}

// operation converts the op of predicate v by its args.
func (c *jsonConv) operation(v, opv, args *jv) (Node, error) {
	op, n := opv.str, len(args.arr)
	switch {
	case op == "and" || op == "or":
		if n < 2 {
			return nil, c.err(args, "op %q takes 2 or more arguments, not %d", op, n)
		}
		var xs []Node
		for _, a := range args.arr {
			x, err := c.predicate(a)
			if err != nil {
				return nil, err
			}
			xs = append(xs, x)
		}
		return newLogical(v.off, op, xs), nil
	case op == "not":
		if err := c.arity(op, args, 1); err != nil {
			return nil, err
		}
		x, err := c.predicate(args.arr[0])
		if err != nil {
			return nil, err
		}
		return &Not{Off: v.off, Arg: x}, nil
	case slices.Contains(compareOps, op) || op == "like" || op == "between" || op == "isNull":
		return c.comparison(v, op, args)
	case op == "in":
		return c.in(v, args)
	case slices.Contains(spatialOps, op):
		if err := c.arity(op, args, 2); err != nil {
			return nil, err
		}
		a, err := c.geom(args.arr[0])
		if err != nil {
			return nil, err
		}
		b, err := c.geom(args.arr[1])
		if err != nil {
			return nil, err
		}
		return &Spatial{Off: v.off, Op: op, A: a, B: b}, nil
	}
	return nil, c.err(opv, "op %q is not supported (supported: and, or, not, %s, like, between, in, isNull, %s)", op, strings.Join(compareOps, ", "), strings.Join(spatialOps, ", "))
}

// arity checks that op has k arguments.
func (c *jsonConv) arity(op string, args *jv, k int) error {
	if n := len(args.arr); n != k {
		return c.err(args, "op %q takes %d arguments, not %d", op, k, n)
	}
	return nil
}

// comparison converts the ops whose arguments are all scalars: the
// comparisons, like, between and isNull.
func (c *jsonConv) comparison(v *jv, op string, args *jv) (Node, error) {
	k := 2
	switch op {
	case "between":
		k = 3
	case "isNull":
		k = 1
	}
	if err := c.arity(op, args, k); err != nil {
		return nil, err
	}
	var xs [3]Node
	for i := 0; i < k; i++ {
		x, err := c.scalar(args.arr[i])
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	switch op {
	case "like":
		return &Like{Off: v.off, X: xs[0], Pattern: xs[1]}, nil
	case "between":
		return &Between{Off: v.off, X: xs[0], Lo: xs[1], Hi: xs[2]}, nil
	case "isNull":
		return &IsNull{Off: v.off, X: xs[0]}, nil
	}
	return &Compare{Off: v.off, Op: op, L: xs[0], R: xs[1]}, nil
}

// in converts op "in": a scalar and a non-empty array of scalars.
func (c *jsonConv) in(v, args *jv) (Node, error) {
	if err := c.arity("in", args, 2); err != nil {
		return nil, err
	}
	x, err := c.scalar(args.arr[0])
	if err != nil {
		return nil, err
	}
	if args.arr[1].kind != 'a' || len(args.arr[1].arr) == 0 {
		return nil, c.err(args.arr[1], "op \"in\" needs a non-empty array as its second argument")
	}
	in := &In{Off: v.off, X: x}
	for _, a := range args.arr[1].arr {
		y, err := c.scalar(a)
		if err != nil {
			return nil, err
		}
		in.List = append(in.List, y)
	}
	return in, nil
}

func (c *jsonConv) scalar(v *jv) (Node, error) {
	if err := c.term(v); err != nil {
		return nil, err
	}
	switch v.kind {
	case 's':
		return &Literal{Off: v.off, Value: v.str}, nil
	case 'n':
		return &Literal{Off: v.off, Value: v.num}, nil
	case 'b':
		return &Literal{Off: v.off, Value: v.b}, nil
	case 'o':
		if len(v.keys) == 1 {
			x := v.vals[0]
			switch v.keys[0] {
			case "property":
				if x.kind != 's' {
					return nil, c.err(x, "a property is named by a string")
				}
				return &Property{Off: v.off, Name: x.str}, nil
			case "date", "timestamp":
				if x.kind != 's' {
					return nil, c.err(x, "a %s is a string", v.keys[0])
				}
				t, err := parseInstant(v.keys[0], x.str)
				if err != nil {
					return nil, c.err(x, "%s", err.Error())
				}
				return &Literal{Off: v.off, Value: t, Date: v.keys[0] == "date"}, nil
			}
		}
		if _, ok := v.get("op"); ok {
			return nil, c.err(v, "functions and nested operations are not supported as operands")
		}
	}
	return nil, c.err(v, "expected a property ({\"property\": name}), a string, number or boolean, or {\"date\": …} or {\"timestamp\": …}")
}

func (c *jsonConv) geom(v *jv) (Node, error) {
	if err := c.term(v); err != nil {
		return nil, err
	}
	if v.kind == 'o' {
		if p, ok := v.get("property"); ok && len(v.keys) == 1 && p.kind == 's' {
			return &Property{Off: v.off, Name: p.str}, nil
		}
		if b, ok := v.get("bbox"); ok && len(v.keys) == 1 {
			var n []float64
			if b.kind == 'a' {
				for _, x := range b.arr {
					if x.kind != 'n' {
						return nil, c.err(x, "a bbox holds numbers")
					}
					n = append(n, x.num)
				}
			}
			g, err := bboxPolygon(n, func(msg string) error { return c.err(v, "%s", msg) })
			if err != nil {
				return nil, err
			}
			return &Geometry{Off: v.off, Geom: g}, nil
		}
		if _, ok := v.get("type"); ok {
			g, err := c.geojson(v, 0)
			if err != nil {
				return nil, err
			}
			return &Geometry{Off: v.off, Geom: g}, nil
		}
	}
	return nil, c.err(v, "expected a geometry: {\"property\": name}, a GeoJSON geometry or {\"bbox\": […]}")
}

// geojson reads a GeoJSON geometry object.
func (c *jsonConv) geojson(v *jv, depth int) (orb.Geometry, error) {
	if depth > c.lim.Depth {
		return nil, c.err(v, "nesting deeper than %d (the limit of nesting)", c.lim.Depth)
	}
	t, _ := v.get("type")
	if t == nil || t.kind != 's' {
		return nil, c.err(v, "a GeoJSON geometry needs a \"type\"")
	}
	if t.str == "GeometryCollection" {
		gs, ok := v.get("geometries")
		if !ok || gs.kind != 'a' {
			return nil, c.err(v, "a GeometryCollection needs \"geometries\"")
		}
		var out orb.Collection
		for _, g := range gs.arr {
			x, err := c.geojson(g, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	typ := map[string]string{"Point": "POINT", "LineString": "LINESTRING", "Polygon": "POLYGON", "MultiPoint": "MULTIPOINT", "MultiLineString": "MULTILINESTRING", "MultiPolygon": "MULTIPOLYGON"}[t.str]
	if typ == "" {
		return nil, c.err(t, "GeoJSON type %q is not a geometry", t.str)
	}
	cv, ok := v.get("coordinates")
	if !ok {
		return nil, c.err(v, "a %s needs \"coordinates\"", t.str)
	}
	var lst *coords
	var err error
	if typ == "POINT" {
		lst = &coords{}
		var p orb.Point
		if p, err = c.position(cv); err != nil {
			return nil, err
		}
		lst.pts = []orb.Point{p}
	} else if lst, err = c.coordArray(cv); err != nil {
		return nil, err
	}
	if typ == "MULTIPOINT" {
		// GeoJSON writes a multipoint's positions flat.
		lst = &coords{pts: lst.pts}
	}
	g, msg := shape(typ, lst)
	if msg != "" {
		return nil, c.err(v, "%s %s", t.str, msg)
	}
	return g, nil
}

func (c *jsonConv) position(v *jv) (orb.Point, error) {
	if v.kind != 'a' || len(v.arr) < 2 || len(v.arr) > 3 || v.arr[0].kind != 'n' || v.arr[1].kind != 'n' {
		return orb.Point{}, c.err(v, "a position is an array of 2 or 3 numbers")
	}
	c.vertices++
	if c.vertices > c.lim.Vertices {
		return orb.Point{}, c.err(v, "geometry literals with more than %d vertices (the limit of vertices)", c.lim.Vertices)
	}
	return orb.Point{v.arr[0].num, v.arr[1].num}, nil
}

// coordArray reads nested coordinate arrays: an array of positions is a
// list of points, an array of arrays of arrays a list of lists.
func (c *jsonConv) coordArray(v *jv) (*coords, error) {
	if v.kind != 'a' {
		return nil, c.err(v, "coordinates are arrays")
	}
	out := &coords{}
	for _, x := range v.arr {
		if x.kind == 'a' && len(x.arr) > 0 && x.arr[0].kind == 'n' {
			p, err := c.position(x)
			if err != nil {
				return nil, err
			}
			out.pts = append(out.pts, p)
			continue
		}
		k, err := c.coordArray(x)
		if err != nil {
			return nil, err
		}
		out.kids = append(out.kids, k)
	}
	if len(out.pts) > 0 && len(out.kids) > 0 {
		return nil, c.err(v, "an array mixes positions and arrays")
	}
	return out, nil
}
