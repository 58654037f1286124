package geojson

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

const parks = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "id": "p1", "properties": {"name": "人民公园", "kind": "park", "public": true, "trees": 120, "area_m2": 1},
  "geometry": {"type": "Polygon", "coordinates": [[[104.05,30.66],[104.06,30.66],[104.06,30.67],[104.05,30.67],[104.05,30.66]]]}},
 {"type": "Feature", "properties": {"id": 7, "name": "bowtie", "public": "yes"},
  "geometry": {"type": "Polygon", "coordinates": [[[104.07,30.66],[104.08,30.67],[104.08,30.66],[104.07,30.67],[104.07,30.66]]]}},
 {"type": "Feature", "properties": {"name": "a park as a point"}, "geometry": {"type": "Point", "coordinates": [104.0, 30.6]}},
 {"type": "Feature", "properties": {"name": "no geometry"}, "geometry": null},
 {"type": "Feature", "properties": {"name": "bad trees", "trees": "many"},
  "geometry": {"type": "Polygon", "coordinates": [[[104.05,30.66],[104.06,30.66],[104.06,30.67],[104.05,30.66]]]}},
 {"type": "Feature", "properties": {"name": "flat", "trees": "12"},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[104.05,30.66],[104.06,30.66],[104.07,30.66],[104.05,30.66]]]]}}
]}`

func read(t *testing.T, doc string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	t.Helper()
	return Read(context.Background(), strings.NewReader(doc), "test.geojson", opt)
}

func TestReadParks(t *testing.T) {
	feats, sum, err := read(t, parks, Options{Layer: geo.Green})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 {
		t.Fatalf("%d features, want 2", len(feats))
	}
	p := feats[0]
	if p.SourceID != "p1" || p.Source != "geojson:test.geojson" || p.Text("name") != "人民公园" || !p.Bool("public") || p.Int("trees") != 120 {
		t.Errorf("park: %s %s %v", p.Source, p.SourceID, p.Props)
	}
	// area_m2 is computed (about 0.01° × 0.01° at 30.66°N), not taken from the file.
	if a := p.Float("area_m2"); math.Abs(a-geo.Area(orb.Polygon{{{104.05, 30.66}, {104.06, 30.66}, {104.06, 30.67}, {104.05, 30.67}, {104.05, 30.66}}})) > 1e-6 || a < 1e6 {
		t.Errorf("area_m2 %v", a)
	}
	bow := feats[1]
	if bow.SourceID != "7" || !bow.Bool("public") {
		t.Errorf("bowtie: %s %v", bow.SourceID, bow.Props)
	}
	if mp := bow.Geom.(orb.MultiPolygon); len(mp) != 2 {
		t.Errorf("bowtie repaired into %d polygons, want 2", len(mp))
	}
	l := sum.Layer(geo.Green)
	want := map[string]int{repair.ReasonWrongGeometry: 1, repair.ReasonEmpty: 1, "bad attribute trees": 1, repair.ReasonDegeneratePolygon: 1}
	for r, n := range want {
		if l.Skipped[r] != n {
			t.Errorf("skipped %q = %d, want %d (all: %v)", r, l.Skipped[r], n, l.Skipped)
		}
	}
	if l.Read != 6 || l.Repaired != 1 {
		t.Errorf("read %d repaired %d, want 6, 1", l.Read, l.Repaired)
	}
}

func TestFieldMap(t *testing.T) {
	doc := `{"type": "Feature", "properties": {"NAME_ZH": "锦华苑", "POP": "1200", "HH": 400.0, "population": 5},
	  "geometry": {"type": "Polygon", "coordinates": [[[104.05,30.66],[104.051,30.66],[104.051,30.661],[104.05,30.66]]]}}`
	dir := t.TempDir()
	mp := filepath.Join(dir, "map.yaml")
	os.WriteFile(mp, []byte("name: NAME_ZH\npopulation: POP\nhouseholds: HH\n"), 0o644)
	fields, err := importer.LoadFields(mp, geo.Parcels)
	if err != nil {
		t.Fatal(err)
	}
	feats, _, err := read(t, doc, Options{Layer: geo.Parcels, Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 1 || feats[0].Text("name") != "锦华苑" || feats[0].Int("population") != 1200 || feats[0].Int("households") != 400 || feats[0].SourceID != "#0" {
		t.Fatalf("got %v", feats)
	}
	for _, bad := range []string{"colour: COLOUR\n", "area_m2: A\n", "name: [\n"} {
		os.WriteFile(mp, []byte(bad), 0o644)
		if _, err := importer.LoadFields(mp, geo.Parcels); err == nil || !strings.Contains(err.Error(), mp) {
			t.Errorf("field map %q: err %v, want one naming the file", bad, err)
		}
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, doc, layer, want string
	}{
		{"swapped lat/lon", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"w1","properties":{},"geometry":{"type":"Point","coordinates":[30.66,104.06]}}]}`, geo.Waste, "feature 0 (id w1): coordinate not plausible in its coordinate system: [30.66 104.06] is not longitude/latitude"},
		{"projected metres", `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[400000,3390000]}}`, geo.Waste, "not longitude/latitude"},
		{"unknown crs member", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:x:local"}},"features":[]}`, geo.Waste, "urn:x:local"},
		{"GK file with lon/lat in it", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}},"features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[104.06,30.66]}}]}`, geo.Waste, "EPSG:4544"},
		{"not json", `{"type": "FeatureCollection", "features": [`, geo.Waste, "not valid JSON"},
		{"not geojson", `{"type": "Topology"}`, geo.Waste, "Topology"},
		{"unknown layer", `{"type":"FeatureCollection","features":[]}`, "lakes", "unknown layer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := read(t, tc.doc, Options{Layer: tc.layer})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "test.geojson: ") {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

// TestLoadReplaces: importing the same file twice replaces; a file with a
// feature fewer deletes it; a failing file leaves the store as it was.
func TestLoadReplaces(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	for i := 0; i < 2; i++ {
		feats, sum, err := read(t, parks, Options{Layer: geo.Green})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := importer.Load(ctx, st, sum.Source, feats, sum); err != nil {
			t.Fatal(err)
		}
	}
	ls, _ := st.Layers(ctx)
	if ls[0].Count != 2 || ls[0].Version != 2 {
		t.Fatalf("after two imports: %+v", ls[0])
	}
	one := strings.Replace(parks, `"id": "p1", `, `"id": "p2", `, 1)
	feats, sum, err := read(t, one, Options{Layer: geo.Green})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Load(ctx, st, sum.Source, feats, sum, importer.WithReplace()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	st.Scan(ctx, geo.Green, func(f *geo.Feature) error { ids = append(ids, f.SourceID); return nil })
	if strings.Join(ids, ",") != "7,p2" || sum.Layer(geo.Green).Deleted != 1 {
		t.Errorf("after replacing p1 by p2: %v, deleted %d", ids, sum.Layer(geo.Green).Deleted)
	}
	before := storetest.Snapshot(t, st)
	if _, _, err := read(t, `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[30,104]}}`, Options{Layer: geo.Waste}); err == nil {
		t.Fatal("swapped coordinates accepted")
	}
	if storetest.Snapshot(t, st) != before {
		t.Error("store changed")
	}
}

// TestCoordinateSystems: a legacy crs member and --crs convert to WGS84; a
// GCJ-02 point lands within 1 m of its published WGS84 original.
func TestCoordinateSystems(t *testing.T) {
	gk := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}},
	 "features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[500000,3393000]}}]}`
	feats, _, err := read(t, gk, Options{Layer: geo.Waste})
	if err != nil {
		t.Fatal(err)
	}
	if p := feats[0].Geom.(orb.Point); math.Abs(p[0]-105) > 1e-9 || p[1] < 30.6 || p[1] > 30.7 {
		t.Errorf("GK point at %v, want on 105°E near 30.66°N", p)
	}
	// Shanghai, eviltransform's published pair (GCJ-02 → WGS84).
	gcj := `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[121.531541859215,31.17530398364597]}}`
	feats, _, err = read(t, gcj, Options{Layer: geo.Waste, CRS: "gcj02"})
	if err != nil {
		t.Fatal(err)
	}
	if d := geo.Distance(feats[0].Geom.(orb.Point), orb.Point{121.5272106, 31.1774276}); d > 1 {
		t.Errorf("GCJ-02 point %.2f m from its WGS84 original", d)
	}
}
