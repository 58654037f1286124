package cql2

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
		return p.scanString(start)
	case c == '"':
		return p.scanQuoted(start)
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		return p.scanNumber(start)
	default:
		return p.scanIdent(start)
	}
	return nil
}

// scanString scans a string literal starting at start, ” standing for '.
func (p *parser) scanString(start int) error {
	s := p.src
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
	return nil
}

// scanQuoted scans a "quoted" name starting at start.
func (p *parser) scanQuoted(start int) error {
	s := p.src
	end := strings.IndexByte(s[start+1:], '"')
	if end < 0 {
		return p.err(start, "a quoted name that does not end")
	}
	if end > p.lim.Literal {
		return p.err(start, "a name longer than %d bytes (the limit of a literal)", p.lim.Literal)
	}
	p.pos = start + 1 + end + 1
	p.tok = token{tQuoted, start, s[start+1 : start+1+end]}
	return nil
}

// scanNumber scans a number starting at start (checked when parsed).
func (p *parser) scanNumber(start int) error {
	s := p.src
	i := start
	if c := s[start]; c == '-' || c == '+' {
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
	return nil
}

// scanIdent scans a name or keyword starting at start.
func (p *parser) scanIdent(start int) error {
	s := p.src
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
