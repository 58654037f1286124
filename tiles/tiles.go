// Package tiles cuts Mapbox Vector Tiles (MVT 2.1) from the in-memory index.
// Features found through the R-tree are projected to the tile's 4096-unit
// grid in floating point (into buffers reused from feature to feature: the
// index is never touched), clipped to the tile plus a 64-unit buffer,
// simplified with
// Douglas–Peucker at half a unit, then snapped to the integer grid; what
// collapses on the grid (smaller than a pixel) is dropped. Rings are wound
// as the spec says before encoding. The order — clip, simplify, snap — is
// PostGIS ST_AsMVTGeom's, whose tiles these are compared against in tests.
package tiles

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

const (
	// Extent is the tile's coordinate range.
	Extent = 4096
	// Buffer is how far, in tile units, geometry reaches past the tile edge.
	Buffer = 64
	// MaxZoom is the deepest zoom served.
	MaxZoom = 24
	// Tolerance is the Douglas–Peucker tolerance in tile units: half a
	// pixel, so the simplified line stays within a unit of the original
	// once both are snapped to the grid.
	Tolerance = 0.5
)

// Public lists the layers of the composite public tile: parcels (with their
// residents) are not public.
var Public = []string{geo.Areas, geo.Green, geo.Roads, geo.Waste}

// ErrBadTile is wrapped by errors about a tile address.
var ErrBadTile = errors.New("bad tile address")

// Address checks a z/x/y address.
func Address(z, x, y int) (maptile.Tile, error) {
	if z < 0 || z > MaxZoom {
		return maptile.Tile{}, fmt.Errorf("%w: zoom %d is outside 0–%d", ErrBadTile, z, MaxZoom)
	}
	n := 1 << uint(z)
	if x < 0 || x >= n || y < 0 || y >= n {
		return maptile.Tile{}, fmt.Errorf("%w: x and y must be within 0–%d at zoom %d", ErrBadTile, n-1, z)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// SearchBound is tile t with its buffer (Buffer/Extent of a tile on each
// side), in lon/lat: where features drawn in t are looked for.
func SearchBound(t maptile.Tile) orb.Bound { return t.Bound(float64(Buffer) / Extent) }

// within reports whether inner lies in outer (edges included).
func within(inner, outer orb.Bound) bool {
	return outer.Contains(inner.Min) && outer.Contains(inner.Max)
}

// clipBound is the tile plus its buffer, in tile units.
var clipBound = orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}

// Encoder cuts tiles from the snapshots of one index. It keeps each
// feature as tiles read it (kept: attributes and geometry), made the first
// time a tile draws it, and numbers the attribute values; whoever owns the
// index tells it of features that leave (Forget) so that it lets go of
// them. It is safe for concurrent use.
type Encoder struct {
	values valueNumbers
	slots  map[string]*attrSlots // geo.Schemas' layers, made with the encoder: read without a lock
}

// NewEncoder returns an encoder keeping nothing yet.
func NewEncoder() *Encoder {
	e := &Encoder{values: valueNumbers{ids: map[string]uint32{}, max: maxKeptValues}, slots: map[string]*attrSlots{}}
	for _, sc := range geo.Schemas {
		s := &attrSlots{}
		s.slots.Store(&[]atomic.Pointer[kept]{})
		e.slots[sc.ID] = s
	}
	return e
}

// Encode returns the uncompressed MVT of the named layers at t.
func (e *Encoder) Encode(snap *index.Snapshot, layers []string, t maptile.Tile) ([]byte, error) {
	return e.AppendViews(nil, snap, LayerViews(layers), t)
}

// LayerViews draws each named layer as it is.
func LayerViews(layers []string) []View {
	views := make([]View, len(layers))
	for i, l := range layers {
		views[i] = View{Name: l, From: l}
	}
	return views
}

// View is a tile layer drawn from a layer of the index, under its own name
// and with its own fields if it likes.
type View struct {
	Name   string                            // the layer's name in the tile
	From   string                            // the index layer its features come from
	Schema *geo.Schema                       // the fields written; nil: From's
	Props  func(*geo.Feature) map[string]any // the values; nil: the feature's own
}

// AppendViews appends the uncompressed MVT of the views at t to out.
func (e *Encoder) AppendViews(out []byte, snap *index.Snapshot, views []View, t maptile.Tile) ([]byte, error) {
	c := cutterPool.Get().(*cutter)
	defer cutterPool.Put(c)
	c.bound = SearchBound(t)
	c.wide = t.Bound(2 * float64(Buffer) / Extent)
	c.proj = newProjection(t, c.wide)
	for _, v := range views {
		name := v.Name
		l := snap.Layer(v.From)
		if l == nil {
			return nil, fmt.Errorf("unknown layer %q", v.From)
		}
		sc := v.Schema
		if sc == nil {
			sc = l.Schema
		}
		w := newLayerWriter(name, sc)
		// A layer's own attributes are encoded once per feature and kept,
		// with a copy of its geometry that the tile draws from (kept); a
		// view's are encoded for each tile, its geometry drawn from the
		// feature.
		var cache *attrSlots
		if v.Props == nil && sc == l.Schema {
			cache = e.slots[v.From]
		}
		l.SearchBounds(c.bound, func(f *geo.Feature, fb orb.Bound) bool {
			if cache != nil {
				if k := cache.get(f, sc, &e.values); k != nil {
					if typ, ok := c.held(w, k, fb); ok {
						w.addEncoded(f.ID, k.vals(), k.data(), typ)
					}
					return true
				}
			}
			typ, ok := c.feature(w, f.Geom, fb)
			if !ok {
				return true
			}
			var props map[string]any // nil: f's own
			if v.Props != nil {
				props = v.Props(f)
			}
			a := &w.scratchAttrs
			a.fill(f, sc, props, nil)
			w.addEncoded(f.ID, a.vals, a.data, typ)
			return true
		})
		if len(w.features) > 0 { // MVT 2.1 §4.1: no empty layers
			out = w.appendLayer(out)
		}
		w.release()
	}
	return out, nil
}

// cutter takes the features of one tile through projection, clipping,
// simplification, snapping and winding into a layer's command stream,
// reusing its buffers from feature to feature.
type cutter struct {
	proj        projection
	bound, wide orb.Bound // lon/lat: the tile with its buffer, with twice its buffer
	pts         []orb.Point
	mask        []byte
	stack       []int
	// pieces of a line crossing the edge, back to back, with their ends
	wideCut, tileCut   []orb.Point
	wideEnds, tileEnds []int
	// a polygon crossing the edge: projected (its rings back to back),
	// then clipped
	src          []orb.Point
	srcEnds      []int
	rings, parts []orb.Ring
	clip         rectClipper
	heldRings    orb.Polygon // a held polygon's rings (views of its kept block)
}

var cutterPool = sync.Pool{New: func() any { return new(cutter) }}

// feature writes the command stream of g (lon/lat, with bound gb) into
// w.geom; false when nothing of it is left in the tile.
func (c *cutter) feature(w *layerWriter, g orb.Geometry, gb orb.Bound) (uint64, bool) {
	// The search found gb overlapping the tile with its buffer; a geometry
	// wholly inside is projected vertex by vertex as it is encoded, others
	// are cut to the buffer's edge as they are projected.
	inside := within(gb, c.bound)
	w.beginGeometry()
	switch t := g.(type) {
	case orb.LineString:
		return geomLineString, c.line(w, t, inside)
	case orb.MultiLineString:
		drawn := false
		for _, l := range t {
			drawn = c.line(w, l, inside) || drawn
		}
		return geomLineString, drawn
	case orb.Polygon:
		return geomPolygon, c.polygonIn(w, t, inside)
	case orb.MultiPolygon:
		drawn := false
		for _, p := range t {
			drawn = c.polygonIn(w, p, inside) || drawn
		}
		return geomPolygon, drawn
	case orb.Point: // found, so inside
		return geomPoint, c.points(w, []orb.Point{t}, true)
	case orb.MultiPoint:
		return geomPoint, c.points(w, t, inside)
	}
	return 0, false
}

// held is feature for the geometry k holds (its bound gb): the same
// kinds, drawn the same way; nothing for a kind feature does not draw.
func (c *cutter) held(w *layerWriter, k *kept, gb orb.Bound) (uint64, bool) {
	inside := within(gb, c.bound)
	w.beginGeometry()
	pts := k.pts()
	switch k.kind {
	case heldPoint: // found, so inside
		return geomPoint, c.points(w, pts, true)
	case heldMultiPoint:
		return geomPoint, c.points(w, pts, inside)
	case heldLines:
		drawn, start := false, uint32(0)
		for _, end := range k.ends() {
			drawn = c.line(w, pts[start:end], inside) || drawn
			start = end
		}
		return geomLineString, drawn
	case heldPolygons:
		ends := k.ends()
		drawn, ring, start := false, 0, uint32(0)
		for _, part := range k.parts() {
			c.heldRings = c.heldRings[:0]
			for ; ring < int(part); ring++ {
				c.heldRings = append(c.heldRings, pts[start:ends[ring]])
				start = ends[ring]
			}
			drawn = c.polygonIn(w, c.heldRings, inside) || drawn
		}
		return geomPolygon, drawn
	}
	return 0, false
}

// points writes ps (lon/lat) as one MultiPoint (or Point) command, those
// in the tile with its buffer unless all are; false when none is.
func (c *cutter) points(w *layerWriter, ps []orb.Point, inside bool) bool {
	c.pts = c.pts[:0]
	for _, q := range ps {
		if p := c.proj.point(q); inside || clipBound.Contains(p) {
			c.pts = append(c.pts, p)
		}
	}
	if len(c.pts) == 0 {
		return false
	}
	w.moveTo(snapPoints(c.pts))
	return true
}

// polygonIn writes polygon p (lon/lat): projected as it is written when it
// lies inside the tile with its buffer, else projected into a buffer and
// clipped to the buffer's edge first, which may leave it in several parts.
func (c *cutter) polygonIn(w *layerWriter, p orb.Polygon, inside bool) bool {
	if inside {
		return c.polygon(w, p, true)
	}
	c.src, c.srcEnds = c.src[:0], c.srcEnds[:0]
	for _, r := range p {
		for _, q := range r {
			c.src = append(c.src, c.proj.point(q))
		}
		c.srcEnds = append(c.srcEnds, len(c.src))
	}
	c.rings = c.rings[:0]
	start := 0
	for _, end := range c.srcEnds {
		c.rings = append(c.rings, c.src[start:end])
		start = end
	}
	c.clip.clip(clipBound, c.rings)
	if c.clip.extInside {
		return c.polygon(w, c.rings, false)
	}
	kept := false
	for i := range c.clip.numParts() {
		c.parts = c.clip.part(i, c.parts[:0])
		kept = c.polygon(w, c.parts, false) || kept
	}
	return kept
}

// load copies ps into the cutter's buffer, projecting them if asked.
func (c *cutter) load(ps []orb.Point, project bool) []orb.Point {
	c.pts = c.pts[:0]
	if !project {
		return append(c.pts, ps...)
	}
	for _, q := range ps {
		c.pts = append(c.pts, c.proj.point(q))
	}
	return c.pts
}

// snapPoints rounds points in tile units to the grid, in place (no
// simplification, repeated points kept).
func snapPoints(ps []orb.Point) []orb.Point {
	for i, p := range ps {
		ps[i] = orb.Point{math.Round(p[0]), math.Round(p[1])}
	}
	return ps
}

// line writes the pieces of l (lon/lat) in the tile with its buffer,
// simplified and snapped; false when none is left: a piece that collapses
// to fewer than two points or lies on the buffer's edge is dropped. A line
// inside is projected as it is; one crossing the edge is first cut in
// lon/lat to the wider box, so only the vertices near the tile are
// projected, then clipped exactly in tile units (a line leaving and
// re-entering becomes several pieces).
func (c *cutter) line(w *layerWriter, l []orb.Point, inside bool) bool {
	if inside {
		return c.piece(w, c.load(l, true))
	}
	c.wideCut, c.wideEnds = clipLine(c.wide, l, c.wideCut[:0], c.wideEnds[:0])
	kept, start := false, 0
	for _, end := range c.wideEnds {
		ps := c.wideCut[start:end]
		start = end
		for i, q := range ps {
			ps[i] = c.proj.point(q)
		}
		c.tileCut, c.tileEnds = clipLine(clipBound, ps, c.tileCut[:0], c.tileEnds[:0])
		from := 0
		for _, to := range c.tileEnds {
			kept = c.piece(w, c.tileCut[from:to]) || kept
			from = to
		}
	}
	return kept
}

// piece writes a line in tile units simplified and snapped (in place).
func (c *cutter) piece(w *layerWriter, ps []orb.Point) bool {
	s := snapLine(c.simplify(ps))
	if len(s) < 2 || onEdge(s) {
		return false
	}
	w.line(s)
	return true
}

// polygon writes p's rings simplified, snapped and wound (exterior with a
// positive shoelace area in y-down tile units, holes negative); rings that
// collapse are dropped, and the whole polygon when its exterior does.
func (c *cutter) polygon(w *layerWriter, p orb.Polygon, project bool) bool {
	for i, r := range p {
		s := snapLine(c.simplify(c.load(r, project)))
		if len(s) > 0 && s[0] != s[len(s)-1] {
			s = append(s, s[0])
		}
		o := orb.Orientation(0)
		if len(s) >= 4 {
			o = orb.Ring(s).Orientation()
		}
		if o == 0 {
			if i == 0 {
				return false
			}
			continue
		}
		want := orb.CW
		if i == 0 {
			want = orb.CCW
		}
		w.ring(s, o != want)
	}
	return true
}

// simplify runs Douglas–Peucker with Tolerance on ps in place (the
// algorithm of orb's simplify package, without its allocations).
func (c *cutter) simplify(ps []orb.Point) []orb.Point {
	if len(ps) <= 2 {
		return ps
	}
	c.mask = append(c.mask[:0], make([]byte, len(ps))...)
	c.mask[0], c.mask[len(ps)-1] = 1, 1
	stack := append(c.stack[:0], 0, len(ps)-1)
	for len(stack) > 0 {
		start, end := stack[len(stack)-2], stack[len(stack)-1]
		maxDist, maxIndex := 0.0, 0
		for i := start + 1; i < end; i++ {
			if d := planar.DistanceFromSegmentSquared(ps[start], ps[end], ps[i]); d > maxDist {
				maxDist, maxIndex = d, i
			}
		}
		if maxDist > Tolerance*Tolerance {
			c.mask[maxIndex] = 1
			stack[len(stack)-1] = maxIndex
			stack = append(stack, maxIndex, end)
		} else {
			stack = stack[:len(stack)-2]
		}
	}
	c.stack = stack
	n := 0
	for i, m := range c.mask {
		if m == 1 {
			ps[n] = ps[i]
			n++
		}
	}
	return ps[:n]
}

// projection maps WGS84 to the tile's grid, in floating point. Web
// Mercator's y = ln tan(π/4 + φ/2) costs a tangent, a cosine and a
// logarithm per vertex; over the few hundredths of a degree of one tile
// (with twice its buffer) a degree-5 Taylor polynomial around the tile's
// middle latitude gives the same y to a millionth of a tile unit (or the
// exact formula's own rounding at deep zooms), for five multiply-adds. Vertices outside that
// band, and tiles too tall for the polynomial (it is checked when made),
// take the exact formula.
type projection struct {
	scale, x0, y0 float64
	kx            float64    // tile units per degree of longitude
	lat0          float64    // the polynomial's centre, degrees
	lo, hi        float64    // the band where it is used, degrees
	c             [6]float64 // y in tile units = Σ c[k]·(lat−lat0)^k
}

// maxLat is where Web Mercator is cut off.
const maxLat = 85.05112878

// newProjection maps to tile t, with its polynomial made for band (lon/lat:
// the tile with twice its buffer, where its vertices are projected).
func newProjection(t maptile.Tile, band orb.Bound) projection {
	n := float64(uint64(1)<<uint(t.Z)) * Extent
	p := projection{scale: n, x0: float64(t.X) * Extent, y0: float64(t.Y) * Extent, kx: n / 360, lo: 1, hi: -1}
	lo, hi := math.Max(-maxLat, band.Min[1]), math.Min(maxLat, band.Max[1])
	if hi-lo > 5 { // low zooms: exact only
		return p
	}
	// Derivatives of Y(φ) = ln tan(π/4 + φ/2) at φ0, with s = sec φ0 and
	// t = tan φ0: s, st, s(2t²+1), st(6t²+5), s(24t⁴+28t²+5).
	p.lat0 = (lo + hi) / 2
	phi := p.lat0 * math.Pi / 180
	sec, tan := 1/math.Cos(phi), math.Tan(phi)
	t2 := tan * tan
	d := [6]float64{math.Log(math.Tan(phi) + sec), sec, sec * tan, sec * (2*t2 + 1), sec * tan * (6*t2 + 5), sec * (24*t2*t2 + 28*t2 + 5)}
	// y units = scale/2 − y0 − scale/(2π)·Y, and Y = Σ d[k]/k!·δ^k with δ
	// in radians = (lat−lat0)·π/180.
	b, r, fact := n/(2*math.Pi), math.Pi/180, 1.0
	p.c[0] = n/2 - p.y0 - b*d[0]
	for k, rk := 1, r; k < 6; k, rk = k+1, rk*r {
		fact *= float64(k)
		p.c[k] = -b * d[k] / fact * rk
	}
	p.lo, p.hi = lo, hi
	// Check it at the band's ends, where a Taylor polynomial strays most:
	// to a millionth of a unit, or to the exact formula's own rounding,
	// which grows with the world's size in units (its tangent and secant
	// cancel near the poles).
	for _, lat := range [2]float64{lo, hi} {
		if math.Abs(p.seriesY(lat)-p.exactY(lat)) > 1e-6+n*1e-13 {
			p.lo, p.hi = 1, -1
			break
		}
	}
	return p
}

func (p *projection) seriesY(lat float64) float64 {
	d := lat - p.lat0
	return p.c[0] + d*(p.c[1]+d*(p.c[2]+d*(p.c[3]+d*(p.c[4]+d*p.c[5]))))
}

func (p *projection) exactY(lat float64) float64 {
	phi := math.Max(-maxLat, math.Min(maxLat, lat)) * math.Pi / 180
	return (1-math.Log(math.Tan(phi)+1/math.Cos(phi))/math.Pi)/2*p.scale - p.y0
}

func (p *projection) point(q orb.Point) orb.Point {
	x := (q[0]+180)*p.kx - p.x0
	if q[1] >= p.lo && q[1] <= p.hi {
		return orb.Point{x, p.seriesY(q[1])}
	}
	return orb.Point{x, p.exactY(q[1])}
}

// snapLine rounds coordinates to whole units and drops repeated points, in
// place.
func snapLine(ps []orb.Point) []orb.Point {
	out := ps[:0]
	for _, p := range ps {
		q := orb.Point{math.Round(p[0]), math.Round(p[1])}
		if len(out) == 0 || out[len(out)-1] != q {
			out = append(out, q)
		}
	}
	return out
}
