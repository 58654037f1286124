package cql2

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

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
