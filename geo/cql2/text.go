package cql2

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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
	return p.keywordPredicate(off, x)
}

// keywordPredicate is the rest of a predicate on x after [NOT]: LIKE,
// BETWEEN or IN.
func (p *parser) keywordPredicate(off int, x Node) (Node, error) {
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
		list, err := p.inList()
		if err != nil {
			return nil, err
		}
		return negate(off, not, &In{Off: off, X: x, List: list}), p.term(off)
	}
	if not {
		return nil, p.errTok("expected LIKE, BETWEEN or IN after NOT")
	}
	return nil, p.errTok("expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN or IS NULL)")
}

// inList reads the scalars of an IN list up to its ')'.
func (p *parser) inList() ([]Node, error) {
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
	return list, p.expect(tRParen, "',' or ')' in the IN list")
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
