// Package importer is the part every file importer shares: the Summary of
// what an import read, repaired, skipped and wrote; the geometry check and
// repair (GEOS MakeValid) a feature goes through before it is written; and
// Load, which writes one file's features in a single store transaction.
// Load adds and updates only: it removes the features of the source that
// the file no longer has only when asked to (WithReplace), and never
// touches another source.
//
// An importer reads its whole file first, then calls Clean (or Validator.Fix
// per feature), then Load. A file that cannot be read completely is an error
// before Load is called, so nothing of it is ever written.
package importer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geos"
)

// LayerSummary counts what happened to one layer's features.
//
// Read = Imported + the sum of Skipped once Load has committed. Repaired
// features are among the Imported ones; Replaced counts the imported
// features that replaced a feature already stored with the same source and
// source id; Deleted counts stored features of the source that the file no
// longer has, removed because the import asked to replace the source, and
// DeletedIDs lists the ids of the first MaxDeletedIDs of them.
type LayerSummary struct {
	Read       int            `json:"read"`
	Imported   int            `json:"imported"`
	Repaired   int            `json:"repaired"`
	Replaced   int            `json:"replaced"`
	Deleted    int            `json:"deleted"`
	DeletedIDs []int64        `json:"deleted_ids,omitempty"`
	Skipped    map[string]int `json:"skipped"` // reason → count
}

// MaxDeletedIDs bounds LayerSummary.DeletedIDs, so that the summary of a
// replace that removed a whole city stays small.
const MaxDeletedIDs = 100

// SkippedTotal is the number of skipped features.
func (l *LayerSummary) SkippedTotal() int {
	n := 0
	for _, c := range l.Skipped {
		n += c
	}
	return n
}

// ClassSummary counts the source records of one importer-defined class (for
// OSM: the tag of a mapping rule, "leisure=park"). A record counts once in
// every class it belongs to, so classes may overlap.
type ClassSummary struct {
	Layer    string         `json:"layer"`
	Imported int            `json:"imported"`
	Skipped  map[string]int `json:"skipped"`
}

// SkippedTotal is the number of skipped records of the class.
func (c *ClassSummary) SkippedTotal() int {
	n := 0
	for _, v := range c.Skipped {
		n += v
	}
	return n
}

// Summary is what one import of one file did.
type Summary struct {
	File   string `json:"file,omitempty"`
	Format string `json:"format,omitempty"`
	Source string `json:"source"`
	// Replace: the import replaced the source (deleting what the file no
	// longer has) rather than adding to it.
	Replace bool  `json:"replace"`
	Objects int64 `json:"objects"` // records read from the file (OSM: nodes, ways, relations)
	// Layers has an entry for every layer of geo.Schemas.
	Layers  map[string]*LayerSummary `json:"layers"`
	Classes map[string]*ClassSummary `json:"classes,omitempty"`
	// ReadSeconds is the time spent reading and building features,
	// LoadSeconds the time of the store transaction.
	ReadSeconds float64 `json:"read_seconds"`
	LoadSeconds float64 `json:"load_seconds"`
}

// NewSummary returns an empty summary for a file.
func NewSummary(file, format, source string) *Summary {
	s := &Summary{File: file, Format: format, Source: source, Layers: map[string]*LayerSummary{}, Classes: map[string]*ClassSummary{}}
	for _, sc := range geo.Schemas {
		s.Layers[sc.ID] = &LayerSummary{Skipped: map[string]int{}}
	}
	return s
}

// Layer returns the summary of a layer, creating it if needed.
func (s *Summary) Layer(layer string) *LayerSummary {
	if s.Layers == nil {
		s.Layers = map[string]*LayerSummary{}
	}
	l := s.Layers[layer]
	if l == nil {
		l = &LayerSummary{Skipped: map[string]int{}}
		s.Layers[layer] = l
	}
	return l
}

// Skip counts a feature of a layer that was read but will not be written.
func (s *Summary) Skip(layer, reason string) {
	l := s.Layer(layer)
	l.Read++
	l.Skipped[reason]++
}

// Class returns the summary of a class, creating it for layer if needed.
func (s *Summary) Class(class, layer string) *ClassSummary {
	if s.Classes == nil {
		s.Classes = map[string]*ClassSummary{}
	}
	c := s.Classes[class]
	if c == nil {
		c = &ClassSummary{Layer: layer, Skipped: map[string]int{}}
		s.Classes[class] = c
	}
	return c
}

// Totals adds up every layer.
func (s *Summary) Totals() LayerSummary {
	t := LayerSummary{Skipped: map[string]int{}}
	for _, l := range s.Layers {
		t.Read += l.Read
		t.Imported += l.Imported
		t.Repaired += l.Repaired
		t.Replaced += l.Replaced
		t.Deleted += l.Deleted
		for r, n := range l.Skipped {
			t.Skipped[r] += n
		}
	}
	return t
}

// WriteTable writes the summary as a human-readable table: one row per
// layer, then the skip reasons, then the classes.
func (s *Summary) WriteTable(w io.Writer) error {
	head := fmt.Sprintf("source %q", s.Source)
	if s.File != "" {
		head = fmt.Sprintf("%s (%s, source %q)", s.File, s.Format, s.Source)
	}
	fmt.Fprintf(w, "%s: %d records read in %.2fs, written in %.2fs\n", head, s.Objects, s.ReadSeconds, s.LoadSeconds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tread\timported\trepaired\treplaced\tdeleted\tskipped\t")
	row := func(name string, l *LayerSummary) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, l.Read, l.Imported, l.Repaired, l.Replaced, l.Deleted, l.SkippedTotal())
	}
	for _, sc := range geo.Schemas {
		if l := s.Layers[sc.ID]; l != nil {
			row(sc.ID, l)
		}
	}
	t := s.Totals()
	row("total", &t)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, sc := range geo.Schemas {
		l := s.Layers[sc.ID]
		if l == nil || len(l.Skipped) == 0 {
			continue
		}
		fmt.Fprintf(w, "skipped %s: %s\n", sc.ID, reasons(l.Skipped))
	}
	for _, sc := range geo.Schemas {
		if l := s.Layers[sc.ID]; l != nil && l.Deleted > 0 {
			fmt.Fprintf(w, "deleted %s: %d of source %q, ids %s\n", sc.ID, l.Deleted, s.Source, idList(l.DeletedIDs, l.Deleted))
		}
	}
	if len(s.Classes) > 0 {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "\nclass\tlayer\timported\tskipped\treasons")
		for _, c := range slices.Sorted(maps.Keys(s.Classes)) {
			cs := s.Classes[c]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", c, cs.Layer, cs.Imported, cs.SkippedTotal(), reasons(cs.Skipped))
		}
		return tw.Flush()
	}
	return nil
}

// idList formats the first ids of n, saying how many more there were.
func idList(ids []int64, n int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	out := strings.Join(parts, ", ")
	if n > len(ids) {
		out += fmt.Sprintf(" and %d more", n-len(ids))
	}
	return out
}

// reasons formats a reason → count map, most frequent first.
func reasons(m map[string]int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

// ContentTag is the tag of a file's content that default sources carry
// ("geojson:parks.geojson@1f3a5c7e9b0d"): the first 12 hex digits of the
// SHA-256 of its bytes — for a .shp, of the .shp and its .dbf together,
// since the attributes live there. The same file always gets the same tag,
// so re-importing it updates its features instead of duplicating them, and
// another file with the same name gets another tag, so it never overwrites
// them.
func ContentTag(path string) (string, error) {
	h := sha256.New()
	paths := []string{path}
	if strings.EqualFold(filepath.Ext(path), ".shp") {
		dbf := strings.TrimSuffix(path, filepath.Ext(path)) + ".dbf"
		if _, err := os.Stat(dbf); err == nil {
			paths = append(paths, dbf)
		}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// Option configures Load.
type Option func(*loadOptions)

type loadOptions struct {
	batch    int
	replace  bool
	progress func(layer string, n int)
}

// WithReplace has Load replace the source: the stored features of the
// source that feats do not have are deleted. Without it Load only adds and
// updates. Callers ask for it only when the user named the source and
// asked for the replace (the CLI's --source and --replace).
func WithReplace() Option {
	return func(o *loadOptions) { o.replace = true }
}

// WithProgress has Load call fn after every batch written, with the batch's
// layer and size.
func WithProgress(fn func(layer string, n int)) Option {
	return func(o *loadOptions) { o.progress = fn }
}

// WithBatchSize sets how many features go to one Tx.Put (default 1000).
func WithBatchSize(n int) Option {
	return func(o *loadOptions) {
		if n > 0 {
			o.batch = n
		}
	}
}

// Load writes feats in one store transaction: it puts every feature (keyed
// by layer, source and source id, so a feature imported before under the
// same source and source id is updated, and features of other sources are
// never touched). Only WithReplace makes it then remove from every layer
// the features of source that are not among feats; without it nothing is
// deleted, not even by an empty file. On any error nothing changes. Load
// stamps source on every feature and ignores any ID or Version they carry;
// features must have distinct (layer, source id). It fills Imported,
// Replaced, Deleted and DeletedIDs of sum (which may be nil) once the
// transaction has committed.
func Load(ctx context.Context, st store.Store, source string, feats []*geo.Feature, sum *Summary, opts ...Option) (*store.Changes, error) {
	o := loadOptions{batch: 1000}
	for _, opt := range opts {
		opt(&o)
	}
	if source == "" {
		return nil, errors.New("importer: load without a source")
	}
	keep := map[string]map[string]bool{}
	byLayer := map[string][]*geo.Feature{}
	for _, f := range feats {
		if geo.SchemaOf(f.Layer) == nil {
			return nil, fmt.Errorf("importer: %s/%s: unknown layer %q", source, f.SourceID, f.Layer)
		}
		if f.SourceID == "" {
			return nil, fmt.Errorf("importer: %s feature of %s without a source id", f.Layer, source)
		}
		k := keep[f.Layer]
		if k == nil {
			k = map[string]bool{}
			keep[f.Layer] = k
		}
		if k[f.SourceID] {
			return nil, fmt.Errorf("importer: %s %s/%s appears twice", f.Layer, source, f.SourceID)
		}
		k[f.SourceID] = true
		f.Source, f.ID, f.Version = source, 0, 0
		byLayer[f.Layer] = append(byLayer[f.Layer], f)
	}
	imported := map[string]int{}
	replaced := map[string]int{}
	deleted := map[string][]int64{}
	ch, err := st.Write(ctx, func(tx store.Tx) error {
		for _, sc := range geo.Schemas {
			fs := byLayer[sc.ID]
			for i := 0; i < len(fs); i += o.batch {
				batch := fs[i:min(i+o.batch, len(fs))]
				if err := tx.Put(ctx, batch); err != nil {
					return err
				}
				for _, f := range batch {
					if f.Version > 1 {
						replaced[sc.ID]++
					}
				}
				imported[sc.ID] += len(batch)
				if o.progress != nil {
					o.progress(sc.ID, len(batch))
				}
			}
		}
		if !o.replace {
			return nil
		}
		for _, sc := range geo.Schemas {
			ids, err := tx.DeleteSource(ctx, sc.ID, source, keep[sc.ID])
			if err != nil {
				return err
			}
			deleted[sc.ID] = slices.Sorted(slices.Values(ids))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sum != nil {
		sum.Replace = o.replace
		for _, sc := range geo.Schemas {
			l := sum.Layer(sc.ID)
			ids := deleted[sc.ID]
			l.Imported, l.Replaced, l.Deleted = imported[sc.ID], replaced[sc.ID], len(ids)
			l.DeletedIDs = slices.Clone(ids[:min(len(ids), MaxDeletedIDs)])
		}
	}
	return ch, nil
}

// Validator checks and repairs feature geometries with GEOS. It is not safe
// for concurrent use (it owns one GEOS context, which serialises its calls):
// use one per goroutine.
type Validator struct {
	gc *geos.Context
	// MaxCrossings and MaxVertices bound a GEOS repair by its input, which
	// its time grows with (a cgo call cannot be cancelled): an invalid
	// polygonal geometry whose rings meet at more points (geo.Crossings),
	// or with more vertices, is refused with a reason naming the limit
	// before GEOS is asked. 0: DefaultMaxCrossings, DefaultMaxVertices.
	MaxCrossings, MaxVertices int
	// Shared makes the limits a budget for all the features v repairs
	// together (one request's): each repair spends its crossings and
	// vertices.
	Shared bool
	// Gate, when set, is called before each GEOS repair: it returns the
	// function to call when the repair is done, or an error when none may
	// start (Fix then gives ReasonBusy).
	Gate func() (done func(), err error)

	spentCrossings, spentVertices int
}

// Default repair limits of a feature.
const (
	DefaultMaxCrossings = 256
	DefaultMaxVertices  = 250_000
)

// NewValidator returns a Validator with its own GEOS context.
func NewValidator() *Validator { return &Validator{gc: geos.NewContext()} }

// Skip reasons given by Fix.
const (
	ReasonEmpty             = "empty geometry"
	ReasonDegeneratePolygon = "degenerate polygon"
	ReasonDegenerateLine    = "degenerate line"
	ReasonNotRepairable     = "invalid polygon GEOS cannot repair"
	ReasonWrongGeometry     = "geometry does not fit the layer"
	ReasonSchema            = "rejected by the layer schema"
	// ReasonBusy: the Gate let no repair start (a pool full, a deadline).
	ReasonBusy = "no GEOS repair could start"
)

// refusal is a repair refused before GEOS was asked; its text is the
// reason Fix gives.
type refusal string

func (r refusal) Error() string { return string(r) }

// Fix makes f fit to be written, or says why it cannot be. Polygonal
// geometries become a MultiPolygon whose rings have at least four points
// (consecutive duplicate points removed) and which GEOS finds valid: an
// invalid one is replaced by the polygonal part of GEOS MakeValid (repaired
// is then true). Lines lose consecutive duplicate points and must keep two.
// Finally geo.Prepare checks the attributes and computes the measures. On a
// non-empty reason f must be skipped.
func (v *Validator) Fix(f *geo.Feature) (repaired bool, reason string) {
	sc := geo.SchemaOf(f.Layer)
	if sc == nil {
		return false, ReasonSchema
	}
	if f.Geom == nil || isEmpty(f.Geom) {
		return false, ReasonEmpty
	}
	switch sc.Geom {
	case geo.MultiPolygon:
		mp, ok := polygons(f.Geom)
		if !ok {
			return false, ReasonWrongGeometry
		}
		mp = cleanPolygons(mp)
		if len(mp) == 0 {
			return false, ReasonDegeneratePolygon
		}
		fixed, changed, err := v.makeValid(mp)
		var ref refusal
		if errors.As(err, &ref) {
			return false, string(ref)
		}
		if err != nil {
			return false, ReasonNotRepairable
		}
		if len(fixed) == 0 || planar.Area(fixed) == 0 {
			return false, ReasonDegeneratePolygon // no area, before or after repair
		}
		f.Geom, repaired = fixed, changed
	case geo.MultiLineString:
		var ml orb.MultiLineString
		switch t := f.Geom.(type) {
		case orb.LineString:
			ml = orb.MultiLineString{t}
		case orb.MultiLineString:
			ml = t
		default:
			return false, ReasonWrongGeometry
		}
		out := make(orb.MultiLineString, 0, len(ml))
		for _, l := range ml {
			l = dedupe(l)
			if len(l) >= 2 {
				out = append(out, l)
			}
		}
		if len(out) == 0 {
			return false, ReasonDegenerateLine
		}
		f.Geom = out
	case geo.Point:
		if _, ok := f.Geom.(orb.Point); !ok {
			return false, ReasonWrongGeometry
		}
	}
	src := f.Source
	if src == "" {
		f.Source = "-" // stamped by Load; Prepare wants one
	}
	err := geo.Prepare(f)
	f.Source = src
	if err != nil {
		return false, ReasonSchema
	}
	return repaired, ""
}

// Outcome is what Fix said about one feature.
type Outcome struct {
	Repaired bool
	Reason   string // non-empty: skip the feature
}

// FixAll runs Fix (and, on areas, CheckArea) on every feature, spread over
// GOMAXPROCS goroutines with a Validator each, and returns the outcomes in
// the order of feats.
func FixAll(feats []*geo.Feature) []Outcome {
	out := make([]Outcome, len(feats))
	workers := min(runtime.GOMAXPROCS(0), 1+len(feats)/500)
	var wg sync.WaitGroup
	chunk := (len(feats) + workers - 1) / max(workers, 1)
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(feats))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := NewValidator()
			for i := lo; i < hi; i++ {
				out[i].Repaired, out[i].Reason = v.Fix(feats[i])
				if out[i].Reason == "" {
					out[i].Reason = CheckArea(feats[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// Clean runs Fix on every feature, counts each in sum (Read, Repaired,
// Skipped) and returns those to write.
func Clean(feats []*geo.Feature, sum *Summary) []*geo.Feature {
	outcomes := FixAll(feats)
	out := feats[:0:0]
	for i, f := range feats {
		repaired, reason := outcomes[i].Repaired, outcomes[i].Reason
		if reason != "" {
			sum.Skip(f.Layer, reason)
			continue
		}
		l := sum.Layer(f.Layer)
		l.Read++
		if repaired {
			l.Repaired++
		}
		out = append(out, f)
	}
	return out
}

// makeValid returns mp unchanged when GEOS finds it valid, else the
// polygonal part of MakeValid, if the repair is within v's limits (else a
// refusal) and its Gate lets it start.
func (v *Validator) makeValid(mp orb.MultiPolygon) (orb.MultiPolygon, bool, error) {
	b, err := wkb.Marshal(mp)
	if err != nil {
		return nil, false, err
	}
	g, err := v.gc.NewGeomFromWKB(b)
	if err != nil {
		return nil, false, err
	}
	if g.IsValid() {
		return mp, false, nil
	}
	if err := v.spend(mp); err != nil {
		return nil, true, err
	}
	if v.Gate != nil {
		done, err := v.Gate()
		if err != nil {
			return nil, true, refusal(ReasonBusy)
		}
		defer done()
	}
	mv := g.MakeValid()
	if mv == nil {
		return nil, true, errors.New("MakeValid failed")
	}
	og, err := wkb.Unmarshal(mv.ToWKB())
	if err != nil {
		return nil, true, err
	}
	out := cleanPolygons(geo.Polygons(og))
	for _, p := range out {
		Orient(p)
	}
	return out, true, nil
}

// spend checks the repair of mp against v's limits, and with Shared
// counts it against them. A refusal speaks of this polygon when it alone
// passes a limit, of the request's polygons in all when earlier repairs
// spent part of it.
func (v *Validator) spend(mp orb.MultiPolygon) error {
	maxX, maxV := cmp.Or(v.MaxCrossings, DefaultMaxCrossings), cmp.Or(v.MaxVertices, DefaultMaxVertices)
	leftX, leftV := maxX, maxV
	if v.Shared {
		leftX, leftV = maxX-v.spentCrossings, maxV-v.spentVertices
	}
	nv := 0
	for _, p := range mp {
		for _, r := range p {
			nv += len(r)
		}
	}
	if nv > leftV {
		if nv > maxV {
			return refusal(fmt.Sprintf("the polygon has more than %d vertices; repairing it is refused: simplify it", maxV))
		}
		return refusal(fmt.Sprintf("the polygons to repair have more than %d vertices in all; repairing them is refused: simplify them", maxV))
	}
	nx, ok := geo.Crossings(mp, leftX)
	switch {
	case !ok && nx > leftX && leftX == maxX:
		return refusal(fmt.Sprintf("the polygon crosses itself at more than %d points; repairing it is refused: simplify it", maxX))
	case !ok && nx > leftX:
		return refusal(fmt.Sprintf("the polygons to repair cross themselves at more than %d points in all; repairing them is refused: simplify them", maxX))
	case !ok:
		return refusal("the polygon's edges are too tangled (many meeting at one vertex, or lying close together) to count where they cross; repairing it is refused: simplify it")
	}
	if v.Shared {
		v.spentCrossings += nx
		v.spentVertices += nv
	}
	return nil
}

func polygons(g orb.Geometry) (orb.MultiPolygon, bool) {
	switch t := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}, true
	case orb.MultiPolygon:
		return t, true
	case orb.Ring:
		return orb.MultiPolygon{{t}}, true
	}
	return nil, false
}

// cleanPolygons removes consecutive duplicate points, drops rings of fewer
// than four points (or not closed) and polygons whose outer ring was
// dropped.
func cleanPolygons(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		if len(p) == 0 {
			continue
		}
		outer := orb.Ring(dedupe(orb.LineString(p[0])))
		if len(outer) < 4 || !outer.Closed() {
			continue
		}
		np := orb.Polygon{outer}
		for _, r := range p[1:] {
			r = orb.Ring(dedupe(orb.LineString(r)))
			if len(r) >= 4 && r.Closed() {
				np = append(np, r)
			}
		}
		out = append(out, np)
	}
	return out
}

func dedupe(l orb.LineString) orb.LineString {
	if len(l) < 2 {
		return l
	}
	out := make(orb.LineString, 1, len(l))
	out[0] = l[0]
	for _, p := range l[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

func isEmpty(g orb.Geometry) bool {
	switch t := g.(type) {
	case orb.Point:
		return math.IsNaN(t[0]) || math.IsNaN(t[1])
	case orb.LineString:
		return len(t) == 0
	case orb.Ring:
		return len(t) == 0
	case orb.MultiLineString:
		for _, l := range t {
			if len(l) > 0 {
				return false
			}
		}
		return true
	case orb.Polygon:
		return len(t) == 0 || len(t[0]) == 0
	case orb.MultiPolygon:
		for _, p := range t {
			if !isEmpty(p) {
				return false
			}
		}
		return true
	case orb.MultiPoint:
		return len(t) == 0
	case orb.Collection:
		for _, x := range t {
			if !isEmpty(x) {
				return false
			}
		}
		return true
	}
	return false
}

// Orient puts a polygon's outer ring counter-clockwise and its holes
// clockwise (the GeoJSON right-hand rule), in place.
func Orient(p orb.Polygon) {
	for i, r := range p {
		want := orb.CCW
		if i > 0 {
			want = orb.CW
		}
		if o := r.Orientation(); o != want && o != 0 {
			r.Reverse()
		}
	}
}
