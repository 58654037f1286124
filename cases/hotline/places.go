package hotline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"golang.org/x/text/width"
)

// placeLayers are the layers whose named features a place name may match,
// finest first (a tie between names of equal length prefers the earlier).
var placeLayers = []string{geo.Waste, geo.Green, geo.Roads, geo.Parcels, geo.Zones, geo.Areas}

// place is one named feature and a point on it.
type place struct {
	layer, name string
	id          int64
	at          orb.Point
	size        float64 // a road's segment length (degrees), to pick its longest
}

// Places finds a point for a place name among the named features of an
// index snapshot: the exact name, then the name normalised (spaces, full-
// width forms and a 路/街/大道 suffix variant ignored), then the longest
// name the text contains. A name held by several features is ambiguous,
// except a road's segments, which are one road.
type Places struct {
	exact map[string][]*place
	norm  map[string][]*place // by normalised name, suffix stripped
	bare  map[string][]*place // by normalised name, for containment
	// longest is the most characters of a name in bare.
	longest int
}

// minContained is the fewest characters a name needs to be found inside a
// longer address (shorter ones match too much by chance); maxContaining
// bounds the address searched for names (its substrings are looked up).
const (
	minContained  = 3
	maxContaining = 200
)

// NewPlaces indexes the named features of snap (nil: no places).
func NewPlaces(ctx context.Context, snap *index.Snapshot) (*Places, error) {
	p := &Places{exact: map[string][]*place{}, norm: map[string][]*place{}, bare: map[string][]*place{}}
	if snap == nil {
		return p, nil
	}
	n := 0
	var err error
	for _, layer := range placeLayers {
		l := snap.Layer(layer)
		if l == nil {
			continue
		}
		l.Scan(func(f *geo.Feature) bool {
			if n++; n%4096 == 0 {
				if err = ctx.Err(); err != nil {
					return false
				}
			}
			name := strings.TrimSpace(f.Text("name"))
			if name == "" {
				return true
			}
			at, size, ok := pointOn(f.Geom)
			if !ok {
				return true
			}
			pl := &place{layer: layer, name: name, id: f.ID, at: at, size: size}
			p.exact[name] = append(p.exact[name], pl)
			p.norm[stripSuffix(normalize(name))] = append(p.norm[stripSuffix(normalize(name))], pl)
			b := normalize(name)
			p.bare[b] = append(p.bare[b], pl)
			p.longest = max(p.longest, utf8.RuneCountInString(b))
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// normalize folds full-width forms to half-width, drops spaces and
// punctuation of names (·, -, brackets kept as text), and lower-cases.
func normalize(s string) string {
	s = width.Narrow.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '·' || r == '•' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// roadSuffixes are the variants of a road's generic suffix, longest first.
var roadSuffixes = []string{"大街", "大道", "路", "街", "道", "巷"}

// stripSuffix drops one road suffix variant, keeping at least two
// characters (道 alone stays 道).
func stripSuffix(s string) string {
	for _, suf := range roadSuffixes {
		if t, ok := strings.CutSuffix(s, suf); ok && utf8.RuneCountInString(t) >= 2 {
			return t
		}
	}
	return s
}

// Lookup finds the point of a place name; why says why there is none
// (no feature has the name, or several different ones do).
func (p *Places) Lookup(text string) (at orb.Point, matched string, why string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return orb.Point{}, "", "no coordinates and no place name"
	}
	for _, stage := range []struct {
		m   map[string][]*place
		key string
	}{{p.exact, text}, {p.norm, stripSuffix(normalize(text))}} {
		if ps := stage.m[stage.key]; len(ps) > 0 {
			return resolve(ps)
		}
	}
	// The longest names the text contains: its substrings, longest first,
	// looked up (the work is bounded by the text, not by the features).
	rs := []rune(normalize(text))
	if len(rs) > maxContaining {
		return orb.Point{}, "", fmt.Sprintf("matches no name, and is longer than the %d characters searched for one", maxContaining)
	}
	var found []*place
	for n := min(len(rs), p.longest); n >= minContained && len(found) == 0; n-- {
		seen := map[string]bool{}
		for i := 0; i+n <= len(rs); i++ {
			if k := string(rs[i : i+n]); !seen[k] {
				seen[k] = true
				found = append(found, p.bare[k]...)
			}
		}
	}
	if len(found) == 0 {
		return orb.Point{}, "", fmt.Sprintf("%q matches no named feature", text)
	}
	// Of names of one length, the finest layer's (an address naming a
	// road and its district means the road).
	best := slices.IndexFunc(placeLayers, func(l string) bool {
		return slices.ContainsFunc(found, func(p *place) bool { return p.layer == l })
	})
	found = slices.DeleteFunc(found, func(p *place) bool { return p.layer != placeLayers[best] })
	return resolve(found)
}

// resolve picks the place of features sharing a name: one feature, or the
// longest segment of one road; anything else is ambiguous.
func resolve(ps []*place) (orb.Point, string, string) {
	first := ps[0]
	same := !slices.ContainsFunc(ps, func(p *place) bool { return p.layer != first.layer || p.name != first.name })
	if len(ps) == 1 || same && first.layer == geo.Roads {
		best := slices.MaxFunc(ps, func(a, b *place) int {
			if a.size != b.size {
				if a.size < b.size {
					return -1
				}
				return 1
			}
			return int(b.id - a.id)
		})
		return best.at, best.layer + " " + best.name, ""
	}
	var names []string
	for i, p := range ps {
		if i == 4 {
			names = append(names, "…")
			break
		}
		names = append(names, fmt.Sprintf("%s %s (#%d)", p.layer, p.name, p.id))
	}
	return orb.Point{}, "", fmt.Sprintf("ambiguous: %d features match (%s)", len(ps), strings.Join(names, ", "))
}

// pointOn returns a point on a geometry: a point itself, a polygon's
// centroid when inside it (else its first vertex), the middle vertex of a
// line's longest part; size is that part's length for lines.
func pointOn(g orb.Geometry) (orb.Point, float64, bool) {
	switch g := g.(type) {
	case orb.Point:
		return g, 0, true
	case orb.MultiPoint:
		if len(g) > 0 {
			return g[0], 0, true
		}
	case orb.Polygon:
		return pointOn(orb.MultiPolygon{g})
	case orb.MultiPolygon:
		if len(g) == 0 || len(g[0]) == 0 || len(g[0][0]) == 0 {
			return orb.Point{}, 0, false
		}
		c, _ := planar.CentroidArea(g)
		if planar.MultiPolygonContains(g, c) {
			return c, 0, true
		}
		return g[0][0][0], 0, true
	case orb.LineString:
		return pointOn(orb.MultiLineString{g})
	case orb.MultiLineString:
		var best orb.LineString
		size := -1.0
		for _, l := range g {
			if n := planar.Length(l); len(l) > 0 && n > size {
				best, size = l, n
			}
		}
		if best != nil {
			return best[len(best)/2], size, true
		}
	}
	return orb.Point{}, 0, false
}

// Layers are the layers NewPlaces reads.
func Layers() []string { return slices.Clone(placeLayers) }
