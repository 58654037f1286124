package importer

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/greenreach/greenreach/geo"
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
func (l *LayerSummary) SkippedTotal() int { return total(l.Skipped) }

// ClassSummary counts the source records of one importer-defined class (for
// OSM: the tag of a mapping rule, "leisure=park"). A record counts once in
// every class it belongs to, so classes may overlap.
type ClassSummary struct {
	Layer    string         `json:"layer"`
	Imported int            `json:"imported"`
	Skipped  map[string]int `json:"skipped"`
}

// SkippedTotal is the number of skipped records of the class.
func (c *ClassSummary) SkippedTotal() int { return total(c.Skipped) }

// total is the sum of a map's counts.
func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
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
