package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// stores lists the stores the importer is tested against.
var stores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memstore", func(t *testing.T) store.Store { return memstore.New() }},
	{"gpkg", func(t *testing.T) store.Store {
		s, err := gpkg.Open(ctx(t), filepath.Join(t.TempDir(), "test.gpkg"))
		if err != nil {
			t.Fatalf("gpkg: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgis", func(t *testing.T) store.Store {
		s, err := postgis.Open(ctx(t), storetest.PostGISURL(t, "imp"))
		if err != nil {
			t.Fatalf("postgis: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func sq(x, y, d float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
}

func TestClean(t *testing.T) {
	x, y := 104.06, 30.66
	feats := []*geo.Feature{
		{Layer: geo.Green, SourceID: "a", Geom: sq(x, y, 0.001)},
		{Layer: geo.Green, SourceID: "b", Geom: orb.Polygon{{{x, y}, {x + 0.001, y + 0.001}, {x + 0.001, y}, {x, y + 0.001}, {x, y}}}},
		{Layer: geo.Green, SourceID: "c", Geom: orb.Point{x, y}},
	}
	sum := importer.NewSummary("", "", "t")
	kept := importer.Clean(feats, sum)
	if len(kept) != 2 {
		t.Fatalf("kept %d, want 2", len(kept))
	}
	g := sum.Layers[geo.Green]
	if g.Read != 3 || g.Repaired != 1 || g.Skipped[repair.ReasonWrongGeometry] != 1 {
		t.Fatalf("summary %+v", g)
	}
}

func ids(t *testing.T, s store.Store, layer string) map[string]int {
	t.Helper()
	m := map[string]int{}
	err := s.Scan(ctx(t), layer, func(f *geo.Feature) error { m[f.Source+"/"+f.SourceID]++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadReplacesAndDeletes(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			// another source must not be touched
			other := storetest.Sample("other", "1", 104.10, 30.70)
			if _, err := importer.Load(ctx(t), s, "other", other, nil); err != nil {
				t.Fatal(err)
			}
			first := append(storetest.Sample("x", "1", 104.06, 30.66), storetest.Sample("x", "2", 104.07, 30.66)...)
			sum := importer.NewSummary("", "", "file")
			var progressed int
			ch, err := importer.Load(ctx(t), s, "file", first, sum, importer.WithBatchSize(1), importer.WithProgress(func(layer string, n int) { progressed += n }))
			if err != nil {
				t.Fatal(err)
			}
			if n := 2 * len(geo.Schemas); progressed != n || len(ch.Put) != n {
				t.Fatalf("progress %d, changes %d, want %d", progressed, len(ch.Put), n)
			}
			for _, l := range geo.Schemas {
				if got := sum.Layers[l.ID]; got.Imported != 2 || got.Replaced != 0 || got.Deleted != 0 {
					t.Fatalf("%s: %+v", l.ID, got)
				}
			}
			// the same again: every feature replaced, nothing added
			sum = importer.NewSummary("", "", "file")
			if _, err := importer.Load(ctx(t), s, "file", append(storetest.Sample("x", "1", 104.06, 30.66), storetest.Sample("x", "2", 104.07, 30.66)...), sum); err != nil {
				t.Fatal(err)
			}
			for _, l := range geo.Schemas {
				if got := sum.Layers[l.ID]; got.Imported != 2 || got.Replaced != 2 || got.Deleted != 0 {
					t.Fatalf("second load %s: %+v", l.ID, got)
				}
				for k, n := range ids(t, s, l.ID) {
					if n != 1 {
						t.Fatalf("%s %s stored %d times", l.ID, k, n)
					}
				}
			}
			// one feature per layer gone from the file, and the source
			// replaced: deleted
			sum = importer.NewSummary("", "", "file")
			ch, err = importer.Load(ctx(t), s, "file", storetest.Sample("x", "1", 104.06, 30.66), sum, importer.WithReplace())
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range geo.Schemas {
				got := sum.Layers[l.ID]
				if got.Imported != 1 || got.Replaced != 1 || got.Deleted != 1 || len(ch.Deleted[l.ID]) != 1 {
					t.Fatalf("third load %s: %+v", l.ID, got)
				}
				m := ids(t, s, l.ID)
				if len(m) != 2 { // one of "file", one of "other"
					t.Fatalf("%s holds %v", l.ID, m)
				}
			}
		})
	}
}

// TestLoadDeletesOnlyWhenAsked: without WithReplace a load adds and
// updates only — a file with fewer features, or none (an empty
// FeatureCollection), deletes nothing, of its own source or any other;
// with it, exactly the source's features the file lacks go, and the
// summary lists their ids.
func TestLoadDeletesOnlyWhenAsked(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			if _, err := importer.Load(ctx(t), s, "other", storetest.Sample("o", "1", 104.10, 30.70), nil); err != nil {
				t.Fatal(err)
			}
			three := slices.Concat(storetest.Sample("x", "1", 104.06, 30.66), storetest.Sample("x", "2", 104.07, 30.66), storetest.Sample("x", "3", 104.08, 30.66))
			if _, err := importer.Load(ctx(t), s, "file", three, nil); err != nil {
				t.Fatal(err)
			}
			before := storetest.Snapshot(t, s)
			// ids of the stored features of "file" with source id x2 and x3
			gone := map[string][]int64{}
			for _, l := range geo.Schemas {
				s.Scan(ctx(t), l.ID, func(f *geo.Feature) error {
					if f.Source == "file" && f.SourceID[1:] != "1" {
						gone[l.ID] = append(gone[l.ID], f.ID)
					}
					return nil
				})
			}
			for _, feats := range [][]*geo.Feature{nil, storetest.Sample("x", "1", 104.06, 30.66)} {
				sum := importer.NewSummary("", "", "file")
				if _, err := importer.Load(ctx(t), s, "file", feats, sum); err != nil {
					t.Fatal(err)
				}
				if d := sum.Totals().Deleted; d != 0 || sum.Replace {
					t.Fatalf("a load of %d features without replace deleted %d", len(feats), d)
				}
				if len(feats) == 0 {
					if after := storetest.Snapshot(t, s); after != before {
						t.Fatalf("an empty load changed the store:\n%s\nwant\n%s", after, before)
					}
				}
				for _, l := range geo.Schemas {
					if m := ids(t, s, l.ID); len(m) != 4 {
						t.Fatalf("%s after a load of %d features without replace: %v", l.ID, len(feats), m)
					}
				}
			}
			sum := importer.NewSummary("", "", "file")
			if _, err := importer.Load(ctx(t), s, "file", storetest.Sample("x", "1", 104.06, 30.66), sum, importer.WithReplace()); err != nil {
				t.Fatal(err)
			}
			if !sum.Replace {
				t.Error("summary does not say it replaced")
			}
			for _, l := range geo.Schemas {
				got := sum.Layers[l.ID]
				want := slices.Sorted(slices.Values(gone[l.ID]))
				if got.Deleted != 2 || !slices.Equal(got.DeletedIDs, want) {
					t.Errorf("%s: deleted %d %v, want 2 %v", l.ID, got.Deleted, got.DeletedIDs, want)
				}
				p := l.ID[:1] // Sample's source ids: the layer's initial and the id
				if m := ids(t, s, l.ID); len(m) != 2 || m["other/"+p+"1"] != 1 || m["file/"+p+"1"] != 1 {
					t.Errorf("%s after the replace: %v", l.ID, m)
				}
			}
			var b bytes.Buffer
			sum.WriteTable(&b)
			if want := fmt.Sprintf("deleted green: 2 of source \"file\", ids %d, %d", gone[geo.Green][0], gone[geo.Green][1]); !strings.Contains(b.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, b.String())
			}
		})
	}
}

func TestLoadAllOrNothing(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.open(t)
			if _, err := importer.Load(ctx(t), s, "file", storetest.Sample("x", "1", 104.06, 30.66), nil); err != nil {
				t.Fatal(err)
			}
			before := storetest.Snapshot(t, s)
			bad := storetest.Sample("x", "2", 104.07, 30.66)
			bad = append(bad, &geo.Feature{Layer: geo.Waste, SourceID: "bad", Geom: orb.Point{104, 95}})
			sum := importer.NewSummary("", "", "file")
			if _, err := importer.Load(ctx(t), s, "file", bad, sum); err == nil {
				t.Fatal("load of an invalid feature succeeded")
			}
			if after := storetest.Snapshot(t, s); after != before {
				t.Fatalf("store changed by a failed load:\n%s\nwant\n%s", after, before)
			}
			if sum.Layers[geo.Green].Imported != 0 {
				t.Fatalf("failed load counted imports: %+v", sum.Layers[geo.Green])
			}
		})
	}
}

func TestLoadRejectsDuplicates(t *testing.T) {
	fs := storetest.Sample("x", "1", 104.06, 30.66)
	fs = append(fs, storetest.Sample("x", "1", 104.07, 30.66)[0])
	_, err := importer.Load(ctx(t), memstore.New(), "file", fs, nil)
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("err = %v", err)
	}
}

func TestSummaryOutput(t *testing.T) {
	sum := importer.NewSummary("city.osm", "osm-xml", "osm")
	sum.Skip(geo.Green, "park as point")
	sum.Skip(geo.Green, "park as point")
	sum.Layer(geo.Green).Read++
	sum.Layer(geo.Green).Imported = 1
	sum.Class("leisure=park", geo.Green).Imported++
	sum.Class("leisure=park", geo.Green).Skipped["park as point"] += 2
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"city.osm (osm-xml", "green", "skipped green: 2 park as point", "leisure=park"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var back importer.Summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if g := back.Layers[geo.Green]; g.Read != 3 || g.Imported != 1 || g.Skipped["park as point"] != 2 || len(back.Layers) != len(geo.Schemas) {
		t.Fatalf("round trip: %s", js)
	}
}
