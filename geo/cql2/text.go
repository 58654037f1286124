package cql2

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "identifier"
	tString
	tNumber
	tOp // = <> < > <= >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	off  int
	text string // identifier (as written), string value, number or operator
}

// parser reads CQL2 text by recursive descent over tokens read on demand.
type parser struct {
	src      string
	lim      Limits
	pos      int // next byte to scan
	tok      token
	depth    int
	terms    int
	vertices int
}

// ParseText reads a CQL2 text expression.
func ParseText(src string, lim Limits) (*Expr, error) {
	if len(src) > lim.Length {
		return nil, &Error{Msg: "the expression is " + strconv.Itoa(len(src)) + " bytes; the limit is " + strconv.Itoa(lim.Length)}
	}
	if !utf8.ValidString(src) {
		return nil, &Error{Msg: "the expression is not UTF-8"}
	}
	p := &parser{src: src, lim: lim}
	if err := p.next(); err != nil {
		return nil, err
	}
	n, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errTok("expected AND, OR or the end of the expression")
	}
	return &Expr{Root: n, src: src}, nil
}

func (p *parser) err(off int, format string, a ...any) *Error { return errAt(p.src, off, format, a...) }

func (p *parser) errTok(format string, a ...any) *Error {
	e := p.err(p.tok.off, format, a...)
	switch p.tok.kind {
	case tEOF:
		e.Msg += ", found the end"
	case tString:
		e.Msg += ", found a string"
	default:
		e.Msg += ", found " + strconv.Quote(p.tok.text)
	}
	return e
}

// term counts a node against the limit.
func (p *parser) term(off int) error {
	p.terms++
	if p.terms > p.lim.Terms {
		return p.err(off, "more than %d terms (the limit of terms in an expression)", p.lim.Terms)
	}
	return nil
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > p.lim.Depth {
		return p.err(off, "nesting deeper than %d (the limit of nesting)", p.lim.Depth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// next scans the next token.
func (p *parser) next() error {
	s := p.src
	for p.pos < len(s) {
		r, w := utf8.DecodeRuneInString(s[p.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		p.pos += w
	}
	start := p.pos
	if start >= len(s) {
		p.tok = token{kind: tEOF, off: start}
		return nil
	}
	c := s[start]
	switch {
	case c == '(':
		p.pos++
		p.tok = token{tLParen, start, "("}
	case c == ')':
		p.pos++
		p.tok = token{tRParen, start, ")"}
	case c == ',':
		p.pos++
		p.tok = token{tComma, start, ","}
	case c == '=':
		p.pos++
		p.tok = token{tOp, start, "="}
	case c == '<' || c == '>':
		p.pos++
		if p.pos < len(s) && (s[p.pos] == '=' || c == '<' && s[p.pos] == '>') {
			p.pos++
		}
		p.tok = token{tOp, start, s[start:p.pos]}
	case c == '\'':
		var b strings.Builder
		i := start + 1
		for {
			if i >= len(s) {
				return p.err(start, "a string literal that does not end")
			}
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				break
			}
			b.WriteByte(s[i])
			i++
			if b.Len() > p.lim.Literal {
				return p.err(start, "a string literal longer than %d bytes (the limit of a literal)", p.lim.Literal)
			}
		}
		p.pos = i + 1
		p.tok = token{tString, start, b.String()}
	case c == '"':
		end := strings.IndexByte(s[start+1:], '"')
		if end < 0 {
			return p.err(start, "a quoted name that does not end")
		}
		if end > p.lim.Literal {
			return p.err(start, "a name longer than %d bytes (the limit of a literal)", p.lim.Literal)
		}
		p.pos = start + 1 + end + 1
		p.tok = token{tQuoted, start, s[start+1 : start+1+end]}
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		i := start
		if c == '-' || c == '+' {
			i++
		}
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
			(s[i] == '-' || s[i] == '+') && (s[i-1] == 'e' || s[i-1] == 'E')) {
			i++
		}
		if i-start > 64 {
			return p.err(start, "a number longer than 64 characters (the limit of a numeric literal)")
		}
		p.pos = i
		p.tok = token{tNumber, start, s[start:i]}
	default:
		r, _ := utf8.DecodeRuneInString(s[start:])
		if !unicode.IsLetter(r) && r != '_' {
			return p.err(start, "unexpected character %q", r)
		}
		i := start
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != ':' {
				break
			}
			i += w
		}
		if i-start > p.lim.Literal {
			return p.err(start, "a name longer than %d bytes (the limit of a literal)", p.lim.Literal)
		}
		p.pos = i
		p.tok = token{tIdent, start, s[start:i]}
	}
	return nil
}

// keyword reports whether the current token is the keyword kw.
func (p *parser) keyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) expect(k tokKind, what string) error {
	if p.tok.kind != k {
		return p.errTok("expected %s", what)
	}
	return p.next()
}

func (p *parser) orExpr() (Node, error) {
	return p.logical("or", p.andExpr)
}

func (p *parser) andExpr() (Node, error) {
	return p.logical("and", p.notExpr)
}

func (p *parser) logical(op string, sub func() (Node, error)) (Node, error) {
	off := p.tok.off
	first, err := sub()
	if err != nil {
		return nil, err
	}
	args := []Node{first}
	for p.keyword(op) {
		if err := p.next(); err != nil {
			return nil, err
		}
		n, err := sub()
		if err != nil {
			return nil, err
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return first, nil
	}
	return newLogical(off, op, args), p.term(off)
}

func (p *parser) notExpr() (Node, error) {
	if p.keyword("not") {
		off := p.tok.off
		if err := p.enter(off); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.next(); err != nil {
			return nil, err
		}
		arg, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &Not{Off: off, Arg: arg}, p.term(off)
	}
	return p.primary()
}

// primary is a parenthesized expression, a boolean literal, a spatial
// predicate or a comparison.
func (p *parser) primary() (Node, error) {
	off := p.tok.off
	if p.tok.kind == tLParen {
		if err := p.enter(off); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.next(); err != nil {
			return nil, err
		}
		n, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		return n, p.expect(tRParen, "')'")
	}
	if p.tok.kind == tIdent {
		low := strings.ToLower(p.tok.text)
		if slices.Contains(spatialOps, low) {
			return p.spatial(low)
		}
		if (low == "true" || low == "false") && !p.followedByOperator() {
			if err := p.next(); err != nil {
				return nil, err
			}
			return &Literal{Off: off, Value: low == "true"}, p.term(off)
		}
	}
	return p.predicate()
}

// followedByOperator reports whether the token after the current one
// starts a comparison (TRUE = x is a comparison, TRUE alone a predicate).
func (p *parser) followedByOperator() bool {
	save, tok := p.pos, p.tok
	defer func() { p.pos, p.tok = save, tok }()
	if p.next() != nil {
		return false
	}
	if p.tok.kind == tOp {
		return true
	}
	for _, kw := range []string{"like", "between", "in", "is", "not"} {
		if p.keyword(kw) {
			return true
		}
	}
	return false
}

func (p *parser) spatial(op string) (Node, error) {
	off := p.tok.off
	if err := p.next(); err != nil {
		return nil, err
	}
	if err := p.expect(tLParen, "'(' after "+strings.ToUpper(op)); err != nil {
		return nil, err
	}
	a, err := p.geomOperand()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tComma, "',' between the two geometries of "+strings.ToUpper(op)); err != nil {
		return nil, err
	}
	b, err := p.geomOperand()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tRParen, "')' closing "+strings.ToUpper(op)); err != nil {
		return nil, err
	}
	return &Spatial{Off: off, Op: op, A: a, B: b}, p.term(off)
}

func (p *parser) geomOperand() (Node, error) {
	off := p.tok.off
	if p.tok.kind == tIdent && wktType(p.tok.text) != "" {
		return p.wkt()
	}
	if p.tok.kind == tIdent || p.tok.kind == tQuoted {
		name := p.tok.text
		if err := p.next(); err != nil {
			return nil, err
		}
		return &Property{Off: off, Name: name}, p.term(off)
	}
	return nil, p.errTok("expected a geometry (a property, WKT or BBOX)")
}

// predicate is a comparison, LIKE, BETWEEN, IN or IS NULL.
func (p *parser) predicate() (Node, error) {
	off := p.tok.off
	x, err := p.scalar()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		op := p.tok.text
		if err := p.next(); err != nil {
			return nil, err
		}
		y, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return &Compare{Off: off, Op: op, L: x, R: y}, p.term(off)
	}
	if p.keyword("is") {
		if err := p.next(); err != nil {
			return nil, err
		}
		not := p.keyword("not")
		if not {
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if !p.keyword("null") {
			return nil, p.errTok("expected NULL after IS")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		return negate(off, not, &IsNull{Off: off, X: x}), p.term(off)
	}
	not := p.keyword("not")
	if not {
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	switch {
	case p.keyword("like"):
		if err := p.next(); err != nil {
			return nil, err
		}
		pat, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return negate(off, not, &Like{Off: off, X: x, Pattern: pat}), p.term(off)
	case p.keyword("between"):
		if err := p.next(); err != nil {
			return nil, err
		}
		lo, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if !p.keyword("and") {
			return nil, p.errTok("expected AND in BETWEEN")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		hi, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return negate(off, not, &Between{Off: off, X: x, Lo: lo, Hi: hi}), p.term(off)
	case p.keyword("in"):
		if err := p.next(); err != nil {
			return nil, err
		}
		if err := p.expect(tLParen, "'(' after IN"); err != nil {
			return nil, err
		}
		var list []Node
		for {
			v, err := p.scalar()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			if p.tok.kind != tComma {
				break
			}
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if err := p.expect(tRParen, "',' or ')' in the IN list"); err != nil {
			return nil, err
		}
		return negate(off, not, &In{Off: off, X: x, List: list}), p.term(off)
	}
	if not {
		return nil, p.errTok("expected LIKE, BETWEEN or IN after NOT")
	}
	return nil, p.errTok("expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN or IS NULL)")
}

// scalar is a property, a string, number or boolean literal, or DATE('…')
// or TIMESTAMP('…').
func (p *parser) scalar() (Node, error) {
	t := p.tok
	lit := func(v any, date bool) (Node, error) {
		if err := p.next(); err != nil {
			return nil, err
		}
		return &Literal{Off: t.off, Value: v, Date: date}, p.term(t.off)
	}
	switch t.kind {
	case tString:
		return lit(t.text, false)
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || f != f {
			return nil, p.err(t.off, "%q is not a number", t.text)
		}
		return lit(f, false)
	case tQuoted:
		if err := p.next(); err != nil {
			return nil, err
		}
		return &Property{Off: t.off, Name: t.text}, p.term(t.off)
	case tIdent:
		low := strings.ToLower(t.text)
		switch low {
		case "true", "false":
			return lit(low == "true", false)
		case "date", "timestamp":
			if err := p.next(); err != nil {
				return nil, err
			}
			if err := p.expect(tLParen, "'(' after "+strings.ToUpper(low)); err != nil {
				return nil, err
			}
			if p.tok.kind != tString {
				return nil, p.errTok("expected a quoted %s", low)
			}
			v, err := parseInstant(low, p.tok.text)
			if err != nil {
				return nil, p.err(p.tok.off, "%s", err.Error())
			}
			if err := p.next(); err != nil {
				return nil, err
			}
			if err := p.expect(tRParen, "')' closing "+strings.ToUpper(low)); err != nil {
				return nil, err
			}
			return &Literal{Off: t.off, Value: v, Date: low == "date"}, p.term(t.off)
		case "and", "or", "not", "is", "null", "like", "between", "in":
			return nil, p.errTok("expected a property or a literal")
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind == tLParen {
			return nil, p.err(t.off, "function %s is not supported", t.text)
		}
		return &Property{Off: t.off, Name: t.text}, p.term(t.off)
	}
	return nil, p.errTok("expected a property or a literal")
}

func parseInstant(kind, s string) (time.Time, error) {
	layout := time.RFC3339Nano
	if kind == "date" {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return t, &Error{Msg: strconv.Quote(s) + " is not a " + map[string]string{"date": "date (YYYY-MM-DD)", "timestamp": "timestamp (RFC 3339, e.g. 2022-04-16T10:13:19Z)"}[kind]}
	}
	return t.UTC(), nil
}

// wktType is the canonical name of a WKT geometry keyword, or "".
func wktType(s string) string {
	up := strings.ToUpper(s)
	switch up {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX":
		return up
	}
	return ""
}

// wkt reads a WKT geometry or BBOX(…) from the tokens.
func (p *parser) wkt() (Node, error) {
	off := p.tok.off
	g, err := p.wktGeom()
	if err != nil {
		return nil, err
	}
	return &Geometry{Off: off, Geom: g}, p.term(off)
}

func (p *parser) wktGeom() (orb.Geometry, error) {
	off := p.tok.off
	typ := wktType(p.tok.text)
	if typ == "" {
		return nil, p.errTok("expected a WKT geometry")
	}
	if err := p.enter(off); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.keyword("z") {
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if typ == "BBOX" {
		if err := p.expect(tLParen, "'(' after BBOX"); err != nil {
			return nil, err
		}
		var n []float64
		for {
			f, err := p.number()
			if err != nil {
				return nil, err
			}
			n = append(n, f)
			if p.tok.kind != tComma || len(n) == 6 {
				break
			}
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if err := p.expect(tRParen, "')' closing BBOX"); err != nil {
			return nil, err
		}
		return bboxPolygon(n, func(msg string) error { return p.err(off, "%s", msg) })
	}
	if typ == "GEOMETRYCOLLECTION" {
		if err := p.expect(tLParen, "'(' after GEOMETRYCOLLECTION"); err != nil {
			return nil, err
		}
		var c orb.Collection
		for {
			g, err := p.wktGeom()
			if err != nil {
				return nil, err
			}
			c = append(c, g)
			if p.tok.kind != tComma {
				break
			}
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		return c, p.expect(tRParen, "')' closing GEOMETRYCOLLECTION")
	}
	lst, err := p.coordList()
	if err != nil {
		return nil, err
	}
	g, msg := shape(typ, lst)
	if msg != "" {
		return nil, p.err(off, "%s %s", typ, msg)
	}
	return g, nil
}

// coords is a parenthesized list: either points or nested lists.
type coords struct {
	pts  []orb.Point
	kids []*coords
}

func (p *parser) coordList() (*coords, error) {
	off := p.tok.off
	if err := p.enter(off); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.expect(tLParen, "'('"); err != nil {
		return nil, err
	}
	c := &coords{}
	for {
		if p.tok.kind == tLParen {
			k, err := p.coordList()
			if err != nil {
				return nil, err
			}
			c.kids = append(c.kids, k)
		} else {
			x, err := p.number()
			if err != nil {
				return nil, err
			}
			y, err := p.number()
			if err != nil {
				return nil, err
			}
			if p.tok.kind == tNumber { // z, ignored
				if _, err := p.number(); err != nil {
					return nil, err
				}
			}
			p.vertices++
			if p.vertices > p.lim.Vertices {
				return nil, p.err(off, "geometry literals with more than %d vertices (the limit of vertices)", p.lim.Vertices)
			}
			c.pts = append(c.pts, orb.Point{x, y})
		}
		if p.tok.kind != tComma {
			break
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if len(c.pts) > 0 && len(c.kids) > 0 {
		return nil, p.err(off, "a list mixes coordinates and lists")
	}
	return c, p.expect(tRParen, "',' or ')' in the coordinates")
}

func (p *parser) number() (float64, error) {
	if p.tok.kind != tNumber {
		return 0, p.errTok("expected a number")
	}
	f, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		return 0, p.err(p.tok.off, "%q is not a finite number", p.tok.text)
	}
	return f, p.next()
}

// shape makes the geometry of a WKT type from its coordinate lists, or
// says what is wrong with them.
func shape(typ string, c *coords) (orb.Geometry, string) {
	ring := func(c *coords) (orb.Ring, string) {
		if len(c.kids) > 0 || len(c.pts) < 4 || c.pts[0] != c.pts[len(c.pts)-1] {
			return nil, "needs closed rings of at least 4 points"
		}
		return orb.Ring(c.pts), ""
	}
	poly := func(c *coords) (orb.Polygon, string) {
		if len(c.kids) == 0 {
			return nil, "needs rings in parentheses"
		}
		var pg orb.Polygon
		for _, k := range c.kids {
			r, msg := ring(k)
			if msg != "" {
				return nil, msg
			}
			pg = append(pg, r)
		}
		return pg, ""
	}
	line := func(c *coords) (orb.LineString, string) {
		if len(c.kids) > 0 || len(c.pts) < 2 {
			return nil, "needs lines of at least 2 points"
		}
		return orb.LineString(c.pts), ""
	}
	switch typ {
	case "POINT":
		if len(c.pts) != 1 {
			return nil, "needs one point"
		}
		return c.pts[0], ""
	case "LINESTRING":
		return line(c)
	case "POLYGON":
		return poly(c)
	case "MULTIPOINT":
		mp := orb.MultiPoint(c.pts)
		for _, k := range c.kids {
			if len(k.pts) != 1 {
				return nil, "needs one point in each parenthesis"
			}
			mp = append(mp, k.pts[0])
		}
		return mp, ""
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		for _, k := range c.kids {
			l, msg := line(k)
			if msg != "" {
				return nil, msg
			}
			ml = append(ml, l)
		}
		if len(ml) == 0 {
			return nil, "needs lines in parentheses"
		}
		return ml, ""
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		for _, k := range c.kids {
			pg, msg := poly(k)
			if msg != "" {
				return nil, msg
			}
			mp = append(mp, pg)
		}
		if len(mp) == 0 {
			return nil, "needs polygons in parentheses"
		}
		return mp, ""
	}
	return nil, "is not supported"
}

// bboxPolygon is the polygon of a 4- or 6-number box (heights ignored).
func bboxPolygon(n []float64, fail func(string) error) (orb.Geometry, error) {
	if len(n) == 6 {
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	if len(n) != 4 {
		return nil, fail("BBOX needs 4 or 6 numbers")
	}
	if n[0] > n[2] || n[1] > n[3] {
		return nil, fail("BBOX's minimum exceeds its maximum (boxes across the antimeridian are not supported)")
	}
	return orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}.ToPolygon(), nil
}
